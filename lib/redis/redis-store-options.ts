import { invalid } from '../settings/option-checks';
import { parseRedisUrl, type RedisTarget } from '../settings/redis-binding';
import { readRedisTuning } from '../settings/redis-tuning';
import { STORE_ROWS } from '../settings/table/redis-rows';
import type { SettingSpec } from '../settings/table/setting-row';
import type { RedisClientLike } from './redis-client';

/** Options of {@link redisTokenStore}. Pass exactly one of `client`, `url`, `clusterNodes`, `sentinels`. */
export interface RedisTokenStoreOptions {
  /** An ioredis client (`Redis` or `Cluster`). The store never closes a client it was given. */
  client?: RedisClientLike;
  /** `redis://[user:password@]host:port[/db]` (`rediss://` for TLS); the store connects and closes it. Env: `MCA_REDIS_URL`. */
  url?: string;
  /** Seed nodes of a Redis Cluster, as redis:// URLs (credentials and TLS from the first). Env: `MCA_REDIS_CLUSTER_NODES`. */
  clusterNodes?: string[];
  /** Sentinels, as redis:// URLs; their credentials and TLS serve the master too. Env: `MCA_REDIS_SENTINELS`. */
  sentinels?: string[];
  /** The master name the sentinels monitor; needed with {@link sentinels}. Env: `MCA_REDIS_SENTINEL_MASTER`. */
  sentinelMaster?: string;
  /** @internal A target already parsed from the environment. */
  target?: RedisTarget;
  /**
   * At least 32 random bytes (Buffer, base64 or hex), the same in every process of the fleet and
   * never stored in Redis. Keys the names (HMAC) and the encryption of everything the store writes,
   * so that reading Redis gives no way to test guesses at the client secret. Required.
   * Env: `MCA_REDIS_FLEET_KEY`.
   */
  fleetKey?: string | Buffer;
  /**
   * Prefix of every key. Keys are `{prefix}{<hmac>}:token|lock|gen`; no `{` or `}` in it (hash tags).
   * @default 'mca:'
   */
  prefix?: string;
  /**
   * Encrypt tokens at rest (AES-256-GCM). `false` stores them in plaintext: anyone who can read
   * Redis can then use them. For debugging only.
   * @default true
   */
  encrypt?: boolean;
  /**
   * A Redis command of a connected client slower than this counts as a failure, and the provider
   * carries on locally. Time spent waiting for the connection is not counted here (see
   * {@link connectTimeoutMs}).
   * @default 100
   * Env: `MCA_REDIS_TIMEOUT_MS`.
   */
  storeTimeoutMs?: number;
  /**
   * How long a command waits for a client that is still connecting (at startup, or reconnecting
   * after a restart) before Redis counts as failed: TCP, AUTH and the ready check, and for a
   * Cluster `CLUSTER SLOTS`, for Sentinel the master lookup. Never longer than the caller's own
   * `deadlineMs`. Granted once per connection: a Redis that never connects costs it once, then
   * each probe only `storeTimeoutMs`. A client that reports a connection error is not waited for.
   * @default 5000
   * Env: `MCA_REDIS_CONNECT_TIMEOUT_MS`.
   */
  connectTimeoutMs?: number;
  /**
   * After a failure, Redis is skipped this long (misses fetch locally at no cost), then probed again.
   * @default 1000
   * Env: `MCA_REDIS_BACKOFF_MS`.
   */
  backoffMs?: number;
  /**
   * Lifetime of the fetch lock, renewed while the fetch runs.
   * @default the provider's `timeoutMs` + 5000
   */
  lockTtlMs?: number;
  /**
   * Longest a process waits on another one's fetch without a sign of life from it (the holder
   * renews its lock every quarter of this) before it fetches by itself: a dead or squatting holder
   * costs this much, once per holder. A live holder is waited for up to `deadlineMs`. Capped at
   * half the lock TTL.
   * @default 2000
   * Env: `MCA_REDIS_LOCK_WAIT_MS`.
   */
  lockWaitMs?: number;
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

/** The longest delay setTimeout honours. */
const MAX_TIMER_MS = 2_147_483_647;

/** The checked options, every field decided. */
export function checkOptions(options: RedisTokenStoreOptions) {
  if (typeof options !== 'object' || options === null) throw invalid('store', 'redisTokenStore() takes an options object.');
  // From 1 to the largest timer delay: below 1, `l1Size` and `lockTtlMs` round to 0 (a TypeError
  // from the LRU, `PX 0` refused by Redis); above 2^31 − 1 ms, Node fires a timer after 1 ms, so
  // a generous `storeTimeoutMs: 1e12` would fail every command at once.
  const positive = (name: keyof RedisTokenStoreOptions, fallback: number): number => {
    const value = options[name];
    if (value === undefined) return fallback;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 1 || value > MAX_TIMER_MS) {
      throw invalid(name, `it must be a number from 1 to ${MAX_TIMER_MS} (default ${fallback}).`);
    }
    return value;
  };
  const given = (['client', 'url', 'clusterNodes', 'sentinels', 'target'] as const).filter((name) => options[name] !== undefined);
  if (given.length !== 1) {
    throw invalid(
      'store',
      `redisTokenStore() needs exactly one of \`client\`, \`url\`, \`clusterNodes\` or \`sentinels\`${given.length > 1 ? ` (got ${given.join(', ')})` : ''}.`,
    );
  }
  for (const list of ['clusterNodes', 'sentinels'] as const) {
    const value = options[list];
    if (value !== undefined && (!Array.isArray(value) || value.length === 0 || value.some((node) => typeof node !== 'string'))) {
      throw invalid(list, 'it must be a non-empty array of redis:// URLs.');
    }
  }
  if (options.sentinels !== undefined && (typeof options.sentinelMaster !== 'string' || options.sentinelMaster === '')) {
    throw invalid('sentinelMaster', 'it is needed with `sentinels`: the master name the sentinels monitor.');
  }
  // The defaults are the settings table's.
  const fallback = <T extends number | boolean | string>(key: keyof typeof STORE_ROWS): T => (STORE_ROWS[key] as SettingSpec).fallback as T;
  const prefix = options.prefix ?? fallback<string>('prefix');
  if (typeof prefix !== 'string' || /[{}]/.test(prefix))
    throw invalid('prefix', 'it must be a string without "{" or "}" (the store puts a hash tag after it).');
  const encrypt = options.encrypt ?? fallback<boolean>('encrypt');
  if (typeof encrypt !== 'boolean') throw invalid('encrypt', 'it must be true or false.');
  // A store built from MCA_REDIS_* was handed the values the edge read; one built by code falls
  // back to the process environment (own properties only, as for the fleet key).
  const env = options.target === undefined ? readRedisTuning((name) => (Object.hasOwn(process.env, name) ? process.env[name] : undefined)) : {};
  const tuned = (name: keyof typeof env, fallback: number): number => (options[name] === undefined ? (env[name] ?? fallback) : positive(name, fallback));
  return {
    prefix,
    encrypt,
    storeTimeoutMs: tuned('storeTimeoutMs', fallback('storeTimeoutMs')),
    connectTimeoutMs: tuned('connectTimeoutMs', fallback('connectTimeoutMs')),
    backoffMs: tuned('backoffMs', fallback('backoffMs')),
    // The default follows the provider's `timeoutMs` (its own default, 10000, + 5000, as the message says).
    lockTtlMs: options.lockTtlMs === undefined ? undefined : Math.round(positive('lockTtlMs', 15_000)),
    lockWaitMs: tuned('lockWaitMs', fallback('lockWaitMs')),
    pollMs: positive('pollMs', fallback('pollMs')),
    l1Size: Math.round(positive('l1Size', fallback('l1Size'))),
  };
}

/** Where to connect, parsed; undefined for a given `client`. */
export function targetOf(options: RedisTokenStoreOptions): RedisTarget | undefined {
  if (options.client !== undefined) return undefined;
  if (options.url !== undefined) return { kind: 'single', node: parseRedisUrl('url', options.url) };
  if (options.clusterNodes !== undefined) return { kind: 'cluster', nodes: options.clusterNodes.map((node) => parseRedisUrl('clusterNodes', node)) };
  if (options.sentinels !== undefined) {
    return { kind: 'sentinel', sentinels: options.sentinels.map((node) => parseRedisUrl('sentinels', node)), masterName: options.sentinelMaster! };
  }
  if (options.target !== undefined) return options.target;
  throw invalid('store', 'redisTokenStore() needs `client` (an ioredis instance), `url`, `clusterNodes` or `sentinels`.');
}
