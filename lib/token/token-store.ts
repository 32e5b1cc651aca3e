import QuickLRU from 'quick-lru';

/** A token as kept in a {@link TokenStore}. Plain data, so stores can serialize it. */
export interface StoredToken {
  /** The access token, without the `Bearer ` prefix. */
  accessToken: string;
  /** When the server's `expires_in` says it expires, in epoch milliseconds (capped by `maxTokenLifetimeSeconds`). */
  expiresAt: number;
  /** When it was obtained, in epoch milliseconds. */
  obtainedAt: number;
}

/** What a provider tells its store about one configuration. Never the secret itself. */
export interface TokenStoreContext {
  /**
   * 32 bytes derived with HKDF-SHA-256, the cache key as `info`, from the private half of the
   * secret's slow (scrypt) fingerprint (or from a private key), never from the secret itself: a store
   * that sees it cannot test guesses at the secret faster than one scrypt each. A store that keeps
   * tokens outside the process should still mix in a key of its own (the Redis store mixes in its
   * fleet key): a low-entropy secret stays guessable at scrypt speed.
   */
  readonly encryptionKey: Buffer;
  /** The provider's refresh skew: a shared store should drop a token this long before `expiresAt` (at most half its lifetime). */
  readonly refreshSkewMs: number;
  /** Bound of one fetch, in ms: a store must not keep a caller waiting on another process longer. */
  readonly deadlineMs: number;
  /** Timeout of one token request attempt, in ms: a fetch lock should outlive it. */
  readonly timeoutMs?: number;
  /** The provider's clock, in epoch milliseconds. */
  readonly now: () => number;
}

/**
 * Set by a store on its {@link StoreHealthStats} (not enumerable): which store it is, so that the
 * metrics count a store shared by several providers once.
 */
export const STORE_IDENTITY: unique symbol = Symbol.for('express-mca-oauth.store-identity');

/** What a shared store says of its own health, for `stats()` and the metrics. Counts since it was created. */
export interface StoreHealthStats {
  /** Whether the store uses its backend now (false while it backs off after a failure). */
  available: boolean;
  /** Failures and refusals by code (`ERR_MCA_STORE_TIMEOUT`, `ERR_MCA_STORE_CONNECT_TIMEOUT`, `NOPERM`, `ERR_MCA_STORE_ROLLBACK` …). */
  errors: Record<string, number>;
  /** Total time, in ms, the store spent skipping its backend after failures. */
  unavailableMs: number;
}

/** Result of {@link TokenStore.fetchOnce}. */
export interface FetchOnceResult {
  token: StoredToken;
  /** True if this process fetched it; false if another process did and the store handed it over. */
  fetched: boolean;
}

/**
 * Where a provider keeps tokens, keyed by the provider's cache key (no secret in clear). The
 * default is an in-process LRU; other stores (Redis, memcached, a database) implement the same
 * calls. `get` may answer synchronously; a sync answer keeps the cache-hit path free of awaits.
 * A store must not throw or reject for its own failures: it answers as a miss instead.
 */
export interface TokenStore {
  get(key: string, context: TokenStoreContext): StoredToken | undefined | Promise<StoredToken | undefined>;
  set(key: string, token: StoredToken, context: TokenStoreContext): void | Promise<void>;
  /** Drops the token; with `token`, only if that is still the stored one. */
  delete(key: string, context: TokenStoreContext, token?: StoredToken): void | Promise<void>;
  /**
   * Optional distributed single flight: run `fetch` in one process of the fleet, hand its token
   * to the others. `newerThan` (epoch ms): a stored token that expires later than this is taken
   * as is. The store sets the fetched token itself. Without this method the provider fetches and
   * then calls `set`. `background`: no caller is waiting, so waits should not hold the process.
   */
  fetchOnce?(
    key: string,
    context: TokenStoreContext,
    fetch: () => Promise<StoredToken>,
    options: { newerThan?: number; signal?: AbortSignal; background?: boolean },
  ): Promise<FetchOnceResult>;
  /** The store's health, for a store with a backend that can fail (Redis). */
  health?(): StoreHealthStats;
  /** Number of tokens held (in process), when the store can tell cheaply. */
  readonly size?: number;
  /** Releases connections or timers. Called by `provider.close()` only for a store the provider created. */
  close?(): void | Promise<void>;
}

/** The default store: a quick-lru bounded by `maxSize` tokens (default 100), least recently used evicted first. */
export class MemoryTokenStore implements TokenStore {
  readonly #lru: QuickLRU<string, StoredToken>;

  constructor(options: { maxSize?: number } = {}) {
    this.#lru = new QuickLRU({ maxSize: options.maxSize ?? 100 });
  }

  get(key: string): StoredToken | undefined {
    return this.#lru.get(key);
  }

  set(key: string, token: StoredToken): void {
    this.#lru.set(key, token);
  }

  delete(key: string, _context?: TokenStoreContext, token?: StoredToken): void {
    if (token === undefined || this.#lru.peek(key) === token) this.#lru.delete(key);
  }

  get size(): number {
    return this.#lru.size;
  }

  /** Grows or shrinks the bound, evicting the least recently used tokens beyond it. */
  resize(maxSize: number): void {
    this.#lru.resize(maxSize);
  }

  close(): void {
    this.#lru.clear();
  }
}
