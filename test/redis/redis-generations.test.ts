// The generation that refuses rollbacks, against what operators and intruders do to Redis: lost
// data (FLUSHALL, a restart without persistence) is maintenance, not a rollback; a counter no
// member can have written is refused and reported, never adopted, and the next write replaces it.
import Redis from 'ioredis';
import type { TokenProvider } from '../../lib';
import type { RedisTokenStore } from '../../lib/redis';
import type { TokenServer } from '../helpers/token-server';
import { describeWithRedis, type RedisServer } from '../helpers/redis-server';
import { eventually, fleetMember, useRedisSuite } from '../helpers/redis-suite';
import { captureRedisStoreWarnings } from '../helpers/process-warnings';

// Redis refuses or fails the store on purpose here: its warnings are checked, not printed.
captureRedisStoreWarnings();

describeWithRedis('generations: lost data, poisoned counters', () => {
  let redis: RedisServer;
  let tokens: TokenServer;
  let raw: Redis;
  const cleanup: (() => Promise<unknown> | unknown)[] = [];
  useRedisSuite((parts) => ({ redis, tokens, raw } = parts), cleanup);

  const member = (): { provider: TokenProvider; store: RedisTokenStore; codes: string[] } => fleetMember(redis, tokens, cleanup);

  const written = async (): Promise<string> => {
    await eventually(async () => (await raw.keys('mca:*:token')).length === 1);
    return (await raw.keys('mca:*:token'))[0]!;
  };

  it.each([
    ['FLUSHALL', async () => void (await raw.flushall())],
    [
      'a restart without persistence',
      async () => {
        raw.disconnect();
        await redis.stop();
        await redis.restart();
        raw = new Redis(redis.url, { lazyConnect: true });
        // This client is the test's own: the fixture disconnects the one it made. Left open, it
        // would retry the suite's stopped redis-server forever and hold the Jest worker open.
        const fresh = raw;
        cleanup.push(() => fresh.disconnect());
        await raw.connect();
      },
    ],
  ])(
    'after %s, a running process takes the token a new one wrote: no rollback alarm, no extra POST',
    async (_case, lose) => {
      const a = member();
      await a.provider.getAuthorizationHeader();
      // Generations move on: an invalidation and a new token.
      a.provider.invalidate();
      await expect(a.provider.getAuthorizationHeader()).resolves.toBe('Bearer tok-2');
      await written();
      await lose();
      const c = member();
      await expect(c.provider.getAuthorizationHeader()).resolves.toBe('Bearer tok-3');
      await written();
      a.provider.invalidate();
      await expect(a.provider.getAuthorizationHeader()).resolves.toBe('Bearer tok-3');
      expect(tokens.requests).toHaveLength(3);
      expect([...a.codes, ...c.codes]).not.toContain('ERR_MCA_STORE_ROLLBACK');
    },
    20_000,
  );

  it('a restored older value under a counter that moved on is still a rollback', async () => {
    const a = member();
    await a.provider.getAuthorizationHeader();
    const key = await written();
    const old = (await raw.get(key))!;
    a.provider.invalidate();
    await expect(a.provider.getAuthorizationHeader()).resolves.toBe('Bearer tok-2');
    await eventually(async () => (await raw.get(key)) !== old && (await raw.get(key)) !== null);
    await raw.set(key, old, 'PX', 60_000);
    const fresh = member();
    await expect(fresh.provider.getAuthorizationHeader()).resolves.toBe('Bearer tok-3');
    expect(fresh.codes).toContain('ERR_MCA_STORE_ROLLBACK');
  });

  it('a poisoned counter is refused and reported once, never adopted; the next write replaces it and the fleet shares again', async () => {
    const a = member();
    await a.provider.getAuthorizationHeader();
    const key = await written();
    const counter = key.replace(/:token$/, ':gen');
    // Someone who can write Redis, without the fleet key.
    await raw.set(counter, '9007199254740990', 'KEEPTTL');
    const fleet = [member(), member(), member()];
    for (const m of fleet) await expect(m.provider.getAuthorizationHeader()).resolves.toMatch(/^Bearer tok-[12]$/);
    // One process refuses the poisoned counter and fetches; its write replaces it; the others take that token.
    expect(tokens.requests).toHaveLength(2);
    const codes = fleet.flatMap((m) => m.codes);
    expect(codes.filter((c) => c === 'ERR_MCA_STORE_POISONED')).toHaveLength(1);
    expect(Number(await raw.get(counter))).toBeLessThanOrEqual(Date.now() + 1_000);
    // Nobody adopted it: invalidations and new tokens go on being shared.
    for (const m of fleet) m.provider.invalidate();
    await Promise.all(fleet.map((m) => m.provider.getAuthorizationHeader()));
    expect(tokens.requests.length).toBeLessThanOrEqual(4);
    expect(Number(await raw.get(counter))).toBeLessThanOrEqual(Date.now() + 1_000);
  });

  it('cleaning Redis after a poisoning restores sharing without restarts', async () => {
    const fleet = [member(), member()];
    await Promise.all(fleet.map((m) => m.provider.getAuthorizationHeader()));
    const key = await written();
    await raw.set(key.replace(/:token$/, ':gen'), '99999999999999999999');
    // Both processes meet the poisoned counter.
    for (const m of fleet) m.provider.invalidate();
    await Promise.all(fleet.map((m) => m.provider.getAuthorizationHeader()));
    await raw.flushall();
    for (const m of fleet) m.provider.invalidate();
    const before = tokens.requests.length;
    await fleet[0]!.provider.getAuthorizationHeader();
    await written();
    await fleet[1]!.provider.getAuthorizationHeader();
    expect(tokens.requests.length - before).toBe(1);
  });
});
