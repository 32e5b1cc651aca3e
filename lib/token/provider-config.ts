import type { ClientAuth } from './client-auth/client-auth';
import type { DpopBinding } from './dpop/dpop-binding';
import type { TokenStore } from './token-store';

/**
 * What the token core reads of one provider's configuration, and nothing more. The core consumes
 * this type of its own and never imports the layer that reads options, the environment and VCAP
 * (lib/settings/), whose resolved configuration extends it. Every field is decided: no default is
 * applied here. (It is also a `RetryPolicy` and a `TokenRequestShape`, structurally.)
 */
export interface TokenProviderConfig {
  /** The token endpoint, absolute. */
  tokenUrl: string;
  /** Builds the client's part of each token request (one file per method, in client-auth/). */
  auth: ClientAuth;
  scope: string | undefined;
  audience: string | undefined;
  resource: string | undefined;
  /** Identifies the token: endpoint, client, what tells the credential apart, scope, audience. No secret in clear. */
  cacheKey: string;
  /** The clock for token expiry (injectable for tests); deadlines use the monotonic clock instead. */
  now: () => number;
  /** Entries of the provider's own memory store, used when `store` is undefined. */
  cacheSize: number;
  /** A shared store (Redis, or the caller's), or undefined for the provider's own memory store. */
  store: TokenStore | undefined;
  refreshSkewMs: number;
  /** Fixed refresh window, or undefined for the default (20% of the lifetime, 30–300 s). */
  refreshWindowMs: number | undefined;
  /** The lifetime taken when the server names none. */
  defaultExpiresInMs: number;
  /** No token is kept longer than this, whatever the server says. */
  maxLifetimeMs: number;
  timeoutMs: number;
  deadlineMs: number;
  retries: number;
  retryBaseMs: number;
  retryMaxMs: number;
  retryAfterMaxMs: number;
  failureCooldownMs: number;
  /** Tokens bound to this key (DPoP, RFC 9449); the cache key then names its thumbprint. */
  dpop?: DpopBinding;
}
