import type { AxiosRequestConfig } from 'axios';
import type { TokenProviderOptions } from './token-provider-options';
import type { BackendEntry, BackendMatcher, OnBehalfOf } from './backend-options';

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
