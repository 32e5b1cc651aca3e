import { createHash } from 'node:crypto';
import { McaConfigError } from '../errors/mca-config-error';
import type { TokenStore } from '../token/token-store';
import { createEnvSource, type EnvSource, type ValueSource } from './env-source';
import { readBoolean, readNumber } from './read-setting';
import { readVcap, type VcapCredentials } from './vcap';
import { findRedisSettings, type RedisSettings } from './redis-binding';
import { credentialUrl, invalid, ownOptions, scopeOf } from './option-checks';
import { fieldName, scopedField, type FieldScope } from '../errors/field-scope';
import type { ClientAuth } from '../token/client-auth/client-auth';
import type { TokenProviderConfig } from '../token/provider-config';
import { resolveClientAuth, type ClientAuthName } from './resolve-client-auth';
import { resolveIamGrant } from './resolve-iam';
import { checkTenantId } from './tenant-id';
import { provenanceOf, type Provenance } from './provenance';
import { layerEntry, type EntryLayer } from './entry-layer';
import { ENV_NAMES, VCAP_FIELD, checkForm, fromOptionOrEnv, missing, type CredentialField, type Found } from './credential-fields';

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
  /** A `protectedBackends` entry's own settings, over what the options and environment give. */
  entry?: EntryLayer,
): ProviderConfig {
  const options = ownOptions(input);
  const env = envSource ?? envSourceFromOptions(options);
  // Whose settings these are (a `protectedBackends` entry's), for every message about them.
  const fieldScope = scopeOf(options);
  // No prototype: `found.tokenUrl` must never be something polluted onto Object.prototype.
  const found = Object.create(null) as Partial<Record<CredentialField, Found>>;
  for (const field of Object.keys(ENV_NAMES) as CredentialField[]) {
    const hit = fromOptionOrEnv(options, env, field);
    if (hit) {
      checkForm(field, hit, fieldScope);
      found[field] = hit;
    }
  }
  const vcap: VcapCredentials = Object.assign(Object.create(null), readVcap(env, found.serviceName?.value));
  for (const [field, key] of Object.entries(VCAP_FIELD) as [CredentialField, keyof VcapCredentials][]) {
    const value = vcap[key];
    if (!found[field] && value !== undefined) {
      found[field] = { value, source: 'VCAP_SERVICES', from: `VCAP_SERVICES ${vcap.where ?? ''}.credentials.${key}`, name: `credentials.${key}` };
      checkForm(field, found[field], fieldScope);
    }
  }
  if (!found.tenantId && vcap.applicationId !== undefined) {
    found.tenantId = { value: vcap.applicationId, source: 'VCAP_APPLICATION', from: 'VCAP_APPLICATION.application_id', name: 'application_id' };
    checkForm('tenantId', found.tenantId, fieldScope);
  }
  if (entry !== undefined) layerEntry(found, vcap, entry, options);

  const allowInsecureHttp = readBoolean(options, env, 'allowInsecureHttp');
  // IBM Cloud IAM's grants (API key, trusted profile) bring their own endpoint and need no client id.
  const iam = prebuiltAuth ? undefined : resolveIamGrant(options, env, found, vcap, allowInsecureHttp);
  for (const field of iam?.dropped ?? []) delete found[field as CredentialField];
  if (!iam && !found.clientId) throw missing('clientId', 'the OAuth client id', vcap, fieldScope);
  const { name: clientAuth, auth } =
    prebuiltAuth ??
    iam ??
    resolveClientAuth(options, env, found.clientId!, found.secret, found.clientAuth, () => missing('secret', 'the OAuth client secret', vcap, fieldScope));
  const endpoint = iam ? { url: iam.tokenUrl, kind: 'iam' as const } : tokenEndpoint(found, allowInsecureHttp, vcap, fieldScope);

  const sources: Partial<Record<CredentialField, ValueSource>> = {};
  for (const [field, hit] of Object.entries(found) as [CredentialField, Found][]) sources[field] = hit.source;

  const clientId = found.clientId?.value;
  const secret = found.secret?.value;
  const scopeValue = found.scope?.value;
  const audience = found.audience?.value;
  const resource = found.resource?.value;
  const store = options.store as TokenStore | undefined;
  if (store !== undefined && (typeof store !== 'object' || store === null || typeof store.get !== 'function' || typeof store.set !== 'function')) {
    throw invalid('store', 'it must be a TokenStore: an object with get(key), set(key, token) and delete(key).', undefined, fieldScope);
  }
  const now = options.now;
  if (now !== undefined && typeof now !== 'function') throw invalid('now', 'it must be a function returning epoch milliseconds.', undefined, fieldScope);

  return {
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
    cacheSize: readNumber(options, 'cacheSize'),
    refreshSkewMs: readNumber(options, 'refreshSkewSeconds') * 1000,
    defaultExpiresInMs: readNumber(options, 'defaultExpiresIn') * 1000,
    maxLifetimeMs: readNumber(options, 'maxTokenLifetimeSeconds') * 1000,
    refreshWindowMs: options.refreshWindowSeconds === undefined ? undefined : readNumber(options, 'refreshWindowSeconds') * 1000,
    timeoutMs: readNumber(options, 'timeoutMs'),
    deadlineMs: readNumber(options, 'deadlineMs'),
    retries: readNumber(options, 'retries'),
    retryBaseMs: readNumber(options, 'retryBaseMs'),
    retryMaxMs: readNumber(options, 'retryMaxMs'),
    retryAfterMaxMs: readNumber(options, 'retryAfterMaxMs'),
    failureCooldownMs: readNumber(options, 'failureCooldownMs'),
    store,
    redis: store === undefined ? findRedisSettings(env) : undefined,
    now: (now as (() => number) | undefined) ?? Date.now,
    cacheKey: sha256(JSON.stringify([endpoint.url, clientId, ...auth.cacheKeyParts, scopeValue ?? null, audience ?? null, clientAuth, resource ?? null])),
  };
}

/** The environment view the `env` and `envFile` options ask for, validated. */
export function envSourceFromOptions(options: Record<string, unknown>): EnvSource {
  return createEnvSource(readEnvOption(options), readEnvFileOption(options));
}

function readEnvOption(options: Record<string, unknown>): Record<string, string | undefined> | undefined {
  const env = options.env;
  if (env === undefined) return undefined;
  if (typeof env !== 'object' || env === null) throw invalid('env', 'it must be an object of environment variables.');
  // Lookups read own properties only (see createEnvSource).
  return env as Record<string, string | undefined>;
}

function readEnvFileOption(options: Record<string, unknown>): string | false | undefined {
  const envFile = options.envFile;
  if (envFile === undefined || envFile === false) return envFile;
  if (typeof envFile !== 'string' || envFile === '') throw invalid('envFile', 'it must be a file path, or false to read no file.');
  return envFile;
}
