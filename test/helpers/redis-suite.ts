import Redis from 'ioredis';
import { startRedisServer, type RedisServer } from './redis-server';
import { startTokenServer, type TokenServer } from './token-server';

/** What a Redis store suite works with in each test. */
export interface RedisSuiteParts {
  redis: RedisServer;
  tokens: TokenServer;
  /** A plain client on the suite's Redis, emptied before each test. */
  raw: Redis;
}

/**
 * Call inside `describeWithRedis`: one redis-server for the block; for each test a token server,
 * a raw client on an emptied Redis (handed to `set`), and afterwards `cleanup`'s steps in reverse.
 */
export function useRedisSuite(set: (parts: RedisSuiteParts) => void, cleanup: (() => Promise<unknown> | unknown)[]): void {
  let redis: RedisServer;
  let parts: RedisSuiteParts;
  beforeAll(async () => {
    redis = await startRedisServer();
  });
  afterAll(async () => {
    await redis.stop();
  });
  beforeEach(async () => {
    const tokens = await startTokenServer();
    const raw = new Redis(redis.url, { lazyConnect: true });
    await raw.connect();
    await raw.flushall();
    parts = { redis, tokens, raw };
    set(parts);
  });
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
    // A client a test already disconnected keeps ioredis's 2 s disconnect timer alive if told again.
    if (parts.raw.status !== 'end') parts.raw.disconnect();
    await parts.tokens.close();
  });
}
