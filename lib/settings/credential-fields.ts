// The credential fields read from options, the environment and VCAP_SERVICES: where each one is
// looked up, the form every value must have, and the error for one that is missing.
import { McaConfigError } from '../errors/mca-config-error';
import { capped } from '../errors/echo';
import { describeVariable, type EnvSource, type ValueSource } from './env-source';
import type { VcapCredentials } from './vcap';
import { invalid, optionOrigin, optionalString } from './option-checks';
import { constantCase } from '../errors/field-code';

export type CredentialField =
  'clientId' | 'secret' | 'tenantId' | 'serverUrl' | 'oauthServerUrl' | 'tokenUrl' | 'scope' | 'audience' | 'resource' | 'clientAuth' | 'serviceName';

export const ENV_NAMES: Record<CredentialField, readonly string[]> = {
  clientId: ['MCA_CLIENT_ID'],
  secret: ['MCA_SECRET'],
  tenantId: ['MCA_TENANT_ID', 'MCA_APP_ID'],
  serverUrl: ['MCA_SERVER_URL'],
  oauthServerUrl: ['MCA_OAUTH_SERVER_URL'],
  tokenUrl: ['MCA_TOKEN_URL'],
  scope: ['MCA_SCOPE'],
  audience: ['MCA_AUDIENCE'],
  resource: ['MCA_RESOURCE'],
  clientAuth: ['MCA_CLIENT_AUTH'],
  serviceName: ['MCA_SERVICE_NAME'],
};

export const VCAP_FIELD: Partial<Record<CredentialField, keyof VcapCredentials>> = {
  // @ts-expect-error: no prototype, so a polluted Object.prototype adds no field
  __proto__: null,
  clientId: 'clientId',
  secret: 'secret',
  tenantId: 'tenantId',
  serverUrl: 'serverUrl',
  oauthServerUrl: 'oauthServerUrl',
};

export interface Found {
  value: string;
  source: ValueSource;
  /** Where exactly, for messages: "the `clientId` option", "MCA_SECRET in the environment", a VCAP path. */
  from: string;
}

export function fromOptionOrEnv(options: Record<string, unknown>, env: EnvSource, field: CredentialField): Found | undefined {
  const option = field === 'tenantId' ? tenantOption(options) : optionalString(options, field);
  if (option !== undefined) return { value: option, source: 'option', from: optionOrigin(options, field) };
  for (const name of ENV_NAMES[field]) {
    const found = env.get(name);
    if (found !== undefined) return { ...found, from: describeVariable(env, name, found) };
  }
  return undefined;
}

// URLs are trimmed, as the seed trims `serverUrl`; everything else must be given exactly, since a
// stray space in an id or a secret only shows up later as `invalid_client`. Every source alike.
const TRIMMED: ReadonlySet<CredentialField> = new Set(['serverUrl', 'oauthServerUrl', 'tokenUrl']);

export function checkForm(field: CredentialField, found: Found): void {
  const trimmed = found.value.trim();
  if (trimmed === '') throw invalid(field, 'it is blank. Give a value, or unset it.', found.from);
  if (!TRIMMED.has(field) && trimmed !== found.value) {
    throw invalid(field, 'it has leading or trailing whitespace. Remove it (quotes in .env keep spaces).', found.from);
  }
}

function tenantOption(options: Record<string, unknown>): string | undefined {
  const tenantId = optionalString(options, 'tenantId');
  const appId = optionalString(options, 'appId');
  if (tenantId !== undefined && appId !== undefined && tenantId !== appId) {
    throw new McaConfigError('ERR_MCA_CONFLICTING_OPTIONS', '`tenantId` and `appId` are synonyms but were given different values. Pass only one of them.', {
      field: 'tenantId',
    });
  }
  return tenantId ?? appId;
}

export function missing(field: CredentialField, what: string, vcap: VcapCredentials): McaConfigError {
  const envNames = ENV_NAMES[field].join(' or ');
  const ways = `pass the \`${field}\` option, or set ${envNames} in the environment or .env`;
  let message: string;
  if (vcap.where !== undefined && VCAP_FIELD[field]) {
    // A bound service that lacks the field is the likelier mistake than no configuration at all.
    const name = capped(vcap.serviceName ?? '', 60);
    message = `Missing \`${field}\` (${what}). A service is bound (VCAP_SERVICES ${vcap.where}, "${name}"), but its credentials have no \`${field}\`: fix the binding, or ${ways}.`;
  } else {
    const bind = VCAP_FIELD[field] ? `, or bind an AdvancedMobileAccess/AppID service (VCAP_SERVICES credentials.${field})` : '';
    const note = vcap.note !== undefined ? ` Note: ${vcap.note}.` : '';
    const lead = vcap.iamHint !== undefined ? ` ${vcap.iamHint} For an OAuth client instead:` : '';
    message = `Missing \`${field}\` (${what}).${lead} Pass the \`${field}\` option, set ${envNames} in the environment or .env${bind}.${note}`;
  }
  return new McaConfigError(`ERR_MCA_MISSING_${constantCase(field)}`, message, { field });
}
