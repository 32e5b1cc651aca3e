import { EventEmitter } from 'node:events';
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import QuickLRU from 'quick-lru';
import { sleep } from '../core/backoff';
import { usableUntil } from '../core/refresh-timing';
import { openPlainToken, openToken, plainToken, sealToken, type SealedPayload } from '../core/token-crypto';
import type { FetchOnceResult, StoredToken, TokenStore, TokenStoreContext } from '../core/token-store';
import { connectRedis, type RedisClientLike } from './redis-client';
import { keyNames, parseFleetKey, sealingKey, type KeyNames } from './fleet-key';
import { ACQUIRE, INVALIDATE, RELEASE, RENEW, WRITE } from './redis-scripts';
import { StoreHealth } from './store-health';
import { checkRedis } from './redis-check';
import { checkOptions, targetOf, type RedisTokenStoreOptions } from './redis-store-options';

export type { RedisTokenStoreOptions } from './redis-store-options';

interface L1Entry {
  token: StoredToken;
  /** The Redis value it was read from or written as, for compare-and-delete. */
  raw: string;
}

interface KeyState {
  names: KeyNames;
  sealKey: Buffer;
  /** Newest write generation this process has seen for the key: anything older is a rollback. */
  generation: number;
  /** The holder of a lock this process waited out in vain: not waited for again. */
  stuckHolder?: string;
}

class StoreTimeoutError extends Error {
  override name = 'StoreTimeoutError';
  readonly code = 'ERR_MCA_STORE_TIMEOUT';
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
  readonly #fleetKey: Buffer;
  readonly #health: StoreHealth;
  readonly #l1: QuickLRU<string, L1Entry>;
  readonly #keys: QuickLRU<string, KeyState>;
  readonly #reads = new Map<string, Promise<L1Entry | undefined>>();
  readonly #background = new Set<Promise<unknown>>();
  // Aborted by close(): background retries stop waiting at once.
  readonly #closing = new AbortController();

  constructor(options: RedisTokenStoreOptions) {
    super();
    this.#settings = checkOptions(options);
    // Built from the environment (`target`), the edge already read MCA_REDIS_FLEET_KEY from the same env view.
    // Own property only: process.env falls back to Object.prototype, and a key that prototype
    // pollution planted there is one the attacker knows, which makes Redis an oracle again.
    const fromEnv =
      options.target === undefined && Object.hasOwn(process.env, 'MCA_REDIS_FLEET_KEY') ? process.env.MCA_REDIS_FLEET_KEY || undefined : undefined;
    this.#fleetKey = parseFleetKey(
      options.fleetKey ?? fromEnv,
      options.fleetKey !== undefined && options.target === undefined ? 'the `fleetKey` option' : 'MCA_REDIS_FLEET_KEY',
    );
    this.#l1 = new QuickLRU({ maxSize: this.#settings.l1Size });
    this.#keys = new QuickLRU({ maxSize: Math.max(1_000, this.#settings.l1Size) });
    this.#health = new StoreHealth(this.#settings.backoffMs, (error) => {
      if (this.listenerCount('store-error') > 0) this.emit('store-error', error);
    });
    const target = targetOf(options);
    this.#ownsClient = target !== undefined;
    this.#client = target !== undefined ? connectRedis(target) : options.client!;
    // The client's own errors carry the real cause (WRONGPASS, a certificate, a refused port) that a
    // timed-out command cannot tell; an unlistened 'error' would also crash an owned client.
    (this.#client as unknown as Partial<EventEmitter>).on?.('error', (error: unknown) => this.#health.clientError(error));
  }

  get size(): number {
    return this.#l1.size;
  }

  #state(key: string, context: TokenStoreContext): KeyState {
    let state = this.#keys.get(key);
    if (state === undefined) {
      state = { names: keyNames(this.#fleetKey, this.#settings.prefix, key), sealKey: sealingKey(this.#fleetKey, context.encryptionKey, key), generation: 0 };
      this.#keys.set(key, state);
    }
    return state;
  }

  /** Runs one command, bounded by storeTimeoutMs whatever the client's own settings. */
  #command<T>(operation: string, run: () => Promise<T>): Promise<T> {
    if (!this.#health.available) return Promise.reject(new Error('skipped: Redis failed recently'));
    return new Promise<T>((resolve, reject) => {
      let done = false;
      const timer = setTimeout(() => {
        done = true;
        const cause = this.#health.lastCause;
        const error = new StoreTimeoutError(`Redis did not answer within ${this.#settings.storeTimeoutMs} ms${cause ? ` (last client error: ${cause})` : ''}`);
        this.#health.failed(operation, error);
        reject(error);
      }, this.#settings.storeTimeoutMs);
      timer.unref();
      const settle = (error: unknown, value?: T): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        if (error === undefined) {
          this.#health.succeeded();
          resolve(value as T);
        } else {
          this.#health.failed(operation, error);
          reject(error);
        }
      };
      let pending: Promise<T>;
      try {
        pending = run();
      } catch (error) {
        return settle(error ?? new Error('failed'));
      }
      pending.then(
        (value) => settle(undefined, value),
        (error: unknown) => settle(error ?? new Error('failed')),
      );
    });
  }

  /** Keeps a write or release going after the caller has its answer; close() waits for them. */
  #inBackground(work: Promise<unknown>): void {
    const tracked = work.catch(() => undefined).finally(() => this.#background.delete(tracked));
    this.#background.add(tracked);
  }

  #seal(state: KeyState, payload: SealedPayload): string {
    return this.#settings.encrypt ? sealToken(payload, state.sealKey, state.names.token) : plainToken(payload);
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
    const state = this.#state(key, context);
    let raw: string | null;
    let counter: string | null;
    try {
      [raw = null, counter = null] = await this.#command('get', () => this.#client.mget(state.names.token, state.names.generation));
    } catch {
      return undefined;
    }
    state.generation = Math.max(state.generation, Number(counter ?? 0) || 0);
    if (raw === null) return undefined;
    // A value that does not open (tampered, another key, moved from another name, an old format) is
    // a miss; the next write overwrites it.
    const payload = this.#settings.encrypt ? openToken(raw, state.sealKey, state.names.token) : openPlainToken(raw);
    if (payload === undefined) return undefined;
    if (payload.generation < state.generation) {
      this.#health.notice('get', 'a token older than the newest one the fleet wrote was found and refused (a restored backup, or a rollback)');
      return undefined;
    }
    state.generation = payload.generation;
    const entry = { token: payload.token, raw };
    this.#l1.set(key, entry);
    return entry;
  }

  set(key: string, token: StoredToken, context: TokenStoreContext): void {
    this.#write(key, token, context);
  }

  /** Writes the token to L1 now and to Redis in the background: no caller waits on the SET. */
  #write(key: string, token: StoredToken, context: TokenStoreContext): void {
    const state = this.#state(key, context);
    const generation = state.generation + 1;
    const raw = this.#seal(state, { token, generation });
    this.#l1.set(key, { token, raw });
    // Absolute expiry: Redis never keeps a token past exp − skew, even when the write is late.
    const until = Math.floor(usableUntil(token, context.refreshSkewMs));
    if (until <= context.now()) return;
    const { names } = state;
    this.#inBackground(
      this.#command('set', () => this.#client.eval(WRITE, 2, names.token, names.generation, raw, generation, until, until + GENERATION_TTL_MS)).then(
        (written) => {
          if (written === 1) state.generation = Math.max(state.generation, generation);
        },
      ),
    );
  }

  delete(key: string, context: TokenStoreContext, token?: StoredToken): Promise<void> {
    const entry = this.#l1.peek(key);
    if (entry === undefined || (token !== undefined && entry.token !== token)) return Promise.resolve();
    this.#l1.delete(key);
    const state = this.#state(key, context);
    // Only the value this process knows: a newer token another process wrote stays. The counter
    // moves past it, so a copy restored later is refused.
    const work = this.#command('delete', () => this.#client.eval(INVALIDATE, 2, state.names.token, state.names.generation, entry.raw)).then((counter) => {
      state.generation = Math.max(state.generation, Number(counter) || 0);
    });
    this.#inBackground(work);
    return work.catch(() => undefined);
  }

  async fetchOnce(
    key: string,
    context: TokenStoreContext,
    fetch: () => Promise<StoredToken>,
    options: { newerThan?: number; signal?: AbortSignal; background?: boolean },
  ): Promise<FetchOnceResult> {
    const started = performance.now();
    const ttl = this.#settings.lockTtlMs ?? (context.timeoutMs ?? 10_000) + 5_000;
    // A waiter gives up well before the lock would expire: a dead or squatting holder costs a bounded wait.
    const waitBound = Math.min(this.#settings.lockWaitMs, ttl / 2);
    const usable = (token: StoredToken | undefined): token is StoredToken =>
      token !== undefined &&
      (options.newerThan === undefined || token.expiresAt > options.newerThan) &&
      context.now() < usableUntil(token, context.refreshSkewMs);
    const signal = options.signal ?? new AbortController().signal;
    const state = this.#state(key, context);
    // The wait bound counts from the holder's last sign of life (taking the lock, renewing it): a
    // slow but live fetch is waited for, up to deadlineMs; a dead or squatting holder is not.
    let lastSign = started;
    let seen: { holder: string; ttl: number } | undefined;
    for (;;) {
      const stored = await this.#read(key, context);
      if (usable(stored?.token)) return { token: stored.token, fetched: false };
      if (!this.#health.available) return this.#fetchAlone(key, context, fetch);
      const owner = randomBytes(16).toString('hex');
      let holder: string;
      let holderTtl: number;
      try {
        [holder, holderTtl] = (await this.#command('lock', () => this.#client.eval(ACQUIRE, 1, state.names.lock, owner, ttl))) as [string, number];
      } catch {
        // A timed-out command may still run later (Redis wakes up, the client reconnects): queue
        // the release of this owner's lock right behind it, so no orphan blocks the fleet.
        this.#inBackground(this.#client.eval(RELEASE, 1, state.names.lock, owner));
        return this.#fetchAlone(key, context, fetch);
      }
      if (holder === owner) {
        // The previous holder may have written its token and released the lock between this
        // process's read and its ACQUIRE: read again, now that the lock is ours. A read of its own,
        // not one coalesced with a read sent before the lock was taken. Its write precedes its
        // release on one connection, so a read after the release sees the token.
        const fresh = await this.#readOnce(key, context);
        if (usable(fresh?.token)) {
          this.#inBackground(this.#release(state.names.lock, owner));
          return { token: fresh.token, fetched: false };
        }
        return this.#fetchHolding(key, context, fetch, state.names.lock, owner, ttl);
      }
      if (holder === state.stuckHolder) return this.#fetchAlone(key, context, fetch);
      const now = performance.now();
      if (seen === undefined || seen.holder !== holder || holderTtl > seen.ttl) lastSign = now;
      seen = { holder, ttl: holderTtl };
      const wait = this.#settings.pollMs * (0.5 + Math.random());
      if (now - lastSign + wait >= waitBound || now - started + wait >= context.deadlineMs) {
        state.stuckHolder = holder;
        return this.#fetchAlone(key, context, fetch);
      }
      await sleep(wait, signal, !options.background);
    }
  }

  async #fetchHolding(
    key: string,
    context: TokenStoreContext,
    fetch: () => Promise<StoredToken>,
    lock: string,
    owner: string,
    ttl: number,
  ): Promise<FetchOnceResult> {
    // Renewed while the fetch runs (retries may outlast one TTL); a dead holder stops renewing.
    const renew = setInterval(
      () => {
        this.#inBackground(this.#command('renew', () => this.#client.eval(RENEW, 1, lock, owner, ttl)));
        // Often enough that a waiter sees a sign of life well within its wait bound.
      },
      Math.max(50, Math.floor(Math.min(ttl / 3, this.#settings.lockWaitMs / 4))),
    );
    renew.unref();
    try {
      return await this.#fetchAlone(key, context, fetch);
    } finally {
      clearInterval(renew);
      this.#inBackground(this.#release(lock, owner));
    }
  }

  /** Compare-and-delete of the lock, retried a few times: after a failover the lock may be on the new master. */
  async #release(lock: string, owner: string): Promise<void> {
    for (let attempt = 0; attempt < 4 && !this.#closing.signal.aborted; attempt++) {
      try {
        await this.#command('unlock', () => this.#client.eval(RELEASE, 1, lock, owner));
        return;
      } catch {
        await sleep(250 * 2 ** attempt, this.#closing.signal).catch(() => undefined);
      }
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
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all([...this.#background]),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, this.#settings.storeTimeoutMs);
        timer.unref();
      }),
    ]);
    clearTimeout(timer);
    if (!this.#ownsClient) return;
    try {
      await this.#command('quit', () => this.#client.quit());
    } catch {
      this.#client.disconnect();
    }
  }
}

/** Creates a {@link RedisTokenStore}: `mcaOAuth({ store: redisTokenStore({ client: new Redis(url), fleetKey }) })`. */
export function redisTokenStore(options: RedisTokenStoreOptions): RedisTokenStore {
  return new RedisTokenStore(options);
}
