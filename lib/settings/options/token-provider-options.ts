import type { TokenStore } from '../../token/token-store';
import type { CredentialOptions } from './credential-options';

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
   * with `MCA_REDIS_FLEET_KEY` (see docs/fleet.md).
   */
  store?: TokenStore;
  /**
   * The clock, in epoch milliseconds. Inject one in tests instead of sleeping.
   * @default Date.now
   */
  now?: () => number;
  /**
   * Allows plain `http:` to hosts other than loopback (127.0.0.0/8, ::1, `localhost`): for the token
   * endpoint, which then receives the client credentials in clear, and for `req.mcaClient`, which then
   * sends the bearer token in clear. Without it such a token URL or `protectedBackends` entry is a
   * startup error, and `req.mcaClient` sends no token to such a URL. Loopback `http:` needs no opt-in.
   * Env: `MCA_ALLOW_INSECURE_HTTP` (`true`/`false`).
   * @default false
   */
  allowInsecureHttp?: boolean;
}

/** The seed SDK's option object, accepted as is by {@link getAuthorizationHeader}. */
export type GetAuthorizationHeaderOptions = TokenProviderOptions;
