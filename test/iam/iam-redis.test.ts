import Redis from 'ioredis';
import { createTokenProvider, type TokenProvider } from '../../lib';
import { redisTokenStore, type RedisTokenStore } from '../../lib/redis';
import { resolveProviderConfig } from '../../lib/settings/resolve-config';
import { startIamServer, type IamServer } from '../helpers/iam-server';
import { describeWithRedis, startRedisServer, type RedisServer } from '../helpers/redis-server';
import { FLEET_KEY } from '../helpers/redis-fleet';
import { captureRedisStoreWarnings } from '../helpers/process-warnings';

// Redis refuses or fails the store on purpose here: its warnings are checked, not printed.
captureRedisStoreWarnings();

// An IAM API key in a fleet: the processes share one token through Redis, and nothing in Redis
// (names or values) holds the key, its fingerprint or the token in clear.
const APIKEY = 'fleet-Key_0123456789abcdefghijklmnopqrstuvwx';

describeWithRedis('the IAM API key grant with the Redis fleet store', () => {
  let redis: RedisServer;
  let iam: IamServer;
  const cleanup: (() => Promise<unknown> | unknown)[] = [];
  beforeAll(async () => {
    redis = await startRedisServer();
    iam = await startIamServer({ apikeys: [APIKEY] });
  });
  afterAll(async () => {
    for (const step of cleanup.reverse()) await step();
    await iam.close();
    await redis.stop();
  });

  function provider(): TokenProvider {
    const store: RedisTokenStore = redisTokenStore({ url: redis.url, fleetKey: FLEET_KEY, storeTimeoutMs: 1_000 });
    const p = createTokenProvider({ env: {}, envFile: false, apikey: APIKEY, iamUrl: iam.url, store });
    cleanup.push(
      () => store.close(),
      () => p.close(),
    );
    return p;
  }

  it('two providers (as two processes would) share one IAM token; Redis holds no key, fingerprint or token', async () => {
    const a = provider();
    const b = provider();
    const header = await a.getAuthorizationHeader();
    await expect(b.getAuthorizationHeader()).resolves.toBe(header);
    expect(iam.requests).toHaveLength(1);
    const raw = new Redis(redis.url);
    try {
      const keys = await raw.keys('*');
      const values = await Promise.all(
        keys.map(async (k) => ((await raw.type(k)) === 'zset' ? (await raw.zrange(k, '0', '-1')).join(' ') : ((await raw.get(k)) ?? ''))),
      );
      const fingerprint = resolveProviderConfig({ env: {}, envFile: false, apikey: APIKEY, iamUrl: iam.url }).auth.cacheKeyParts[0]!;
      const everything = [...keys, ...values].join('\n');
      expect(keys.length).toBeGreaterThan(0);
      for (const secret of [APIKEY, fingerprint, a.cacheKey, header.slice('Bearer '.length)]) expect(everything).not.toContain(secret);
    } finally {
      raw.disconnect();
    }
  });
});
