// Issue 15: with the Redis store, each back end's token is shared across the fleet, as the
// middleware's own token is. Two middlewares stand for two processes, each with its own connection.
import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import { mcaOAuth, type McaOAuthMiddleware, type McaOAuthOptions } from '../../lib';
import { redisTokenStore, type RedisTokenStore } from '../../lib/redis';
import { describeWithRedis, startRedisServer, type RedisServer } from '../helpers/redis-server';
import { startClaimsTokenServer, type ClaimsTokenServer } from '../helpers/claims-token-server';
import { startIamServer } from '../helpers/iam-server';
import { captureRedisStoreWarnings } from '../helpers/process-warnings';

// Redis refuses or fails the store on purpose here: its warnings are checked, not printed.
captureRedisStoreWarnings();

// The fleet's shared key (32 random bytes, base64), as every process of a fleet has it.
const FLEET_KEY = randomBytes(32).toString('base64');

describeWithRedis('per-back-end tokens on the Redis store', () => {
  let redis: RedisServer;
  let tokens: ClaimsTokenServer;
  const open: McaOAuthMiddleware[] = [];
  const stores: RedisTokenStore[] = [];
  beforeAll(async () => {
    redis = await startRedisServer();
  });
  afterAll(async () => {
    await redis.stop();
  });
  beforeEach(async () => {
    tokens = await startClaimsTokenServer({ 'main-client': 'main-secret', 'inv-client': 'inv-secret' });
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((m) => m.close()));
    await Promise.all(stores.splice(0).map((s) => s.close()));
    await tokens.close();
  });

  const instance = (
    protectedBackends: McaOAuthOptions['protectedBackends'] = [
      { match: 'https://orders.example.com', audience: 'orders-api', name: 'orders' },
      { match: 'https://inventory.example.com', clientId: 'inv-client', secret: 'inv-secret', name: 'inventory' },
    ],
  ): McaOAuthMiddleware => {
    // Each "process" has its own store and connection. This suite is about what the fleet shares,
    // not about the per-command bound (the fault suites are): with the default 100 ms, a CPU starved
    // by other work turned a slow answer into a local fetch, and B fetched its own tokens.
    const store = redisTokenStore({ url: redis.url, fleetKey: FLEET_KEY, storeTimeoutMs: 10_000 });
    stores.push(store);
    const m = mcaOAuth({
      env: {},
      store,
      envFile: false,
      clientId: 'main-client',
      secret: 'main-secret',
      tokenUrl: tokens.url,
      protectedBackends,
    });
    open.push(m);
    return m;
  };

  it('each back end’s token is fetched once for the fleet, and each is its own', async () => {
    const a = instance();
    const b = instance();
    const fromA = [await a.authorization('orders'), await a.authorization('inventory'), await a.authorization()];
    const fromB = [await b.authorization('orders'), await b.authorization('inventory'), await b.authorization()];
    expect(fromB).toEqual(fromA);
    expect(new Set(fromA).size).toBe(3);
    expect(tokens.issued.map((t) => t.claims)).toEqual([
      { client: 'main-client', audience: 'orders-api' },
      { client: 'inv-client' },
      { client: 'main-client' },
    ]);
    // B read each token from Redis: it started no fetch of its own.
    expect(Object.values(b.stats()).map((s) => s.fetches)).toEqual([0, 0, 0]);
    expect(Object.values(a.stats()).map((s) => s.fetches)).toEqual([1, 1, 1]);
    const raw = new Redis(redis.url);
    try {
      expect(await raw.keys('mca:*:token')).toHaveLength(3);
    } finally {
      raw.disconnect();
    }
  });

  it('IAM entries next to the MCA token: each API key’s token is fetched once for the fleet, and two keys never share one', async () => {
    const keys = ['fleet-Key_0123456789abcdefghijklmnopqrstuvwx', 'fleet-Key_zyxwvutsrqponmlkjihgfedcba987654'];
    const iam = await startIamServer({ apikeys: keys });
    try {
      const entries = keys.map((apikey, i) => ({ match: `https://cos${i}.example.com`, apikey, iamUrl: iam.url, name: `cos${i}` }));
      const a = instance(entries);
      const b = instance(entries);
      const fromA = [await a.authorization('cos0'), await a.authorization('cos1'), await a.authorization()];
      const fromB = [await b.authorization('cos0'), await b.authorization('cos1'), await b.authorization()];
      expect(fromB).toEqual(fromA);
      expect(fromA.slice(0, 2)).toEqual(iam.issued.map((t) => `Bearer ${t}`));
      expect(iam.requests.map((r) => keys.indexOf(new URLSearchParams(r.body).get('apikey')!))).toEqual([0, 1]);
      expect(Object.values(b.stats()).map((s) => s.fetches)).toEqual([0, 0, 0]);
      const raw = new Redis(redis.url);
      try {
        const names = await raw.keys('mca:*');
        for (const key of keys) expect(names.join('\n')).not.toContain(key);
      } finally {
        raw.disconnect();
      }
    } finally {
      await iam.close();
    }
  });
});
