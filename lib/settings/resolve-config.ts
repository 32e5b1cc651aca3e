import { createHash } from 'node:crypto';
import { McaConfigError } from '../errors/mca-config-error';
import type { TokenStore } from '../token/token-store';
import type { EnvSource, ValueSource } from './env-source';
import type { VcapCredentials } from './vcap';
import { findRedisSettings, type RedisSettings } from './redis-binding';
import { credentialUrl, invalid } from './option-checks';
import { fieldName, scopedField, type FieldScope } from '../errors/field-scope';
import type { ClientAuth } from '../token/client-auth/client-auth';
import type { TokenProviderConfig } from '../token/provider-config';
import { resolveClientAuth, type ClientAuthName } from './resolve-client-auth';
import { resolveIamGrant } from './resolve-iam';
import { checkTenantId } from './tenant-id';
import { provenanceOf, type Provenance } from './provenance';
import { missing, type CredentialField } from './credential-fields';
import { resolveSettings, type Found, type ResolvedSettings } from './resolve-settings';

export { ENV_NAMES, type CredentialField } from './credential-fields';

/** Which rule built the token endpoint URL. */
export type EndpointKind = 'mca' | 'appid' | 'tokenUrl' | 'iam';

/** The fully resolved, validated configuration of one provider. Every field is decided. */
export interface ProviderConfig extends TokenProviderConfig {
  // What the token core reads (endpoint, client authentication, tuning, store, cache key) is
  // declared once, in token/provider-config.ts; these are what the settings layer adds.
  /** The OAuth client id; undefined for IBM Cloud IAM's grants, which have none. */
  clientId: string | undefined;
  /** The client secret; undefined when the client authenticates with a key. */
  secret: string | undefined;
  tenantId: string | undefined;
  endpointKind: EndpointKind;
  clientAuth: ClientAuthName;
  /** Plain `http:` to hosts other than loopback is allowed (token endpoint and protected back ends). */
  allowInsecureHttp: boolean;
  /** Where each resolved field came from (diagnostics; the values themselves are not here). */
  sources: Partial<Record<CredentialField, ValueSource>>;
  /** Where exactly each resolved field came from (the option, variable or VCAP path), for `check`. */
  provenance: Partial<Record<CredentialField, Provenance>>;
  /** The Redis store the environment asks for (MCA_REDIS_* variables), when no `store` is given. */
  redis: RedisSettings | undefined;
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Builds the token endpoint URL by the rules of docs/protocol.md ("Which URL"): tokenUrl, then App ID, then MCA. */
function tokenEndpoint(
  found: Partial<Record<CredentialField, Found>>,
  allowInsecureHttp: boolean,
  vcap: VcapCredentials,
  scope: FieldScope,
): { url: string; kind: EndpointKind } {
  const check = (field: 'tokenUrl' | 'oauthServerUrl' | 'serverUrl', hit: Found, base: boolean): URL =>
    credentialUrl(field, hit.value.trim(), hit.from, { base, allowInsecureHttp }, scope);
  if (found.tokenUrl) return { url: check('tokenUrl', found.tokenUrl, false).href, kind: 'tokenUrl' };
  if (found.oauthServerUrl) {
    const base = check('oauthServerUrl', found.oauthServerUrl, true);
    return { url: `${base.href.replace(/\/+$/, '')}/token`, kind: 'appid' };
  }
  if (!found.serverUrl) {
    const bound =
      vcap.where === undefined
        ? ''
        : ` A service is bound (VCAP_SERVICES ${vcap.where}), but its credentials have neither \`serverUrl\` nor \`oauthServerUrl\`.`;
    const note = vcap.note !== undefined ? ` Note: ${vcap.note}.` : '';
    throw new McaConfigError(
      'ERR_MCA_MISSING_SERVER_URL',
      `Missing ${fieldName('serverUrl', scope)} (the token server).${bound}${vcap.iamHint !== undefined ? ` ${vcap.iamHint} For an OAuth client instead:` : ''} Pass \`serverUrl\` (MCA), \`oauthServerUrl\` (App ID) or \`tokenUrl\` (any OAuth server); set MCA_SERVER_URL, MCA_OAUTH_SERVER_URL or MCA_TOKEN_URL in the environment or .env; or bind an AdvancedMobileAccess/AppID service (VCAP_SERVICES credentials.serverUrl).${note}${scope.note}`,
      { field: scopedField('serverUrl', scope) },
    );
  }
  const serverUrl = found.serverUrl.value.trim();
  check('serverUrl', found.serverUrl, true);
  const tenant = found.tenantId;
  if (!tenant) throw missing('tenantId', 'the MCA tenant, the Bluemix application GUID; also `appId`', vcap, scope);
  checkTenantId('tenantId', tenant.value, tenant.from, scope);
  // Exactly as the seed builds it: trimmed, one "/" added when missing, then the fixed path.
  const withSlash = serverUrl.endsWith('/') ? serverUrl : `${serverUrl}/`;
  return { url: `${withSlash}authorization/v1/apps/${tenant.value}/token`, kind: 'mca' };
}

/**
 * Resolves options, environment, `.env` and VCAP bindings into one validated configuration, or
 * throws the first {@link McaConfigError}. Called once per provider; nothing is half-applied.
 */
export function resolveProviderConfig(
  input: Record<string, unknown>,
  envSource?: EnvSource,
  /** A client authentication built by the caller (the seed's certificate flow), instead of one from the options. */
  prebuiltAuth?: { name: ClientAuthName; auth: ClientAuth },
): ProviderConfig {
  return deriveProviderConfig(resolveSettings(input, 'provider', envSource), prebuiltAuth);
}

/**
 * The configuration of one provider, derived from resolved settings (the middleware's, or a
 * `protectedBackends` entry's overlay of them): the grant, the client authentication, the token
 * endpoint and the tuning. Every value comes from the record; the first error throws.
 */
export function deriveProviderConfig(settings: ResolvedSettings, prebuiltAuth?: { name: ClientAuthName; auth: ClientAuth }): ProviderConfig {
  const { vcap, scope: fieldScope } = settings;
  // A copy: an IAM grant drops what a bound service carries for another grant.
  const found = Object.assign(Object.create(null) as Partial<Record<CredentialField, Found>>, settings.found);
  const value = (key: string): unknown => settings.get(key)?.value;

  const allowInsecureHttp = value('allowInsecureHttp') === true;
  // IBM Cloud IAM's grants (API key, trusted profile) bring their own endpoint and need no client id.
  const iam = prebuiltAuth ? undefined : resolveIamGrant(settings, found, allowInsecureHttp);
  for (const field of iam?.dropped ?? []) delete found[field as CredentialField];
  if (!iam && !found.clientId) throw missing('clientId', 'the OAuth client id', vcap, fieldScope);
  const { name: clientAuth, auth } =
    prebuiltAuth ??
    iam ??
    resolveClientAuth(settings, found.clientId!, found.secret, found.clientAuth, () => missing('secret', 'the OAuth client secret', vcap, fieldScope));
  const endpoint = iam ? { url: iam.tokenUrl, kind: 'iam' as const } : tokenEndpoint(found, allowInsecureHttp, vcap, fieldScope);

  const sources: Partial<Record<CredentialField, ValueSource>> = {};
  for (const [field, hit] of Object.entries(found) as [CredentialField, Found][]) sources[field] = hit.source;

  const clientId = found.clientId?.value;
  const secret = found.secret?.value;
  const scopeValue = found.scope?.value;
  const audience = found.audience?.value;
  const resource = found.resource?.value;
  const store = settings.peek('store')?.value as TokenStore | undefined;
  if (store !== undefined && (typeof store !== 'object' || store === null || typeof store.get !== 'function' || typeof store.set !== 'function')) {
    throw invalid('store', 'it must be a TokenStore: an object with get(key), set(key, token) and delete(key).', undefined, fieldScope);
  }
  const now = settings.peek('now')?.value;
  if (now !== undefined && typeof now !== 'function') throw invalid('now', 'it must be a function returning epoch milliseconds.', undefined, fieldScope);
  const number = (key: string): number => value(key) as number;

  return {
    // Unbound until the middleware binds it (withDpop): an own key, so that a `dpop` polluted onto
    // Object.prototype is never read as a binding by the token core.
    dpop: undefined,
    clientId,
    secret,
    tenantId: found.tenantId?.value,
    tokenUrl: endpoint.url,
    endpointKind: endpoint.kind,
    scope: scopeValue,
    audience,
    resource,
    clientAuth,
    auth,
    allowInsecureHttp,
    sources,
    provenance: provenanceOf(found, vcap),
    cacheSize: number('cacheSize'),
    refreshSkewMs: number('refreshSkewSeconds') * 1000,
    defaultExpiresInMs: number('defaultExpiresIn') * 1000,
    maxLifetimeMs: number('maxTokenLifetimeSeconds') * 1000,
    refreshWindowMs: settings.get('refreshWindowSeconds') === undefined ? undefined : number('refreshWindowSeconds') * 1000,
    timeoutMs: number('timeoutMs'),
    deadlineMs: number('deadlineMs'),
    retries: number('retries'),
    retryBaseMs: number('retryBaseMs'),
    retryMaxMs: number('retryMaxMs'),
    retryAfterMaxMs: number('retryAfterMaxMs'),
    failureCooldownMs: number('failureCooldownMs'),
    store,
    redis: store === undefined ? findRedisSettings(settings) : undefined,
    now: (now as (() => number) | undefined) ?? Date.now,
    cacheKey: sha256(JSON.stringify([endpoint.url, clientId, ...auth.cacheKeyParts, scopeValue ?? null, audience ?? null, clientAuth, resource ?? null])),
  };
}
