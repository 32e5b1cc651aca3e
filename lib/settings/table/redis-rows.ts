// The rows of the Redis token store's settings: the options of `redisTokenStore()` and the
// MCA_REDIS_* variables the middleware and the provider build a store from. (Checked against
// RedisTokenStoreOptions in test/settings-table.test.ts: a type import here would point the settings
// layer at the store that imports it.)
import { MAX_TIMER_MS } from '../option-checks';
import type { SettingSpec } from './setting-row';

const timer = (variable: string, fallback: number, doc: string): SettingSpec => ({
  group: 'redis',
  kind: 'number',
  env: [variable],
  fallback,
  bounds: { integer: true, min: 1, max: MAX_TIMER_MS },
  doc,
});

export const STORE_ROWS = {
  client: { group: 'redis', kind: 'object', doc: 'An ioredis client (`Redis` or `Cluster`); the store never closes it.' },
  url: { group: 'redis', kind: 'url', secret: true, env: ['MCA_REDIS_URL'], doc: '`redis://[user:password@]host:port[/db]` (`rediss://` for TLS).' },
  clusterNodes: { group: 'redis', kind: 'list', secret: true, env: ['MCA_REDIS_CLUSTER_NODES'], doc: 'Seed nodes of a Redis Cluster, as redis:// URLs.' },
  sentinels: { group: 'redis', kind: 'list', secret: true, env: ['MCA_REDIS_SENTINELS'], doc: 'Sentinels, as redis:// URLs.' },
  sentinelMaster: { group: 'redis', kind: 'string', env: ['MCA_REDIS_SENTINEL_MASTER'], doc: 'The master name the sentinels monitor.' },
  target: { group: 'redis', kind: 'object', internal: true, doc: 'A target already parsed from the environment.' },
  fleetKey: {
    group: 'redis',
    kind: 'key material',
    secret: true,
    env: ['MCA_REDIS_FLEET_KEY'],
    default: 'required',
    doc: 'At least 32 random bytes, the same in every process: keys the names and the encryption.',
  },
  prefix: { group: 'redis', kind: 'string', fallback: 'mca:', default: "`'mca:'`", doc: 'Prefix of every key.' },
  encrypt: { group: 'redis', kind: 'boolean', fallback: true, doc: 'Encrypt tokens at rest (AES-256-GCM).' },
  storeTimeoutMs: timer('MCA_REDIS_TIMEOUT_MS', 100, 'A Redis command slower than this counts as a failure.'),
  connectTimeoutMs: timer('MCA_REDIS_CONNECT_TIMEOUT_MS', 5_000, 'How long a command waits for a client that is still connecting.'),
  backoffMs: timer('MCA_REDIS_BACKOFF_MS', 1_000, 'After a failure, Redis is skipped this long.'),
  lockTtlMs: { group: 'redis', kind: 'number', default: "the provider's `timeoutMs` + 5000", doc: 'Lifetime of the fetch lock, renewed while it runs.' },
  lockWaitMs: timer('MCA_REDIS_LOCK_WAIT_MS', 2_000, "Longest wait on another process's fetch without a sign of life from it."),
  pollMs: { group: 'redis', kind: 'number', fallback: 50, doc: "How often a waiting process looks for another one's token." },
  l1Size: {
    group: 'redis',
    kind: 'number',
    fallback: 100,
    doc: "Tokens each process keeps in memory in front of Redis (from env: the provider's `cacheSize`).",
  },
} satisfies Record<string, SettingSpec>;

/** Settings that only a variable gives. */
export const VARIABLE_ROWS: Record<string, SettingSpec> = {
  redisServiceName: {
    group: 'redis',
    kind: 'string',
    env: ['MCA_REDIS_SERVICE_NAME'],
    vcap: ['instance `name`'],
    doc: 'Use the bound Redis service of this name (its `uri`/`url`, or `host` and `port`).',
  },
};
