import type { OnBehalfOfGrant } from '../token/on-behalf-of/exchange-grant';
import { McaConfigError } from '../errors/mca-config-error';
import type { ProviderConfig } from './resolve-config';

/** An entry's (or the middleware's) resolved `onBehalfOf`: the grant it exchanges with, or false for the app's own token. */
export type OnBehalfOfMode = OnBehalfOfGrant | false;

const GRANTS: ReadonlySet<string> = new Set<OnBehalfOfGrant>(['token-exchange', 'jwt-bearer']);

function refused(field: string, fix: string, where: string | undefined): McaConfigError {
  const suffix = where === undefined ? '' : ` The entry is in ${where}.`;
  return new McaConfigError('ERR_MCA_INVALID_ON_BEHALF_OF', `Invalid \`${field}\`: ${fix}${suffix}`, { field });
}

/**
 * `onBehalfOf`: `true` (RFC 8693 token exchange), `false`, or `{ grant: 'token-exchange' | 'jwt-bearer' }`.
 * Undefined when not given (an entry then takes the middleware's). `where` names the list's source for an entry.
 */
export function readOnBehalfOf(value: unknown, field: string, where?: string): OnBehalfOfMode | undefined {
  if (value === undefined) return undefined;
  if (value === true) return 'token-exchange';
  if (value === false) return false;
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const keys = Object.keys(value);
    const grant = Object.hasOwn(value, 'grant') ? (value as { grant?: unknown }).grant : undefined;
    if (keys.every((key) => key === 'grant') && (grant === undefined || (typeof grant === 'string' && GRANTS.has(grant)))) {
      return (grant as OnBehalfOfGrant | undefined) ?? 'token-exchange';
    }
  }
  throw refused(field, "it must be true, false, or `{ grant: 'token-exchange' }` / `{ grant: 'jwt-bearer' }` (Microsoft Entra's on-behalf-of).", where);
}

/**
 * Only an OAuth client can exchange a user's token: IBM Cloud IAM's API key and trusted-profile
 * grants are the credential themselves, with no client authentication to send beside another grant.
 */
export function checkExchangeClient(mode: OnBehalfOfMode, config: ProviderConfig, field: string, where?: string): void {
  if (mode === false) return;
  if (config.auth.grantType === 'client_credentials' && config.auth.formLayout === undefined) return;
  throw refused(
    field,
    "the token is an IBM Cloud IAM grant (API key or trusted profile), which cannot exchange a user's token. Give the entry an OAuth client (`clientId` with its `secret` or key, and a `tokenUrl` that does token exchange), or remove `onBehalfOf`.",
    where,
  );
}
