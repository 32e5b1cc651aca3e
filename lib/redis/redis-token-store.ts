import { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';
import QuickLRU from 'quick-lru';
import { sleep } from '../token/backoff';
import { usableUntil } from '../token/refresh-timing';
import { STORE_IDENTITY, type FetchOnceResult, type StoreHealthStats, type StoredToken, type TokenStore, type TokenStoreContext } from '../token/token-store';
import { connectRedis, topologyOf, type RedisClientLike } from './redis-client';
import { fingerprint, storeFleetKeys } from './fleet-key';
import { FleetRegistry } from './fleet-registry';
import { INVALIDATE, WRITE } from './redis-scripts';
import { StoreHealth, type StoreTopology } from './store-health';
import { checkRedis } from './redis-check';
import { checkOptions, targetOf, type RedisTokenStoreOptions } from './redis-store-options';
import { boundedCommand } from './bounded-command';
import { ConnectionWait } from './connection-wait';
import { BackgroundWork } from './background-work';
import { KeyStates, MAX_AHEAD_MS, type KeyState } from './key-state';
import { FleetLock } from './fleet-lock';
import { LockValues } from './lock-value';

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
  readonly #connection: ConnectionWait;
  readonly #lockValues: LockValues;
  readonly #registry: FleetRegistry;
  /** Of each fleet key, in order: what `check` prints. */
  readonly fingerprints: readonly string[];
  readonly #topology: StoreTopology;
  readonly #reads = new Map<string, Promise<L1Entry | undefined>>();
  readonly #background = new BackgroundWork();
  // Aborted by close(): background retries stop waiting at once.
  readonly #closing = new AbortController();

  constructor(options: RedisTokenStoreOptions) {
    super();
    this.#settings = checkOptions(options);
    const fleetKeys = storeFleetKeys(options);
    this.fingerprints = Object.freeze(fleetKeys.map(fingerprint));
    this.#lockValues = new LockValues(fleetKeys);
    this.#l1 = new QuickLRU({ maxSize: this.#settings.l1Size });
    this.#keys = new KeyStates(fleetKeys, this.#settings.prefix, this.#settings.encrypt, Math.max(1_000, this.#settings.l1Size));
    const target = targetOf(options);
    this.#topology = target?.kind ?? topologyOf(options.client);
    this.#health = new StoreHealth(
      this.#settings.backoffMs,
      (error) => {
        if (this.listenerCount('store-error') > 0) this.emit('store-error', error);
      },
      this.#topology,
    );
    this.#ownsClient = target !== undefined;
    this.#client = target !== undefined ? connectRedis(target) : options.client!;
    // The client's own errors carry the real cause (WRONGPASS, a certificate, a refused port) that a
    // timed-out command cannot tell; an unlistened 'error' would also crash an owned client.
    (this.#client as unknown as Partial<EventEmitter>).on?.('error', (error: unknown) => this.#health.clientError(error));
    this.#connection = new ConnectionWait(this.#client);
    this.#registry = new FleetRegistry(
      this.#client,
      (operation, run) => this.#command(operation, run),
      this.#settings.prefix,
      fleetKeys,
      (message) => this.#health.notice('register', message, 'ERR_MCA_STORE_FOREIGN_KEY'),
    );
    this.#lock = new FleetLock(this.#client, (operation, run) => this.#command(operation, run), this.#background, this.#closing.signal, this.#settings);
  }

  get size(): number {
    return this.#l1.size;
  }

  /** Errors by code, and time spent skipping Redis after failures: `stats().store`, and the metrics. */
  health(): StoreHealthStats {
    return Object.defineProperty(this.#health.stats(), STORE_IDENTITY, { value: this });
  }

  /**
   * Runs one command, bounded by storeTimeoutMs whatever the client's own settings, after waiting
   * for a client still connecting at most `connectBudgetMs` (a caller's deadline caps it).
   */
  #command<T>(operation: string, run: () => Promise<T>, connectBudgetMs = this.#settings.connectTimeoutMs): Promise<T> {
    const budgetMs = Math.max(1, Math.min(this.#settings.connectTimeoutMs, connectBudgetMs));
    return boundedCommand(this.#health, this.#settings.storeTimeoutMs, operation, run, { connection: this.#connection, budgetMs });
  }

  get(key: string, context: TokenStoreContext): StoredToken | undefined | Promise<StoredToken | undefined> {
    const hit = this.#l1.get(key);
    if (hit !== undefined) return hit.token;
    return this.#read(key, context, context.deadlineMs).then((entry) => entry?.token);
  }

  /** Reads Redis into L1, one read per key at a time. Never rejects: a failure is a miss. */
  #read(key: string, context: TokenStoreContext, budgetMs: number): Promise<L1Entry | undefined> {
    let pending = this.#reads.get(key);
    if (pending === undefined) {
      pending = this.#readOnce(key, context, budgetMs).finally(() => this.#reads.delete(key));
      this.#reads.set(key, pending);
    }
    return pending;
  }

  async #readOnce(key: string, context: TokenStoreContext, budgetMs: number): Promise<L1Entry | undefined> {
    const state = this.#keys.get(key, context);
    // Under this process's own key first; during a rotation, under the others it holds too.
    for (const under of [state, ...state.others]) {
      const entry = await this.#readUnder(under, budgetMs);
      if (entry === null) return undefined;
      if (entry === undefined) continue;
      this.#l1.set(key, entry);
      return entry;
    }
    return undefined;
  }

  /** One read of a key's names: the entry, undefined for a miss, null when Redis failed. */
  async #readUnder(state: KeyState, budgetMs: number): Promise<L1Entry | undefined | null> {
    let raw: string | null;
    let counter: string | null;
    try {
      [raw = null, counter = null] = await this.#command('get', () => this.#client.mget(state.names.token, state.names.generation), budgetMs);
    } catch {
      return null;
    }
    const judged = state.judge(raw, counter, Date.now());
    if ('payload' in judged) return { token: judged.payload.token, raw: raw! };
    if (judged.refused === 'rollback') {
      this.#health.notice('get', 'a token older than the newest one the fleet wrote was found and refused (a restored backup, or a rollback)');
    } else if (judged.refused === 'poisoned') this.#poisoned(state);
    return undefined;
  }

  set(key: string, token: StoredToken, context: TokenStoreContext): void {
    this.#write(key, token, context);
  }

  /** Writes the token to L1 now and to Redis in the background: no caller waits on the SET. */
  #write(key: string, token: StoredToken, context: TokenStoreContext): void {
    const state = this.#keys.get(key, context);
    const generation = state.nextGeneration(Date.now());
    const raw = state.seal({ token, generation });
    this.#l1.set(key, { token, raw });
    // Absolute expiry: Redis never keeps a token past exp − skew, even when the write is late.
    const until = Math.floor(usableUntil(token, context.refreshSkewMs));
    if (until <= context.now()) return;
    const { names } = state;
    const bound = Date.now() + MAX_AHEAD_MS;
    this.#background.add(
      this.#command('set', () => this.#client.eval(WRITE, 2, names.token, names.generation, raw, generation, until, until + GENERATION_TTL_MS, bound)).then(
        (answer) => {
          const [written, found] = answer as [number, string | null];
          // A poisoned counter was replaced by this write (or, refused, what Redis holds is newer).
          if (!state.saw(found, Date.now())) this.#poisoned(state);
          if (written !== 1) return;
          state.saw(generation, Date.now());
          return this.#registry.record();
        },
      ),
    );
  }

  /** A counter no member can have written: reported once until Redis holds a valid one again. */
  #poisoned(state: KeyState): void {
    if (state.poisonReported) return;
    state.poisonReported = true;
    this.#health.notice(
      'get',
      'the generation counter in Redis holds a value no process of the fleet can have written (someone with write access to Redis but without the fleet key?); it was refused, and the next write replaces it',
      'ERR_MCA_STORE_POISONED',
    );
  }

  delete(key: string, context: TokenStoreContext, token?: StoredToken): Promise<void> {
    const entry = this.#l1.peek(key);
    if (entry === undefined || (token !== undefined && entry.token !== token)) return Promise.resolve();
    this.#l1.delete(key);
    const state = this.#keys.get(key, context);
    // Only the value this process knows: a newer token another process wrote stays. The counter
    // moves past it, so a copy restored later is refused.
    const work = this.#command('delete', () =>
      this.#client.eval(INVALIDATE, 2, state.names.token, state.names.generation, entry.raw, Date.now(), Date.now() + MAX_AHEAD_MS),
    ).then((counter) => {
      if (counter !== 0) state.saw(counter, Date.now());
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
    // What the caller's deadline leaves: a wait for the connection never outlasts it.
    const left = (): number => context.deadlineMs - (performance.now() - started);
    let takeovers = 0;
    for (;;) {
      const stored = await this.#read(key, context, left());
      if (usable(stored?.token)) return { token: stored.token, fetched: false };
      if (!this.#health.available) return this.#fetchAlone(key, context, fetch);
      const owner = this.#lockValues.mint(lock, Date.now());
      let answer = await this.#lock.acquire(lock, owner, ttl);
      if (answer === undefined) return this.#fetchAlone(key, context, fetch);
      if (answer[0] !== owner) {
        const [holder, holderTtl] = answer;
        // A value no member wrote (a squatter's, or a member's replayed long after) is not waited
        // for at all; a member's is, while it shows signs of life.
        const member = this.#lockValues.isMember(lock, holder, Date.now(), context.deadlineMs);
        const wait = member && holder !== state.stuckHolder ? watch.next(holder, holderTtl) : undefined;
        if (wait !== undefined) {
          await sleep(wait, signal, !options.background);
          continue;
        }
        if (member) state.stuckHolder = holder;
        // Take the lock over rather than fetch beside it: of the waiters that gave up on the same
        // holder, one fetches and the others wait on it. A squatter that keeps re-setting the lock
        // gets a few tries, then this caller fetches by itself.
        if (++takeovers > 3) return this.#fetchAlone(key, context, fetch);
        answer = await this.#lock.takeOver(lock, holder, owner, ttl);
        if (answer === undefined) return this.#fetchAlone(key, context, fetch);
        if (answer[0] !== owner) continue;
      }
      // The previous holder may have written its token and released the lock between this
      // process's read and its ACQUIRE: read again, now that the lock is ours. A read of its own,
      // not one coalesced with a read sent before the lock was taken. Its write precedes its
      // release on one connection, so a read after the release sees the token.
      const fresh = await this.#readOnce(key, context, left());
      if (usable(fresh?.token)) {
        this.#lock.release(lock, owner);
        return { token: fresh.token, fetched: false };
      }
      return this.#lock.hold(lock, owner, ttl, () => this.#fetchAlone(key, context, fetch));
    }
  }

  async #fetchAlone(key: string, context: TokenStoreContext, fetch: () => Promise<StoredToken>): Promise<FetchOnceResult> {
    const token = await fetch();
    this.#write(key, token, context);
    return { token, fetched: true };
  }

  /** Connects, authenticates, writes, reads and deletes a probe key: what `check` in the CLI runs. */
  check(timeoutMs = 3_000): Promise<void> {
    return checkRedis(this.#client, this.#settings.prefix, () => this.#health.lastCause, timeoutMs, this.#topology);
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
