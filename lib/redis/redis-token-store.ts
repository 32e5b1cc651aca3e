import { EventEmitter } from 'node:events';
import { randomBytes } from 'node:crypto';
import QuickLRU from 'quick-lru';
import { McaConfigError } from '../errors/mca-config-error';
import { invalid } from '../config/option-checks';
import { sleep } from '../core/backoff';
import { usableUntil } from '../core/refresh-timing';
import { openPlainToken, openToken, plainToken, sealToken } from '../core/token-crypto';
import type { FetchOnceResult, StoredToken, TokenStore, TokenStoreContext } from '../core/token-store';
import { COMPARE_AND_DELETE, connectRedis, type RedisClientLike } from './redis-client';

/** Options of {@link redisTokenStore}. */
export interface RedisTokenStoreOptions {
  /** An ioredis client. The store never closes a client it was given. Pass this or {@link url}. */
  client?: RedisClientLike;
  /** A `redis://` or `rediss://` URL; the store connects with ioredis and closes the connection on `close()`. */
  url?: string;
  /**
   * Prefix of every key. Keys hold the provider's cache key (a hash), never a secret.
   * @default 'mca:'
   */
  prefix?: string;
  /**
   * Encrypt tokens at rest (AES-256-GCM, key derived from the client secret). `false` stores them in
   * plaintext: anyone who can read Redis can then use them. For debugging only.
   * @default true
   */
  encrypt?: boolean;
  /**
   * A Redis command slower than this counts as a failure, and the provider carries on locally.
   * @default 100
   */
  storeTimeoutMs?: number;
  /**
   * Lifetime of the fetch lock: if the process holding it dies, another takes over after this.
   * @default 10000
   */
  lockTtlMs?: number;
  /**
   * How often a process waiting for another one's token looks for it (± 50% jitter), in ms.
   * @default 50
   */
  pollMs?: number;
  /**
   * Tokens kept in the in-process L1 in front of Redis: hits never touch the network.
   * @default 100
   */
  l1Size?: number;
}

interface L1Entry {
  token: StoredToken;
  /** The Redis value it was read from or written as, for compare-and-delete. */
  raw: string;
}

class StoreTimeoutError extends Error {
  override name = 'StoreTimeoutError';
  readonly code = 'ERR_MCA_STORE_TIMEOUT';
}

/**
 * A {@link TokenStore} shared by a fleet through Redis, with an in-process L1, a distributed
 * single flight (SET NX PX lock, compare-and-delete release, polling waiters) and tokens sealed
 * with AES-256-GCM. Redis failures never reach a caller: they are reported as `store-error`
 * events and the provider falls back to its local cache and a direct fetch.
 */
export class RedisTokenStore extends EventEmitter implements TokenStore {
  readonly #client: RedisClientLike;
  readonly #ownsClient: boolean;
  readonly #prefix: string;
  readonly #encrypt: boolean;
  readonly #timeoutMs: number;
  readonly #lockTtlMs: number;
  readonly #pollMs: number;
  readonly #l1: QuickLRU<string, L1Entry>;

  constructor(options: RedisTokenStoreOptions) {
    super();
    const positive = (name: keyof RedisTokenStoreOptions, fallback: number): number => {
      const value = options[name];
      if (value === undefined) return fallback;
      if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) throw invalid(name, `it must be a positive number (default ${fallback}).`);
      return value;
    };
    this.#timeoutMs = positive('storeTimeoutMs', 100);
    this.#lockTtlMs = Math.round(positive('lockTtlMs', 10_000));
    this.#pollMs = positive('pollMs', 50);
    this.#l1 = new QuickLRU({ maxSize: Math.round(positive('l1Size', 100)) });
    this.#prefix = options.prefix ?? 'mca:';
    if (typeof this.#prefix !== 'string') throw invalid('prefix', 'it must be a string.');
    this.#encrypt = options.encrypt ?? true;
    if (options.client !== undefined) {
      this.#client = options.client;
      this.#ownsClient = false;
    } else if (typeof options.url === 'string' && /^rediss?:\/\//.test(options.url)) {
      try {
        this.#client = connectRedis(options.url);
      } catch {
        throw new McaConfigError(
          'ERR_MCA_REDIS_CLIENT_MISSING',
          'A Redis store was asked for, but the `ioredis` package is not installed. Run `npm install ioredis`, or unset MCA_REDIS_URL.',
          { field: 'store' },
        );
      }
      // Connection errors surface as failed commands (store-error); an unlistened 'error' would crash.
      (this.#client as unknown as EventEmitter).on?.('error', () => undefined);
      this.#ownsClient = true;
    } else {
      throw invalid('store', 'redisTokenStore() needs `client` (an ioredis instance) or `url` (redis:// or rediss://).');
    }
  }

  get size(): number {
    return this.#l1.size;
  }

  #tokenKey(key: string): string {
    return `${this.#prefix}token:${key}`;
  }

  #lockKey(key: string): string {
    return `${this.#prefix}lock:${key}`;
  }

  /** Runs one command, bounded by storeTimeoutMs whatever the client's own settings. */
  #command<T>(run: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new StoreTimeoutError(`Redis did not answer within ${this.#timeoutMs} ms`)), this.#timeoutMs);
      timer.unref();
      let pending: Promise<T>;
      try {
        pending = run();
      } catch (error) {
        clearTimeout(timer);
        return reject(error);
      }
      pending.then(
        (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        (error: unknown) => {
          clearTimeout(timer);
          reject(error);
        },
      );
    });
  }

  #report(operation: string, error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    // Only the operation and the client's message: never a key's value.
    const reported = Object.assign(new Error(`Redis token store ${operation} failed: ${message}`), {
      code: (error as { code?: string }).code ?? 'ERR_MCA_STORE',
    });
    if (this.listenerCount('store-error') > 0) this.emit('store-error', reported);
  }

  #seal(key: string, token: StoredToken, context: TokenStoreContext): string {
    return this.#encrypt ? sealToken(token, context.encryptionKey, this.#tokenKey(key)) : plainToken(token);
  }

  #open(key: string, raw: string, context: TokenStoreContext): StoredToken | undefined {
    // A value that does not open (tampered, another secret, an old format) is a miss; the next
    // write overwrites it.
    return this.#encrypt ? openToken(raw, context.encryptionKey, this.#tokenKey(key)) : openPlainToken(raw);
  }

  get(key: string, context: TokenStoreContext): StoredToken | undefined | Promise<StoredToken | undefined> {
    const hit = this.#l1.get(key);
    if (hit !== undefined) return hit.token;
    return this.#read(key, context).then((entry) => entry?.token);
  }

  /** Reads Redis into L1. Never rejects: a failure is reported and answered as a miss. */
  async #read(key: string, context: TokenStoreContext): Promise<L1Entry | undefined> {
    let raw: string | null;
    try {
      raw = await this.#command(() => this.#client.get(this.#tokenKey(key)));
    } catch (error) {
      this.#report('get', error);
      return undefined;
    }
    if (raw === null) return undefined;
    const token = this.#open(key, raw, context);
    if (token === undefined) return undefined;
    const entry = { token, raw };
    this.#l1.set(key, entry);
    return entry;
  }

  async set(key: string, token: StoredToken, context: TokenStoreContext): Promise<void> {
    const raw = this.#seal(key, token, context);
    this.#l1.set(key, { token, raw });
    // Redis must never serve a token past exp − skew.
    const ttl = Math.floor(usableUntil(token, context.refreshSkewMs) - context.now());
    if (ttl <= 0) return;
    try {
      await this.#command(() => this.#client.set(this.#tokenKey(key), raw, 'PX', ttl));
    } catch (error) {
      this.#report('set', error);
    }
  }

  async delete(key: string, _context: TokenStoreContext, token?: StoredToken): Promise<void> {
    const entry = this.#l1.peek(key);
    if (entry === undefined || (token !== undefined && entry.token !== token)) return;
    this.#l1.delete(key);
    try {
      // Only the value this process knows: a newer token another process wrote stays.
      await this.#command(() => this.#client.eval(COMPARE_AND_DELETE, 1, this.#tokenKey(key), entry.raw));
    } catch (error) {
      this.#report('delete', error);
    }
  }

  async fetchOnce(
    key: string,
    context: TokenStoreContext,
    fetch: () => Promise<StoredToken>,
    options: { newerThan?: number; signal?: AbortSignal; background?: boolean },
  ): Promise<FetchOnceResult> {
    const deadline = performance.now() + context.deadlineMs;
    const usable = (token: StoredToken | undefined): token is StoredToken =>
      token !== undefined &&
      (options.newerThan === undefined || token.expiresAt > options.newerThan) &&
      context.now() < usableUntil(token, context.refreshSkewMs);
    const signal = options.signal ?? new AbortController().signal;
    for (;;) {
      const stored = await this.#read(key, context);
      if (usable(stored?.token)) return { token: stored.token, fetched: false };
      const owner = randomBytes(16).toString('hex');
      let locked: boolean;
      try {
        locked = (await this.#command(() => this.#client.set(this.#lockKey(key), owner, 'PX', this.#lockTtlMs, 'NX'))) === 'OK';
      } catch (error) {
        // Redis is out of reach: fetch locally, as without a shared store.
        this.#report('lock', error);
        return this.#fetchAlone(key, context, fetch);
      }
      if (locked) {
        try {
          const token = await fetch();
          await this.set(key, token, context);
          return { token, fetched: true };
        } finally {
          await this.#command(() => this.#client.eval(COMPARE_AND_DELETE, 1, this.#lockKey(key), owner)).catch((error: unknown) =>
            this.#report('unlock', error),
          );
        }
      }
      // Another process is fetching. Look again shortly: its token appears, or its lock expires
      // (it died) and one waiter takes over. A waiter out of time fetches by itself rather than fail.
      const wait = this.#pollMs * (0.5 + Math.random());
      if (performance.now() + wait >= deadline) return this.#fetchAlone(key, context, fetch);
      await sleep(wait, signal, !options.background);
    }
  }

  async #fetchAlone(key: string, context: TokenStoreContext, fetch: () => Promise<StoredToken>): Promise<FetchOnceResult> {
    const token = await fetch();
    await this.set(key, token, context);
    return { token, fetched: true };
  }

  async close(): Promise<void> {
    this.#l1.clear();
    if (!this.#ownsClient) return;
    try {
      await this.#command(() => this.#client.quit());
    } catch {
      this.#client.disconnect();
    }
  }
}

/** Creates a {@link RedisTokenStore}: `mcaOAuth({ store: redisTokenStore({ client: new Redis(url) }) })`. */
export function redisTokenStore(options: RedisTokenStoreOptions): RedisTokenStore {
  return new RedisTokenStore(options);
}
