import Redis from 'ioredis';
import { createTokenProvider, type TokenProvider } from '../../lib';
import { redisTokenStore, type RedisTokenStore } from '../../lib/redis';
import { startRedisServer, type RedisServer } from './redis-server';
import { startTokenServer, type TokenServer } from './token-server';
import { FLEET_KEY, credentials } from './redis-fleet';

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

/** Polls Redis until `check` holds (writes land in the background, after the caller's answer); at most 5 s. */
export async function eventually(check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('Redis never reached the expected state');
}

/**
 * A process of the fleet: its own store (own connection, own memory) and provider on the suite's
 * Redis and token server, closed by `cleanup`; `codes` collects its `store-error` codes.
 */
export function fleetMember(
  redis: RedisServer,
  tokens: TokenServer,
  cleanup: (() => Promise<unknown> | unknown)[],
  storeSettings: Record<string, unknown> = {},
  providerSettings: Record<string, unknown> = {},
): { provider: TokenProvider; store: RedisTokenStore; codes: string[] } {
  const store = redisTokenStore({ url: redis.url, fleetKey: FLEET_KEY, storeTimeoutMs: 1_000, ...storeSettings });
  const provider = createTokenProvider({ ...credentials(tokens), store, ...providerSettings });
  const codes: string[] = [];
  provider.on('store-error', (e: Error & { code?: string }) => codes.push(e.code ?? ''));
  cleanup.push(async () => {
    await provider.close();
    await store.close();
  });
  return { provider, store, codes };
}
