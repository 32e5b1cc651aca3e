// What the generation counter in Redis may hold (issue 22's mutation run found these unheld): the
// fleet writes it as a plain decimal time; anything else (a sign, an exponent, hex, spaces, a
// fraction) is no member's and is reported as poisoned, as is a time more than a day ahead. A
// member whose clock runs a minute ahead is one of the fleet: its counter is taken as Redis's word.
// A token whose counter is gone (evicted alone, or deleted) is a miss, not a token to trust.
import Redis from 'ioredis';
import type { TokenProvider } from '../../lib';
import type { TokenServer } from '../helpers/token-server';
import { describeWithRedis, type RedisServer } from '../helpers/redis-server';
import { eventually, fleetMember, useRedisSuite } from '../helpers/redis-suite';
import { captureRedisStoreWarnings } from '../helpers/process-warnings';

// Redis holds bad counters on purpose here: the store's warnings are checked, not printed.
captureRedisStoreWarnings();

const DAY_MS = 86_400_000;

describeWithRedis('the generation counter', () => {
  let redis: RedisServer;
  let tokens: TokenServer;
  let raw: Redis;
  const cleanup: (() => Promise<unknown> | unknown)[] = [];
  useRedisSuite((parts) => ({ redis, tokens, raw } = parts), cleanup);

  const member = (): { provider: TokenProvider; codes: string[] } => fleetMember(redis, tokens, cleanup);

  /** A member fetches and writes; answers the names of its token and counter. */
  async function written(): Promise<{ token: string; counter: string }> {
    await member().provider.getAuthorizationHeader();
    await eventually(async () => (await raw.keys('mca:*:gen')).length === 1 && (await raw.keys('mca:*:token')).length === 1);
    const token = (await raw.keys('mca:*:token'))[0]!;
    return { token, counter: token.replace(/:token$/, ':gen') };
  }

  it.each([['-5'], ['1e3'], ['0x10'], [' 12'], ['12 '], ['1.5'], ['12abc']])(
    'a counter of %p is no member’s: reported as poisoned, and the caller still gets a token',
    async (value) => {
      const { counter } = await written();
      await raw.set(counter, value, 'KEEPTTL');
      const reader = member();
      await expect(reader.provider.getAuthorizationHeader()).resolves.toMatch(/^Bearer tok-/);
      expect(reader.codes).toContain('ERR_MCA_STORE_POISONED');
    },
  );

  it('a counter a minute ahead (a member whose clock runs fast) is Redis’s word, not poison: the older token is refused as a rollback, and the next write goes past it', async () => {
    const { token, counter } = await written();
    const ahead = Date.now() + 60_000;
    await raw.set(counter, String(ahead), 'KEEPTTL');
    const reader = member();
    await expect(reader.provider.getAuthorizationHeader()).resolves.toBe('Bearer tok-2');
    expect(reader.codes).toContain('ERR_MCA_STORE_ROLLBACK');
    expect(reader.codes).not.toContain('ERR_MCA_STORE_POISONED');
    // The reader's write is numbered past the counter, not by its own clock: Redis takes it, and
    // the fleet shares it.
    await eventually(async () => Number(await raw.get(counter)) > ahead);
    await expect(member().provider.getAuthorizationHeader()).resolves.toBe('Bearer tok-2');
    expect(tokens.requests).toHaveLength(2);
    expect(await raw.exists(token)).toBe(1);
  });

  it('a counter more than a day ahead is poisoned', async () => {
    const { counter } = await written();
    await raw.set(counter, String(Date.now() + DAY_MS + 60_000), 'KEEPTTL');
    const reader = member();
    await reader.provider.getAuthorizationHeader();
    expect(reader.codes).toContain('ERR_MCA_STORE_POISONED');
    expect(reader.codes).not.toContain('ERR_MCA_STORE_ROLLBACK');
  });

  it('a poisoning after Redis held a valid counter again is reported again', async () => {
    const { token, counter } = await written();
    const reader = member();
    await raw.set(counter, '-1', 'KEEPTTL');
    await reader.provider.getAuthorizationHeader();
    // The reader's own write replaces the poisoned counter with a valid one.
    await eventually(async () => /^\d+$/.test((await raw.get(counter)) ?? ''));
    // An invalidation deletes the token and moves the counter on (a valid one); then the poison again.
    reader.provider.invalidate();
    await eventually(async () => (await raw.exists(token)) === 0);
    await raw.set(counter, '-2', 'KEEPTTL');
    await reader.provider.getAuthorizationHeader();
    expect(reader.codes.filter((code) => code === 'ERR_MCA_STORE_POISONED')).toHaveLength(2);
  });

  it('a token whose counter is gone is a miss: the next process fetches and writes both again', async () => {
    const { token, counter } = await written();
    await raw.del(counter);
    const reader = member();
    await expect(reader.provider.getAuthorizationHeader()).resolves.toBe('Bearer tok-2');
    expect(tokens.requests).toHaveLength(2);
    await eventually(async () => (await raw.exists(counter, token)) === 2);
    expect(reader.codes).toEqual([]);
  });
});
