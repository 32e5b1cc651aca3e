import { EventEmitter } from 'node:events';
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import QuickLRU from 'quick-lru';
import { sleep } from '../core/backoff';
import { usableUntil } from '../core/refresh-timing';
import type { FetchOnceResult, StoredToken, TokenStore, TokenStoreContext } from '../core/token-store';
import { connectRedis, type RedisClientLike } from './redis-client';
import { storeFleetKey } from './fleet-key';
import { INVALIDATE, WRITE } from './redis-scripts';
import { StoreHealth } from './store-health';
import { checkRedis } from './redis-check';
import { checkOptions, targetOf, type RedisTokenStoreOptions } from './redis-store-options';
import { boundedCommand } from './bounded-command';
import { BackgroundWork } from './background-work';
import { KeyStates } from './key-state';
import { FleetLock } from './fleet-lock';

export type { RedisTokenStoreOptions } from './redis-store-options';

interface L1Entry {
  token: StoredToken;
  /** The Redis value it was read from or written as, for compare-and-delete. */
  raw: string;
}

/** Counter TTL beyond its token: a restored copy stays refused this long after the token ended. */
const GENERATION_TTL_MS = 86_400_000;

/**
 * A {@link TokenStore} shared by a fleet through Redis (single node, Sentinel or Cluster): an
 * in-process L1, a distributed single flight (a renewed lock; waiters bounded by `lockWaitMs`),
 * values sealed under the fleet key with a generation that refuses rollbacks. Redis failures never
 * reach a caller: they are reported as `store-error`, Redis is skipped for `backoffMs`, and the
 * provider carries on with its L1 and a local fetch.
 */
export class RedisTokenStore extends EventEmitter implements TokenStore {
  readonly #client: RedisClientLike;
  readonly #ownsClient: boolean;
  readonly #settings: ReturnType<typeof checkOptions>;
  readonly #health: StoreHealth;
  readonly #l1: QuickLRU<string, L1Entry>;
  readonly #keys: KeyStates;
  readonly #lock: FleetLock;
  readonly #reads = new Map<string, Promise<L1Entry | undefined>>();
  readonly #background = new BackgroundWork();
  // Aborted by close(): background retries stop waiting at once.
  readonly #closing = new AbortController();

  constructor(options: RedisTokenStoreOptions) {
    super();
    this.#settings = checkOptions(options);
    const fleetKey = storeFleetKey(options);
    this.#l1 = new QuickLRU({ maxSize: this.#settings.l1Size });
    this.#keys = new KeyStates(fleetKey, this.#settings.prefix, this.#settings.encrypt, Math.max(1_000, this.#settings.l1Size));
    this.#health = new StoreHealth(this.#settings.backoffMs, (error) => {
      if (this.listenerCount('store-error') > 0) this.emit('store-error', error);
    });
    const target = targetOf(options);
    this.#ownsClient = target !== undefined;
    this.#client = target !== undefined ? connectRedis(target) : options.client!;
    // The client's own errors carry the real cause (WRONGPASS, a certificate, a refused port) that a
    // timed-out command cannot tell; an unlistened 'error' would also crash an owned client.
    (this.#client as unknown as Partial<EventEmitter>).on?.('error', (error: unknown) => this.#health.clientError(error));
    this.#lock = new FleetLock(this.#client, (operation, run) => this.#command(operation, run), this.#background, this.#closing.signal, this.#settings);
  }

  get size(): number {
    return this.#l1.size;
  }

  /** Runs one command, bounded by storeTimeoutMs whatever the client's own settings. */
  #command<T>(operation: string, run: () => Promise<T>): Promise<T> {
    return boundedCommand(this.#health, this.#settings.storeTimeoutMs, operation, run);
  }

  get(key: string, context: TokenStoreContext): StoredToken | undefined | Promise<StoredToken | undefined> {
    const hit = this.#l1.get(key);
    if (hit !== undefined) return hit.token;
    return this.#read(key, context).then((entry) => entry?.token);
  }

  /** Reads Redis into L1, one read per key at a time. Never rejects: a failure is a miss. */
  #read(key: string, context: TokenStoreContext): Promise<L1Entry | undefined> {
    let pending = this.#reads.get(key);
    if (pending === undefined) {
      pending = this.#readOnce(key, context).finally(() => this.#reads.delete(key));
      this.#reads.set(key, pending);
    }
    return pending;
  }

  async #readOnce(key: string, context: TokenStoreContext): Promise<L1Entry | undefined> {
    const state = this.#keys.get(key, context);
    let raw: string | null;
    let counter: string | null;
    try {
      [raw = null, counter = null] = await this.#command('get', () => this.#client.mget(state.names.token, state.names.generation));
    } catch {
      return undefined;
    }
    state.saw(counter);
    if (raw === null) return undefined;
    // A value that does not open is a miss; the next write overwrites it.
    const payload = state.open(raw);
    if (payload === undefined) return undefined;
    if (!state.accept(payload)) {
      this.#health.notice('get', 'a token older than the newest one the fleet wrote was found and refused (a restored backup, or a rollback)');
      return undefined;
    }
    const entry = { token: payload.token, raw };
    this.#l1.set(key, entry);
    return entry;
  }

  set(key: string, token: StoredToken, context: TokenStoreContext): void {
    this.#write(key, token, context);
  }

  /** Writes the token to L1 now and to Redis in the background: no caller waits on the SET. */
  #write(key: string, token: StoredToken, context: TokenStoreContext): void {
    const state = this.#keys.get(key, context);
    const generation = state.generation + 1;
    const raw = state.seal({ token, generation });
    this.#l1.set(key, { token, raw });
    // Absolute expiry: Redis never keeps a token past exp − skew, even when the write is late.
    const until = Math.floor(usableUntil(token, context.refreshSkewMs));
    if (until <= context.now()) return;
    const { names } = state;
    this.#background.add(
      this.#command('set', () => this.#client.eval(WRITE, 2, names.token, names.generation, raw, generation, until, until + GENERATION_TTL_MS)).then(
        (written) => {
          if (written === 1) state.saw(generation);
        },
      ),
    );
  }

  delete(key: string, context: TokenStoreContext, token?: StoredToken): Promise<void> {
    const entry = this.#l1.peek(key);
    if (entry === undefined || (token !== undefined && entry.token !== token)) return Promise.resolve();
    this.#l1.delete(key);
    const state = this.#keys.get(key, context);
    // Only the value this process knows: a newer token another process wrote stays. The counter
    // moves past it, so a copy restored later is refused.
    const work = this.#command('delete', () => this.#client.eval(INVALIDATE, 2, state.names.token, state.names.generation, entry.raw)).then((counter) => {
      state.saw(counter);
    });
    this.#background.add(work);
    return work.catch(() => undefined);
  }

  async fetchOnce(
    key: string,
    context: TokenStoreContext,
    fetch: () => Promise<StoredToken>,
    options: { newerThan?: number; signal?: AbortSignal; background?: boolean },
  ): Promise<FetchOnceResult> {
    const started = performance.now();
    const ttl = this.#lock.ttl(context.timeoutMs);
    const watch = this.#lock.watch(started, ttl, context.deadlineMs);
    const usable = (token: StoredToken | undefined): token is StoredToken =>
      token !== undefined &&
      (options.newerThan === undefined || token.expiresAt > options.newerThan) &&
      context.now() < usableUntil(token, context.refreshSkewMs);
    const signal = options.signal ?? new AbortController().signal;
    const state = this.#keys.get(key, context);
    const lock = state.names.lock;
    for (;;) {
      const stored = await this.#read(key, context);
      if (usable(stored?.token)) return { token: stored.token, fetched: false };
      if (!this.#health.available) return this.#fetchAlone(key, context, fetch);
      const owner = randomBytes(16).toString('hex');
      const answer = await this.#lock.acquire(lock, owner, ttl);
      if (answer === undefined) return this.#fetchAlone(key, context, fetch);
      const [holder, holderTtl] = answer;
      if (holder === owner) {
        // The previous holder may have written its token and released the lock between this
        // process's read and its ACQUIRE: read again, now that the lock is ours. A read of its own,
        // not one coalesced with a read sent before the lock was taken. Its write precedes its
        // release on one connection, so a read after the release sees the token.
        const fresh = await this.#readOnce(key, context);
        if (usable(fresh?.token)) {
          this.#lock.release(lock, owner);
          return { token: fresh.token, fetched: false };
        }
        return this.#lock.hold(lock, owner, ttl, () => this.#fetchAlone(key, context, fetch));
      }
      if (holder === state.stuckHolder) return this.#fetchAlone(key, context, fetch);
      const wait = watch.next(holder, holderTtl);
      if (wait === undefined) {
        state.stuckHolder = holder;
        return this.#fetchAlone(key, context, fetch);
      }
      await sleep(wait, signal, !options.background);
    }
  }

  async #fetchAlone(key: string, context: TokenStoreContext, fetch: () => Promise<StoredToken>): Promise<FetchOnceResult> {
    const token = await fetch();
    this.#write(key, token, context);
    return { token, fetched: true };
  }

  /** Connects, authenticates, writes, reads and deletes a probe key: what `check` in the CLI runs. */
  check(timeoutMs = 3_000): Promise<void> {
    return checkRedis(this.#client, this.#settings.prefix, () => this.#health.lastCause, timeoutMs);
  }

  async close(): Promise<void> {
    this.#closing.abort();
    this.#l1.clear();
    // Bounded: every command the store issues through #command settles within storeTimeoutMs, but
    // the release queued behind a timed-out lock waits for Redis itself, and a paused or silent
    // Redis (CLIENT PAUSE, a partition with no RST) would hold close() for as long as that lasts.
    await this.#background.settle(this.#settings.storeTimeoutMs);
    if (!this.#ownsClient) return;
    try {
      await this.#command('quit', () => this.#client.quit());
    } catch {
      this.#client.disconnect();
    }
  }
}

/**
 * Creates a {@link RedisTokenStore}, so that a fleet of processes shares one token per back end.
 *
 * @example
 * ```ts
 * import Redis from 'ioredis';
 * import { mcaOAuth } from 'express-mca-oauth';
 * import { redisTokenStore } from 'express-mca-oauth/redis';
 *
 * // The same fleet key on every process (openssl rand -base64 32); or set MCA_REDIS_URL and
 * // MCA_REDIS_FLEET_KEY and pass nothing.
 * const store = redisTokenStore({ client: new Redis(process.env.REDIS_URL!), fleetKey: process.env.FLEET_KEY! });
 * app.use(mcaOAuth({ store }));
 * ```
 */
export function redisTokenStore(options: RedisTokenStoreOptions): RedisTokenStore {
  return new RedisTokenStore(options);
}
