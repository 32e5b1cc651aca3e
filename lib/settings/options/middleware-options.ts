import type { AxiosRequestConfig } from 'axios';
import type { CredentialOptions } from './credential-options';
import type { TokenProviderOptions } from './token-provider-options';

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
 *   the entry would otherwise get the middleware's token; so is an endpoint (`tokenUrl`,
 *   `serverUrl`, `oauthServerUrl`, `iamUrl`) present but `undefined` on an entry with a client of
 *   its own, whose credential would otherwise go to the middleware's token server;
 * - the middleware's credential (its secret, key or API key, and the workload's `crTokenFile`)
 *   goes only to the token server the middleware's own configuration names: an entry that borrows
 *   it but points at a server on another origin is refused (`ERR_MCA_BORROWED_CREDENTIAL`).
 *
 * The JSON file is configuration with the trust of `.env`: an entry may name credential files
 * (`privateKeyFile`, `clientAssertionFile`, `crTokenFile`) and its own token server, so whoever can
 * write the file can send those files' content there. Protect it like `.env`.
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
  /**
   * The `name`s of the entries whose redirects into this one carry this entry's token. Trust is
   * per entry: a redirect from another entry (or one that passed through another entry) into this
   * one carries no token unless this list names each entry it passed through, so a back end with a
   * low-privilege token cannot aim a call, with its method and body, at a path of a back end with
   * a high-privilege one. A redirect within one entry always carries its token. Entry names only:
   * `'*'`, this entry's own name and a name no entry has are startup errors
   * (`ERR_MCA_INVALID_ACCEPT_REDIRECTS_FROM`); at most 64 names. No environment variable (the
   * JSON file of {@link McaOAuthOptions.protectedBackendsFile} may set it).
   * @default [] (no other entry's redirect carries this entry's token)
   */
  acceptRedirectsFrom?: string[];
  /**
   * Calls to this back end carry a token minted for the end user whose request is being served:
   * the incoming request's `Authorization: Bearer …` exchanged at this entry's token endpoint,
   * with its client, `audience`, `resource` and `scope` (see {@link McaOAuthOptions.onBehalfOf}).
   * No environment variable (the JSON file of {@link McaOAuthOptions.protectedBackendsFile} may set it).
   * @default the middleware's `onBehalfOf`
   */
  onBehalfOf?: OnBehalfOf;
  /**
   * This back end's tokens are DPoP-bound (RFC 9449): see {@link McaOAuthOptions.dpop}. No
   * environment variable (the JSON file of {@link McaOAuthOptions.protectedBackendsFile} may set it).
   * @default the middleware's `dpop`
   */
  dpop?: boolean;
}

/**
 * `true`: RFC 8693 token exchange (`grant_type=urn:ietf:params:oauth:grant-type:token-exchange`,
 * `subject_token`, `subject_token_type=urn:ietf:params:oauth:token-type:access_token`).
 * `{ grant: 'jwt-bearer' }`: Microsoft Entra's on-behalf-of flow (`grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer`,
 * `assertion`, `requested_token_use=on_behalf_of`). `false`: the app's own token.
 */
export type OnBehalfOf = boolean | { grant?: 'token-exchange' | 'jwt-bearer' };

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
  /**
   * The middleware's own token (`req.mcaAuth()`, and every entry that does not say otherwise) is
   * exchanged for one on behalf of the end user whose request is being served: its
   * `Authorization: Bearer …` is the subject token (docs/on-behalf-of.md). A call made with no
   * such request, or for a request without a bearer token, is not sent and rejects with
   * `ERR_MCA_NO_SUBJECT_TOKEN`; a refused exchange with `ERR_MCA_TOKEN_EXCHANGE_REFUSED`; an
   * answer that is not an access token (its `issued_token_type`) with `ERR_MCA_EXCHANGE_TOKEN_TYPE`. Each
   * entry may set its own. No environment variable: which calls carry the user's identity is the
   * code's decision, like the routes that make them.
   * @default false
   */
  onBehalfOf?: OnBehalfOf;
  /**
   * Tokens exchanged on behalf of end users kept in memory, per entry (one per user and back
   * end, least recently used evicted first); also the most exchanges under way at once. Never in
   * the shared `store`. No environment variable.
   * @default 1000
   */
  onBehalfOfCacheSize?: number;
  /**
   * Tokens bound to a key of this middleware (DPoP, RFC 9449; docs/dpop.md): a key pair (ES256)
   * is made at startup and kept in memory, never rendered; each token request and each request to
   * a back end, every redirect hop included, carries a fresh proof and `Authorization: DPoP …`. A
   * token server that answers a plain bearer token is an error (`ERR_MCA_DPOP_NOT_BOUND`). Each
   * entry may set its own. No environment variable.
   * @default false
   */
  dpop?: boolean;
  /**
   * The DPoP key (a P-256 private key: PEM, JWK or `KeyObject`) instead of one made per process,
   * for a fleet whose processes share bound tokens through the Redis store (each bound token's
   * cache key names the key's thumbprint). Read once, at startup; never rendered.
   * Env: `MCA_DPOP_KEY`.
   * @default a new key per middleware
   */
  dpopKey?: string | object;
  /**
   * A file holding {@link dpopKey}. Env: `MCA_DPOP_KEY_FILE`.
   * @default none
   */
  dpopKeyFile?: string;
}
