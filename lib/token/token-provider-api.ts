import type { StoreHealthStats } from './token-store';
import type { McaOAuthError } from '../errors/mca-oauth-error';
import type { RetryEvent } from './fetch-with-retry';

/** Counters of one provider since it was created. */
export interface ProviderStats {
  /** Calls answered from the cache (including those in the refresh window). */
  hits: number;
  /** Calls that found no usable token and waited for one (or got the cooldown error). */
  misses: number;
  /**
   * Token requests to the endpoint (one per single flight that asked the endpoint, however many
   * callers waited on it; retries not counted). A token taken from a shared store is not one.
   */
  fetches: number;
  /** Tokens another process of the fleet fetched, taken from a shared store (by a single flight, or found on a read). */
  fromStore: number;
  /** Fetches that failed for good. */
  failures: number;
  /** Fetches under way now: 0 or 1 (for an entry on behalf of the user, one per user being exchanged for). */
  inflight: number;
  /**
   * The tokens this provider holds: 1 while it has one that has not expired, else 0. Its own,
   * not the shared store's: summed over `mw.stats()`, the tokens the middleware holds.
   */
  size: number;
  /** The shared store's health (errors by code, time unavailable), with a store that reports it (Redis). */
  store?: StoreHealthStats;
}

/** Payload of the `token` event. Never the token itself. */
export interface TokenEvent {
  /** When the token expires (epoch ms, by the provider's clock). */
  expiresAt: number;
  lifetimeMs: number;
  /** Token requests it took, retries included. */
  attempts: number;
  durationMs: number;
  /** True when fetched in the refresh window while callers kept the old token. */
  background: boolean;
  /** `endpoint`: this process fetched it; `store`: another process did, and a shared store handed it over. */
  source: 'endpoint' | 'store';
  /** The `protectedBackends` entry whose token this is (its name); absent for the middleware's own. */
  backend?: string;
}

/** Payload of the `invalidated` event. */
export interface InvalidatedEvent {
  /** Why: `manual` (invalidate() called), or what the caller said. */
  reason: string;
  /** The `protectedBackends` entry whose token was dropped (its name); absent for the middleware's own. */
  backend?: string;
}

/** Events of a {@link TokenProvider}. `error` is emitted only while someone listens. */
export interface TokenProviderEvents {
  token: [TokenEvent];
  'refresh-failed': [McaOAuthError];
  error: [McaOAuthError];
  invalidated: [InvalidatedEvent];
  retry: [RetryEvent];
  /** A shared store failed (down, slow, erroring); the provider carried on locally. */
  'store-error': [Error];
}

type Listener<K extends keyof TokenProviderEvents> = (...args: TokenProviderEvents[K]) => void;

/** The framework-free core: fetches, caches and refreshes the token of one configuration. */
export interface TokenProvider {
  /** Resolves to `"Bearer <access_token>"`, from the cache when a usable token is there. */
  getAuthorizationHeader(): Promise<string>;
  /**
   * Drops the cached token so the next call fetches a new one. With a header, drops it only if it
   * is still the cached one (a newer token is kept). Returns whether a token was dropped.
   */
  invalidate(header?: string, reason?: string): boolean;
  stats(): ProviderStats;
  /** Stops the provider: aborts a fetch under way (its callers get `ERR_MCA_CLOSED`), frees sockets and the store it owns. */
  close(): Promise<void>;
  /** The token endpoint this provider posts to. */
  readonly tokenUrl: string;
  /** The store key of its token (endpoint, client, hashed secret, scope, audience). */
  readonly cacheKey: string;
  /** The `protectedBackends` entry (its name) whose token this provider serves; undefined for the middleware's own. */
  readonly backend?: string;
  /** True once `close()` was called. */
  readonly closed: boolean;
  on<K extends keyof TokenProviderEvents>(event: K, listener: Listener<K>): this;
  once<K extends keyof TokenProviderEvents>(event: K, listener: Listener<K>): this;
  off<K extends keyof TokenProviderEvents>(event: K, listener: Listener<K>): this;
}
