import type { JsonWebKey, KeyObject } from 'node:crypto';
import type { AxiosRequestConfig } from 'axios';
import type { TokenStore } from './core/token-store';

/**
 * Where the credentials and the token endpoint come from. Every field is resolved on its own,
 * first match wins: this option, then the environment variable, then the same key in the `.env`
 * file, then `VCAP_SERVICES` (Cloud Foundry). See the README's configuration table.
 */
export interface CredentialOptions {
  /**
   * OAuth client id.
   * Env: `MCA_CLIENT_ID`. VCAP: `credentials.clientId`.
   */
  clientId?: string;
  /**
   * OAuth client secret. Never logged, never put in an error, hashed in cache keys.
   * Env: `MCA_SECRET`. VCAP: `credentials.secret`.
   */
  secret?: string;
  /**
   * MCA tenant id (the Bluemix application GUID). Synonym of {@link appId}; pass one of them.
   * Needed only when the endpoint is built from {@link serverUrl}.
   * Env: `MCA_TENANT_ID` or `MCA_APP_ID`. VCAP: `credentials.tenantId`, then `VCAP_APPLICATION.application_id`.
   */
  tenantId?: string;
  /** The seed SDK's name for {@link tenantId}. */
  appId?: string;
  /**
   * Mobile Client Access server, e.g. `https://imf-authserver.ng.bluemix.net/imf-authserver`.
   * The token endpoint is `{serverUrl}/authorization/v1/apps/{tenantId}/token`.
   * Env: `MCA_SERVER_URL`. VCAP: `credentials.serverUrl`.
   */
  serverUrl?: string;
  /**
   * App ID OAuth server, e.g. `https://us-south.appid.cloud.ibm.com/oauth/v4/<tenantId>`.
   * The token endpoint is `{oauthServerUrl}/token`. Wins over {@link serverUrl}.
   * Env: `MCA_OAUTH_SERVER_URL`. VCAP: `credentials.oauthServerUrl` (or `oAuthServerUrl`).
   */
  oauthServerUrl?: string;
  /**
   * Full token endpoint URL of any RFC 6749 server. Wins over {@link oauthServerUrl} and {@link serverUrl}.
   * Env: `MCA_TOKEN_URL`.
   */
  tokenUrl?: string;
  /**
   * Adds a `scope` form field to the token request. Never sent unless set.
   * Env: `MCA_SCOPE`.
   */
  scope?: string;
  /**
   * Adds an `audience` form field to the token request. Never sent unless set.
   * Env: `MCA_AUDIENCE`.
   */
  audience?: string;
  /**
   * Adds a `resource` form field (RFC 8707 resource indicator) to the token request. Never sent unless set.
   * Env: `MCA_RESOURCE`.
   */
  resource?: string;
  /**
   * How the client authenticates: `basic` sends `Authorization: Basic base64(id:secret)` (what MCA and
   * App ID expect), `post` sends `client_id` and `client_secret` form fields, `private_key_jwt` sends
   * a client assertion signed with {@link privateKey} (RFC 7523 §2.2) and no secret.
   * Env: `MCA_CLIENT_AUTH`.
   * @default 'basic', or 'private_key_jwt' when a private key and no secret is configured
   */
  clientAuth?: 'basic' | 'post' | 'private_key_jwt';
  /**
   * The private key that signs client assertions (`private_key_jwt`): PEM (PKCS#8, PKCS#1, SEC1), a
   * private JWK (object or JSON text), or a `KeyObject`. RSA keys sign RS256 (or PS256), EC P-256
   * keys ES256. Never logged; the cache key holds its JWK thumbprint. Give this or {@link privateKeyFile}.
   * Env: `MCA_PRIVATE_KEY`.
   */
  privateKey?: string | JsonWebKey | KeyObject;
  /**
   * A file holding the private key (PEM or JWK). Read again at every token request, so a rotated
   * key needs no restart; an unreadable file is an error naming the path, never the content.
   * Env: `MCA_PRIVATE_KEY_FILE`.
   */
  privateKeyFile?: string;
  /**
   * The client's certificate as a PEM chain, leaf first (it must belong to {@link privateKey}).
   * With it, assertions carry an `x5t#S256` header. Give this or {@link certificateFile}.
   * Env: `MCA_CERTIFICATE`.
   */
  certificate?: string;
  /**
   * A file holding the PEM certificate chain, read again at every token request.
   * Env: `MCA_CERTIFICATE_FILE`.
   */
  certificateFile?: string;
  /**
   * The `kid` header of client assertions, for servers that pick the key by id.
   * Env: `MCA_KEY_ID`.
   */
  keyId?: string;
  /**
   * The assertion's signing algorithm. It must fit the key.
   * Env: `MCA_SIGNING_ALGORITHM`.
   * @default 'RS256' for RSA keys ('PS256' for RSA-PSS keys), 'ES256' for EC P-256 keys
   */
  signingAlgorithm?: 'RS256' | 'PS256' | 'ES256';
  /**
   * The assertion's `aud`, for servers that want their issuer identifier instead of the token URL.
   * Env: `MCA_ASSERTION_AUDIENCE`.
   * @default the token endpoint URL
   */
  assertionAudience?: string;
  /**
   * Also send the SHA-1 certificate thumbprint header `x5t` (Entra ID asks for it). Needs a certificate.
   * @default false
   */
  x5t?: boolean;
  /**
   * Also send the certificate chain header `x5c`. Needs a certificate.
   * @default false
   */
  x5c?: boolean;
  /**
   * An IBM Cloud IAM API key. With it (and no other token server), tokens come from IBM Cloud IAM
   * (`POST {iamUrl}/identity/token`, grant `urn:ibm:params:oauth:grant-type:apikey`), as IBM's
   * IamAuthenticator gets them: for Cloudant and any IAM-protected service. Never logged, never put
   * in an error; the cache key holds a slow (scrypt) fingerprint of it.
   * Env: `MCA_APIKEY`. VCAP: `credentials.apikey` of the service picked by {@link serviceName}, when
   * that binding has no client secret.
   * Also per `protectedBackends` entry (a back end with an IAM client of its own; see {@link BackendTokenSettings}).
   */
  apikey?: string;
  /**
   * IBM Cloud IAM's token service, for {@link apikey} and trusted profiles. A trailing
   * `/identity/token` is not doubled. `http:` only to loopback (tests), as for every token URL.
   * Env: `MCA_IAM_URL`.
   * Also per `protectedBackends` entry; an entry with its own API key or profile inherits the middleware's.
   * @default 'https://iam.cloud.ibm.com'
   */
  iamUrl?: string;
  /**
   * The trusted profile to assume with a compute-resource token (Code Engine, IKS, OpenShift), by id.
   * Give one of `iamProfileId`, {@link iamProfileName}, {@link iamProfileCrn}.
   * Env: `MCA_IAM_PROFILE_ID`.
   * Also per `protectedBackends` entry (a back end with an IAM client of its own; see {@link BackendTokenSettings}).
   */
  iamProfileId?: string;
  /**
   * The trusted profile, by name.
   * Env: `MCA_IAM_PROFILE_NAME`. Also per `protectedBackends` entry.
   */
  iamProfileName?: string;
  /**
   * The trusted profile, by CRN.
   * Env: `MCA_IAM_PROFILE_CRN`. Also per `protectedBackends` entry.
   */
  iamProfileCrn?: string;
  /**
   * The compute-resource token file the platform mounts and rotates, read again for every token
   * request. An error names the path, never the content.
   * Env: `MCA_CR_TOKEN_FILE`.
   * Also per `protectedBackends` entry, with the entry's own profile; an entry with a profile of its own inherits the middleware's.
   * @default the first that exists of /var/run/secrets/tokens/vault-token, /var/run/secrets/tokens/sa-token, /var/run/secrets/codeengine.cloud.ibm.com/compute-resource-token/token
   */
  crTokenFile?: string;
  /**
   * IAM's optional client id (IBM's `clientId` for the IAM token service): with
   * {@link iamClientSecret}, a Basic header on the IAM request. Both or neither.
   * Env: `MCA_IAM_CLIENT_ID`. Also per `protectedBackends` entry, with the entry's own API key or profile (never inherited).
   */
  iamClientId?: string;
  /**
   * IAM's optional client secret, with {@link iamClientId}. Never logged.
   * Env: `MCA_IAM_CLIENT_SECRET`. Also per `protectedBackends` entry, with {@link iamClientId}.
   */
  iamClientSecret?: string;
  /**
   * A file holding a client assertion (a JWT) that the platform signs and rotates: a Kubernetes
   * projected service-account token, Azure workload identity's `AZURE_FEDERATED_TOKEN_FILE`. Sent as
   * `client_assertion` (type jwt-bearer, RFC 7523) with {@link clientId} to the token URL, instead of
   * a secret. Read again for every token request, never cached.
   * Env: `MCA_CLIENT_ASSERTION_FILE`. Also per `protectedBackends` entry, with the entry's own `clientId`.
   */
  clientAssertionFile?: string;
  /**
   * Picks the bound service instance by its `name` when several are bound. Any service in
   * `VCAP_SERVICES` with that name is used (also user-provided ones).
   * Without it, the first key starting with `AdvancedMobileAccess` or `AppID` is used, and its first instance.
   * Env: `MCA_SERVICE_NAME`.
   */
  serviceName?: string;
  /**
   * The `.env` file read after the real environment. A relative path is resolved against the
   * working directory. `false` turns it off. A missing default `.env` is not an error; a missing file
   * named here is.
   * @default '.env'
   */
  envFile?: string | false;
  /**
   * The environment to read instead of `process.env` (tests, multi-tenant hosts). It is never written to.
   * @default process.env
   */
  env?: Record<string, string | undefined>;
}

/** Options of the framework-free token provider ({@link createTokenProvider}). */
export interface TokenProviderOptions extends CredentialOptions {
  /**
   * How many tokens the in-process cache keeps (least recently used are evicted). For the module
   * level `getAuthorizationHeader`, also how many distinct configurations are kept.
   * @default 100
   */
  cacheSize?: number;
  /**
   * A token is replaced this many seconds before its `exp`, as clocks drift and some back ends
   * reject a token in its last second. Capped at half the token's lifetime.
   * @default 60
   */
  refreshSkewSeconds?: number;
  /**
   * Lifetime assumed when the token response has no `expires_in`. A token is never cached forever.
   * @default 300
   */
  defaultExpiresIn?: number;
  /**
   * Longest lifetime believed from `expires_in`; larger values are capped to it.
   * @default 86400
   */
  maxTokenLifetimeSeconds?: number;
  /**
   * Background refresh starts when this many seconds of the token's life are left; callers keep
   * getting the current token meanwhile. ±10% jitter is applied so a fleet does not refresh in
   * lockstep, and the window is never more than half the token's lifetime.
   * @default 20% of the lifetime, clamped to 30–300 s
   */
  refreshWindowSeconds?: number;
  /**
   * Timeout of one token request attempt, in milliseconds.
   * @default 10000
   */
  timeoutMs?: number;
  /**
   * Overall bound of one fetch, all attempts and waits together, in milliseconds.
   * @default 30000
   */
  deadlineMs?: number;
  /**
   * Retries after a network error, timeout, 408, 429 or 5xx. Never after 400, 401 or 403.
   * @default 3
   */
  retries?: number;
  /**
   * Base of the exponential backoff (full jitter) between retries, in milliseconds.
   * @default 200
   */
  retryBaseMs?: number;
  /**
   * Longest backoff between retries, in milliseconds.
   * @default 5000
   */
  retryMaxMs?: number;
  /**
   * Longest wait a `Retry-After` header is honoured for, in milliseconds.
   * @default 30000
   */
  retryAfterMaxMs?: number;
  /**
   * After a fetch failed for good, callers in this period get the same error at once instead of
   * starting new requests (never longer than a `Retry-After` asked for).
   * @default 1000
   */
  failureCooldownMs?: number;
  /**
   * Where tokens are kept. Defaults to an in-process LRU of {@link cacheSize} entries, or to a
   * Redis store when the environment asks for one.
   * Env: `MCA_REDIS_URL`, `MCA_REDIS_CLUSTER_NODES`, `MCA_REDIS_SENTINELS` or `MCA_REDIS_SERVICE_NAME`,
   * with `MCA_REDIS_FLEET_KEY` (see the README's fleet section).
   */
  store?: TokenStore;
  /**
   * The clock, in epoch milliseconds. Inject one in tests instead of sleeping.
   * @default Date.now
   */
  now?: () => number; /**
   * Allows plain `http:` to hosts other than loopback (127.0.0.0/8, ::1, `localhost`): for the token
   * endpoint, which then receives the client credentials in clear, and for `req.mcaClient`, which then
   * sends the bearer token in clear. Without it such a token URL or `protectedBackends` entry is a
   * startup error, and `req.mcaClient` sends no token to such a URL. Loopback `http:` needs no opt-in.
   * Env: `MCA_ALLOW_INSECURE_HTTP` (`true`/`false`).
   * @default false
   */
  allowInsecureHttp?: boolean;
}

/** A URL prefix or origin (string) or a pattern tested against the absolute request URL. */
export type BackendMatcher = string | RegExp;

/**
 * The token settings one back end may set for itself, in code or in the JSON file of
 * {@link McaOAuthOptions.protectedBackendsFile} (never from environment variables: those are the
 * middleware's own). Each unset field is resolved as the middleware's own (option, environment,
 * `.env`, `VCAP_SERVICES`), except what belongs to another client:
 * - an entry with its own OAuth client (`clientId`) must set its own credential (`secret`,
 *   `privateKey` / `privateKeyFile`, or `clientAssertionFile`) and takes none of the middleware's
 *   client authentication (secret, `clientAuth`, key, certificate, `keyId` …) nor any of its IAM
 *   settings (`apikey`, profile, `crTokenFile`, `iamUrl`, IAM client, a bound service's key);
 * - an entry with its own IBM Cloud IAM client (`apikey`, or a trusted profile `iamProfileId` /
 *   `iamProfileName` / `iamProfileCrn`) takes none of the middleware's OAuth client or endpoint
 *   (`clientId`, `secret`, `tokenUrl`, `audience` …) nor its API key, profile or IAM client; it
 *   inherits `iamUrl`, and with a profile the `crTokenFile` (the workload's own token);
 * - such an entry inherits `scope` only from a middleware of the same kind (IAM or OAuth);
 * - `crTokenFile`, `iamClientId` and `iamClientSecret` need the entry's own API key or profile;
 * - a client setting present but `undefined` (an unset variable read in code) is an error, since
 *   the entry would otherwise get the middleware's token.
 */
export type BackendTokenSettings = Pick<
  CredentialOptions,
  | 'clientId'
  | 'secret'
  | 'tenantId'
  | 'appId'
  | 'serverUrl'
  | 'oauthServerUrl'
  | 'tokenUrl'
  | 'scope'
  | 'audience'
  | 'resource'
  | 'clientAuth'
  | 'privateKey'
  | 'privateKeyFile'
  | 'certificate'
  | 'certificateFile'
  | 'keyId'
  | 'signingAlgorithm'
  | 'assertionAudience'
  | 'x5t'
  | 'x5c'
  | 'clientAssertionFile'
  | 'apikey'
  | 'iamUrl'
  | 'iamProfileId'
  | 'iamProfileName'
  | 'iamProfileCrn'
  | 'crTokenFile'
  | 'iamClientId'
  | 'iamClientSecret'
>;

/**
 * A protected back end with a token of its own. Each distinct combination of credentials,
 * endpoint, scope, audience and resource gets its own cached token, single flight and refresh.
 */
export interface BackendEntry extends BackendTokenSettings {
  /** Where this entry applies: an origin or URL prefix, or a RegExp, as in a plain entry. */
  match: BackendMatcher;
  /**
   * Refers to the entry in `req.mcaAuth(name)`, the CLI (`token --backend NAME`), events, stats
   * and debug lines. Letters, digits, `.`, `_` and `-`; unique; not `default`.
   */
  name?: string;
}

/** Options of the Express/Connect middleware ({@link mcaOAuth}). */
export interface McaOAuthOptions extends TokenProviderOptions {
  /**
   * Config of the shared axios instance `req.mcaClient` (baseURL, timeout, headers …).
   * @default {}
   */
  axios?: AxiosRequestConfig;
  /**
   * Where the token may be sent: origins (`https://api.example.com`), URL prefixes
   * (`https://api.example.com/orders/`) or RegExps tested against the origin and path of the
   * absolute URL (never its query or fragment; anchor them: `/^https:\/\/api\.example\.com\//`),
   * or {@link BackendEntry} objects (`{ match, name?, audience?, scope?, clientId?, secret?, apikey?, … }`)
   * for a back end that needs a token of its own (another audience or scope, another OAuth client,
   * or an IBM Cloud IAM API key or trusted profile: see {@link BackendTokenSettings}). The first entry that matches a URL decides.
   * When unset, `req.mcaClient` and `req.mcaFetch` add the token to every `https:` (and loopback
   * `http:`) request they make. Present but empty (`[]`, or `MCA_PROTECTED_BACKENDS=` with no
   * entry) is a startup error: sending the token everywhere takes leaving it unset.
   * Env: `MCA_PROTECTED_BACKENDS` (comma-separated strings), or `MCA_PROTECTED_BACKENDS_FILE`
   * (see {@link protectedBackendsFile}).
   */
  protectedBackends?: (BackendMatcher | BackendEntry)[];
  /**
   * A JSON file holding the `protectedBackends` array: strings and entry objects whose `match` is
   * a string (RegExps need code), with any entry setting, IAM's included. Read once, at startup.
   * Ignored when `protectedBackends` is set. A file that holds a `secret` or an `apikey` is a
   * secret file. Environment variables never set an entry's settings: they are the middleware's.
   * Env: `MCA_PROTECTED_BACKENDS_FILE`.
   */
  protectedBackendsFile?: string;
  /**
   * When a protected back end answers 401 to the token it was sent, drop that token, get a new
   * one (one request for any number of such 401s) and replay the request once, whatever the
   * request's `validateStatus` accepts.
   * @default true
   */
  retryOn401?: boolean;
  /**
   * A token that replaced another after a 401 less than this many milliseconds ago is not dropped
   * again: a later 401 to it goes back to the caller without a replay. Bounds the token requests a
   * back end that always answers 401 can cause (one per interval). `0` turns the limit off.
   * @default 5000
   */
  retryOn401MinIntervalMs?: number;
}

/** The seed SDK's option object, accepted as is by {@link getAuthorizationHeader}. */
export type GetAuthorizationHeaderOptions = TokenProviderOptions;
