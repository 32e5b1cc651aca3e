import { isIP } from 'node:net';
import type { EventEmitter } from 'node:events';
import { dirname } from 'node:path';
import { McaConfigError } from '../errors/mca-config-error';
import type { RedisEndpoint, RedisTarget } from '../settings/redis-binding';
import type { StoreTopology } from './store-health';

/**
 * The part of an ioredis client (single node, Sentinel or Cluster) the store uses. Typed here
 * rather than imported, so that the package's types do not require ioredis (an optional peer).
 */
export interface RedisClientLike {
  get(key: string): Promise<string | null>;
  /** Both keys of one configuration share a hash tag, so this works on a Cluster too. */
  mget(...keys: string[]): Promise<(string | null)[]>;
  // ioredis types these with dozens of overloads; a rest signature is what they all satisfy.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  set(...args: any[]): Promise<unknown>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  eval(...args: any[]): Promise<unknown>;
  quit(): Promise<unknown>;
  disconnect(): void;
}

type RedisConstructor = (new (options: Record<string, unknown>) => RedisClientLike) & {
  Cluster: new (nodes: { host: string; port: number }[], options: Record<string, unknown>) => RedisClientLike;
};

/** Loads ioredis now, not at import: importing the package never loads a Redis client. */
function loadIoredis(): RedisConstructor {
  let loaded: { default?: unknown };
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    loaded = require('ioredis') as { default?: unknown };
  } catch {
    // Only the require is wrapped: a bad URL or option must not read as "not installed".
    throw new McaConfigError(
      'ERR_MCA_REDIS_CLIENT_MISSING',
      'A Redis store was asked for, but the `ioredis` package is not installed. Run `npm install ioredis`, or unset MCA_REDIS_URL / MCA_REDIS_CLUSTER_NODES / MCA_REDIS_SENTINELS / MCA_REDIS_SERVICE_NAME.',
      { field: 'store' },
    );
  }
  silenceClientDebug();
  return (loaded.default ?? loaded) as RedisConstructor;
}

/**
 * ioredis's own `ioredis:*` debug log prints every command it writes, AUTH and HELLO with the
 * password included. When DEBUG turns it on, turn that namespace (only) back off, with a warning:
 * a password in a log is worse than a quieter log.
 */
function silenceClientDebug(): void {
  try {
    // The `debug` instance ioredis itself resolves, which may not be ours.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const debug = require(require.resolve('debug', { paths: [dirname(require.resolve('ioredis'))] })) as {
      enabled(name: string): boolean;
      enable(namespaces: string): void;
      disable(): string;
    };
    if (!debug.enabled('ioredis:redis') && !debug.enabled('ioredis:connection')) return;
    const current = debug.disable();
    debug.enable(`${current},-ioredis:*`);
    process.emitWarning('DEBUG enables ioredis:*, which logs the Redis password (AUTH/HELLO). express-mca-oauth turned ioredis:* off.', {
      code: 'MCA_REDIS_DEBUG_SILENCED',
    });
  } catch {
    // No `debug` next to ioredis: nothing can print.
  }
}

function auth(node: RedisEndpoint): Record<string, unknown> {
  return {
    ...(node.username !== undefined ? { username: node.username } : {}),
    ...(node.password !== undefined ? { password: node.password } : {}),
    // SNI takes a host name only: Node warns (DEP0123) on an IP, and checks an IP against the
    // certificate's IP addresses without it.
    ...(node.tls ? { tls: isIP(node.host) === 0 ? { servername: node.host } : {} } : {}),
  };
}

// Commands issued while (re)connecting wait in ioredis's queue; the store's own timeout bounds what
// a caller waits, and one failed reconnect attempt flushes the queue, so it stays small.
const COMMON = { enableOfflineQueue: true, maxRetriesPerRequest: 1, connectTimeout: 2_000 };

const ignore = (): void => undefined;

/**
 * ioredis (6.0) listens for its socket's first 'error' only (`stream.once`). A TLS socket can raise
 * two: the certificate the client refuses (an untrusted CA), then the server's alert answering the
 * abort (ERR_SSL_TLSV1_ALERT_DECODE_ERROR). The second, with no listener left, is an uncaught
 * exception: it ended the application's process (and, under load, failed the rediss:// test). The
 * client has reported the failure with the first and reconnects on a new socket; what the old
 * socket raises after that is dropped.
 */
function keepSocketErrorsCaught<T extends RedisClientLike>(client: T): T {
  const emitter = client as unknown as EventEmitter & { stream?: EventEmitter };
  emitter.on?.('error', () => {
    const stream = emitter.stream;
    if (stream !== undefined && typeof stream.listenerCount === 'function' && stream.listenerCount('error') === 0) stream.on('error', ignore);
  });
  return client;
}

/**
 * Connects to a single node, a Cluster or a Sentinel-managed master. Settings come parsed
 * (`parseRedisUrl`), so what was validated at startup is exactly what connects.
 */
export function connectRedis(target: RedisTarget): RedisClientLike {
  const Redis = loadIoredis();
  if (target.kind === 'single') {
    const { host, port, db } = target.node;
    return keepSocketErrorsCaught(new Redis({ ...COMMON, host, port, ...(db !== undefined ? { db } : {}), ...auth(target.node) }));
  }
  if (target.kind === 'cluster') {
    const [first] = target.nodes as [RedisEndpoint];
    return new Redis.Cluster(
      target.nodes.map(({ host, port }) => ({ host, port })),
      { enableOfflineQueue: true, maxRedirections: 8, slotsRefreshTimeout: 2_000, redisOptions: { ...COMMON, ...auth(first) } },
    );
  }
  const [first] = target.sentinels as [RedisEndpoint];
  return keepSocketErrorsCaught(
    new Redis({
      ...COMMON,
      sentinels: target.sentinels.map(({ host, port }) => ({ host, port })),
      name: target.masterName,
      // The sentinels' credentials and TLS serve the master too: the common deployment. Anything
      // else: build the ioredis client yourself and pass it as `client`.
      ...auth(first),
      ...(first.username !== undefined ? { sentinelUsername: first.username } : {}),
      ...(first.password !== undefined ? { sentinelPassword: first.password } : {}),
      ...(first.tls ? { enableTLSForSentinelMode: true, sentinelTLS: {} } : {}),
      // A demoted master's READONLY means "reconnect and ask the sentinels again", resending the
      // command. (ioredis's `failoverDetector` is left off: its sentinel subscriptions outlived
      // quit() in our tests and kept reconnecting to a stopped sentinel.)
      reconnectOnError: (error: Error) => (error.message.startsWith('READONLY') ? 2 : false),
      sentinelRetryStrategy: (times: number) => Math.min(times * 100, 1_000),
    }),
  );
}

/** What a user-built ioredis client connects to: `Cluster` says `isCluster`, a Sentinel client has `sentinels`. */
export function topologyOf(client: unknown): StoreTopology {
  const c = client as { isCluster?: unknown; options?: { sentinels?: unknown } } | undefined;
  if (c?.isCluster === true) return 'cluster';
  return Array.isArray(c?.options?.sentinels) && c.options.sentinels.length > 0 ? 'sentinel' : 'single';
}
