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

/**
 * Where a provider keeps tokens, keyed by the provider's cache key (no secret in clear). The
 * default is an in-process LRU; other stores (Redis, memcached, a database) implement the same
 * three calls. `get` may answer synchronously; a sync answer keeps the cache-hit path free of awaits.
 */
export interface TokenStore {
  get(key: string): StoredToken | undefined | Promise<StoredToken | undefined>;
  set(key: string, token: StoredToken): void | Promise<void>;
  delete(key: string): void | Promise<void>;
  /** Number of tokens held, when the store can tell cheaply. */
  readonly size?: number;
  /** Releases connections or timers. Called by `provider.close()` only for a store the provider created. */
  close?(): void | Promise<void>;
}

/** The default store: a quick-lru bounded by `maxSize` tokens, least recently used evicted first. */
export class MemoryTokenStore implements TokenStore {
  readonly #lru: QuickLRU<string, StoredToken>;

  constructor(options: { maxSize: number }) {
    this.#lru = new QuickLRU({ maxSize: options.maxSize });
  }

  get(key: string): StoredToken | undefined {
    return this.#lru.get(key);
  }

  set(key: string, token: StoredToken): void {
    this.#lru.set(key, token);
  }

  delete(key: string): void {
    this.#lru.delete(key);
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
