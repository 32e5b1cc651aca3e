/**
 * The part of an ioredis client the store uses. Typed here rather than imported, so that the
 * package's types do not require ioredis (an optional peer dependency) to be installed.
 */
export interface RedisClientLike {
  get(key: string): Promise<string | null>;
  // ioredis types these with dozens of overloads; a rest signature is what they all satisfy. The
  // store calls them as SET key value PX ms [NX] and EVAL script 1 key arg.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  set(...args: any[]): Promise<unknown>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  eval(...args: any[]): Promise<unknown>;
  quit(): Promise<unknown>;
  disconnect(): void;
}

/** Compare-and-delete: drops a key only while it still holds the value this process wrote. */
export const COMPARE_AND_DELETE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

/** Connects with ioredis, loaded only now: importing the package never loads a Redis client. */
export function connectRedis(url: string): RedisClientLike {
  let Redis: new (url: string, options: Record<string, unknown>) => RedisClientLike;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const loaded = require('ioredis') as { default?: unknown };
    Redis = (loaded.default ?? loaded) as typeof Redis;
  } catch {
    throw Object.assign(new Error('ioredis is not installed'), { code: 'MODULE_NOT_FOUND' });
  }
  return new Redis(url, {
    // Commands issued while (re)connecting wait in ioredis's queue; the store's own timeout bounds
    // what a caller waits, and one failed reconnect attempt flushes the queue, so it stays small.
    enableOfflineQueue: true,
    maxRetriesPerRequest: 1,
  });
}
