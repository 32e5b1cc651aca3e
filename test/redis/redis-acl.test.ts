// The README's ACL line is exactly enough: a user with it shares tokens and raises no store-error;
// a user without one of the script's commands gets NOPERM with the fix, and callers their tokens.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Redis from 'ioredis';
import { createTokenProvider } from '../../lib';
import { redisTokenStore } from '../../lib/redis';
import { startTokenServer, type TokenServer } from '../helpers/token-server';
import { describeWithRedis, startRedisServer, type RedisServer } from '../helpers/redis-server';
import { FLEET_KEY, credentials } from '../helpers/redis-fleet';
import { captureRedisStoreWarnings } from '../helpers/process-warnings';

// Redis refuses or fails the store on purpose here: its warnings are checked, not printed.
const storeWarnings = captureRedisStoreWarnings();

/** The ACL SETUSER rules the fleet guide gives, without the user name and password. */
function readmeRules(): string[] {
  const readme = readFileSync(join(__dirname, '..', '..', 'docs', 'fleet.md'), 'utf8');
  const line = /^ACL SETUSER mca-tokens on >password (.+)$/m.exec(readme)![1]!;
  return line.split(' ');
}

describeWithRedis("the README's ACL commands", () => {
  let redis: RedisServer;
  let tokens: TokenServer;
  let admin: Redis;

  beforeAll(async () => {
    redis = await startRedisServer();
    admin = new Redis(redis.url);
  });
  afterAll(async () => {
    admin.disconnect();
    await redis.stop();
  });
  beforeEach(async () => {
    tokens = await startTokenServer();
    await admin.flushall();
  });
  afterEach(() => tokens.close());

  async function fleetAs(user: string, rules: string[]): Promise<{ posts: number; codes: string[]; messages: string[] }> {
    await admin.call('ACL', 'SETUSER', user, 'reset', 'on', '>pw', ...rules);
    const stores = [0, 1].map(() => redisTokenStore({ url: `redis://${user}:pw@127.0.0.1:${redis.port}`, fleetKey: FLEET_KEY, storeTimeoutMs: 1_000 }));
    const providers = stores.map((store) => createTokenProvider({ ...credentials(tokens), store }));
    const codes: string[] = [];
    const messages: string[] = [];
    providers.forEach((p) => p.on('store-error', (e: Error & { code?: string }) => (codes.push(e.code ?? ''), messages.push(e.message))));
    try {
      await providers[0]!.getAuthorizationHeader();
      // The write lands in the background; then the second process takes the token.
      for (let i = 0; i < 200 && (await admin.keys('mca:*:token')).length === 0 && codes.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
      await providers[1]!.getAuthorizationHeader();
      providers[0]!.invalidate();
      await providers[0]!.getAuthorizationHeader();
      await new Promise((r) => setTimeout(r, 100));
    } finally {
      await Promise.all(providers.map((p) => p.close()));
      await Promise.all(stores.map((s) => s.close()));
    }
    return { posts: tokens.requests.length, codes, messages };
  }

  it('a user with exactly those rules shares tokens; no store-error', async () => {
    storeWarnings.take();
    const run = await fleetAs('fleet-ok', readmeRules());
    expect(run.codes).toEqual([]);
    expect(run.posts).toBe(2);
    expect(storeWarnings.take()).toEqual([]);
  });

  it('a user without +zadd (a command inside a script) gets NOPERM with the fix; callers still get tokens', async () => {
    const run = await fleetAs(
      'fleet-short',
      readmeRules().filter((rule) => rule !== '+zadd'),
    );
    expect(run.codes).toContain('NOPERM');
    expect(run.messages.join('\n')).toContain('Fix: the Redis user lacks a command or key');
    // The operator also hears of it once as a process warning, with the same fix.
    const warned = storeWarnings.take().map((w) => w.message);
    expect(warned.some((m) => m.includes('(NOPERM: ') && m.includes('Fix: the Redis user lacks a command or key'))).toBe(true);
  });
});

describeWithRedis('a Redis out of memory under noeviction', () => {
  it('the write is refused with OOM: reported with the memory fix; callers still get tokens', async () => {
    const redis = await startRedisServer(['--maxmemory', '4mb', '--maxmemory-policy', 'noeviction']);
    const tokens = await startTokenServer();
    const admin = new Redis(redis.url);
    const store = redisTokenStore({ url: redis.url, fleetKey: FLEET_KEY, storeTimeoutMs: 1_000 });
    const provider = createTokenProvider({ ...credentials(tokens), store });
    const errors: (Error & { code?: string })[] = [];
    provider.on('store-error', (e) => errors.push(e));
    try {
      // Other data, without TTLs, fills memory until Redis refuses writes.
      const filler = 'x'.repeat(64 * 1024);
      for (let i = 0; i < 200; i++) {
        const full = await admin.set(`other:${i}`, filler).then(
          () => false,
          () => true,
        );
        if (full) break;
      }
      await expect(provider.getAuthorizationHeader()).resolves.toBe('Bearer tok-1');
      for (let i = 0; i < 200 && !errors.some((e) => e.code === 'OOM'); i++) await new Promise((r) => setTimeout(r, 10));
      const oom = errors.find((e) => e.code === 'OOM')!;
      expect(oom.message).toContain('Fix: Redis is out of memory');
      expect(storeWarnings.take().some((w) => w.message.includes('(OOM: ') && w.message.includes('Fix: Redis is out of memory'))).toBe(true);
      expect(provider.stats().store!.errors.OOM).toBeGreaterThanOrEqual(1);
    } finally {
      await provider.close();
      await store.close();
      admin.disconnect();
      await tokens.close();
      await redis.stop();
    }
  });
});
