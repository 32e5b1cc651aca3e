// What a fleet key may be written as, and what is refused (issue 22's mutation run found these
// unheld): one key is one key however the operator spells it (hex in either case, base64,
// base64url, a trailing newline from a file or a secret manager, a Buffer), so the processes of a
// fleet that spell it differently still share tokens; a value that is not cleanly one of those, or
// holds too few random bytes, is refused with a message that names where it came from and the fix.
import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import { createTokenProvider, isMcaConfigError, type TokenProvider } from '../../lib';
import { redisTokenStore } from '../../lib/redis';
import type { TokenServer } from '../helpers/token-server';
import { describeWithRedis, type RedisServer } from '../helpers/redis-server';
import { useRedisSuite } from '../helpers/redis-suite';
import { credentials } from '../helpers/redis-fleet';
import { captureRedisStoreWarnings } from '../helpers/process-warnings';

captureRedisStoreWarnings();

const HOW = 'openssl rand -base64 32';

function refusal(build: () => unknown): { code: string; message: string } {
  try {
    const store = build() as { close(): Promise<void> };
    void store.close();
  } catch (error) {
    expect(isMcaConfigError(error)).toBe(true);
    // Every refusal here names the setting, for code that reports it.
    expect((error as { field?: string }).field).toBe('fleetKey');
    return error as { code: string; message: string };
  }
  throw new Error('the fleet key was accepted');
}

/** A store over a client that never connects: only the parsing of its options runs. */
function storeWith(fleetKey: unknown): { close(): Promise<void> } {
  const client = new Redis({ lazyConnect: true });
  try {
    const store = redisTokenStore({ client, fleetKey: fleetKey as string });
    return { close: async () => (await store.close(), client.disconnect()) };
  } catch (error) {
    client.disconnect();
    throw error;
  }
}

/** 32 bytes holding exactly `distinct` different values (the rest repeat the first ones). */
function bytesWithDistinct(distinct: number, length = 32): Buffer {
  const values = randomBytes(256).reduce<number[]>((found, byte) => (found.includes(byte) || found.length === distinct ? found : [...found, byte]), []);
  return Buffer.from(Array.from({ length }, (_, i) => values[i % distinct]!));
}

/** Random bytes whose base64 starts with a letter that is no hex digit and ends in a hex digit, unpadded. */
function base64EndingInHex(length: number): string {
  for (;;) {
    const text = randomBytes(length).toString('base64');
    if (/^[g-zG-Z].*[0-9a-f]$/.test(text)) return text;
  }
}

describe('what a fleet key may be', () => {
  it.each([
    ['exactly 32 bytes with exactly 16 distinct values', bytesWithDistinct(16).toString('base64')],
    ['exactly 32 bytes, as hex', randomBytes(32).toString('hex')],
    ['a Buffer', randomBytes(32)],
    ['48 bytes as base64 that ends in hex digits and has an even length, as hex has', base64EndingInHex(48)],
    ['a list of four keys', Array.from({ length: 4 }, () => randomBytes(32).toString('base64')).join(',')],
    ['a list with spaces around the commas and a trailing comma', ` ${randomBytes(32).toString('base64')} , ${randomBytes(32).toString('hex')} ,`],
  ])('accepts %s', async (_case, fleetKey) => {
    await storeWith(fleetKey).close();
  });

  it.each([
    ['31 bytes', randomBytes(31).toString('base64')],
    ['32 bytes holding only 15 distinct values', bytesWithDistinct(15).toString('base64')],
    ['a key followed by something that is not base64', `${randomBytes(32).toString('base64')}!`],
    ['a key followed by a second word', `${randomBytes(32).toString('base64')} ${randomBytes(32).toString('base64')}`],
    ['a key preceded by something that is not base64', `*${randomBytes(32).toString('base64')}`],
    ['base64 with three padding characters', `${randomBytes(32).toString('base64').replace(/=+$/, '')}===`],
    ['a Buffer of 31 bytes', randomBytes(31)],
  ])('refuses %s, naming the option and the fix without echoing the key', (_case, fleetKey) => {
    const error = refusal(() => storeWith(fleetKey));
    expect(error.code).toBe('ERR_MCA_INVALID_FLEET_KEY');
    // A single key is named as such (not as the first of a list).
    expect(error.message).toContain('(from the `fleetKey` option): it must be at least 32 random bytes');
    expect(error.message).toContain(HOW);
    if (typeof fleetKey === 'string') expect(error.message).not.toContain(fleetKey.trim());
  });

  it.each([
    ['five keys', Array.from({ length: 5 }, () => randomBytes(32).toString('base64')).join(','), 'give 1 to 4 keys separated by commas'],
    ['commas only', ' , ,', 'give 1 to 4 keys separated by commas'],
  ])('refuses a list of %s, and says how many keys a list holds', (_case, fleetKey, why) => {
    const error = refusal(() => storeWith(fleetKey));
    expect(error.code).toBe('ERR_MCA_INVALID_FLEET_KEY');
    expect(error.message).toContain(why);
    expect(error.message).toContain(HOW);
  });

  it('refuses a list that holds the same key twice, even spelt two ways', () => {
    const key = randomBytes(32);
    const error = refusal(() => storeWith(`${key.toString('base64')},${key.toString('hex')}`));
    expect(error.code).toBe('ERR_MCA_INVALID_FLEET_KEY');
    expect(error.message).toContain('a key is listed twice');
  });

  it('names which key of a list is wrong', () => {
    const error = refusal(() => storeWith(`${randomBytes(32).toString('base64')},${randomBytes(8).toString('base64')}`));
    expect(error.message).toContain('from the `fleetKey` option, key 2');
  });

  it('names MCA_REDIS_FLEET_KEY when the key came from there, and takes an empty one for none', () => {
    const base = { clientId: 'c', secret: 's', tokenUrl: 'http://127.0.0.1:1/token', envFile: false as const };
    const wrong = refusal(() => createTokenProvider({ ...base, env: { MCA_REDIS_URL: 'redis://127.0.0.1:1', MCA_REDIS_FLEET_KEY: 'c2hvcnQ=' } }));
    expect(wrong.message).toContain('from MCA_REDIS_FLEET_KEY');
    const saved = process.env.MCA_REDIS_FLEET_KEY;
    process.env.MCA_REDIS_FLEET_KEY = '';
    try {
      const missing = refusal(() => redisTokenStore({ url: 'redis://127.0.0.1:1' }));
      expect(missing.code).toBe('ERR_MCA_MISSING_FLEET_KEY');
      expect(missing.message).toContain('`fleetKey` option or MCA_REDIS_FLEET_KEY');
      expect(missing.message).toContain(HOW);
      process.env.MCA_REDIS_FLEET_KEY = 'c2hvcnQ=';
      expect(refusal(() => redisTokenStore({ url: 'redis://127.0.0.1:1' })).message).toContain('from MCA_REDIS_FLEET_KEY');
    } finally {
      if (saved === undefined) delete process.env.MCA_REDIS_FLEET_KEY;
      else process.env.MCA_REDIS_FLEET_KEY = saved;
    }
  });
});

describe('a fleet key from the environment', () => {
  it('is an own property of process.env only: one inherited from its prototype (pollution) is no key', () => {
    // test/redis/redis-config.test.ts plants it on Object.prototype in a real Node process, against
    // dist/; here the same lookup runs against the source, with the inherited value on env's own prototype.
    const saved = process.env;
    process.env = Object.create({ MCA_REDIS_FLEET_KEY: randomBytes(32).toString('base64') }) as NodeJS.ProcessEnv;
    try {
      expect(refusal(() => redisTokenStore({ url: 'redis://127.0.0.1:1' })).code).toBe('ERR_MCA_MISSING_FLEET_KEY');
    } finally {
      process.env = saved;
    }
  });
});

describe('a fleet key and the env view a provider is given', () => {
  it('comes from that view only: a key in process.env does not fill in for one the view lacks', () => {
    const saved = process.env.MCA_REDIS_FLEET_KEY;
    process.env.MCA_REDIS_FLEET_KEY = randomBytes(32).toString('base64');
    try {
      const error = refusal(() =>
        createTokenProvider({
          clientId: 'c',
          secret: 's',
          tokenUrl: 'http://127.0.0.1:1/token',
          envFile: false,
          env: { MCA_REDIS_URL: 'redis://127.0.0.1:1' },
        }),
      );
      expect(error.code).toBe('ERR_MCA_MISSING_FLEET_KEY');
    } finally {
      if (saved === undefined) delete process.env.MCA_REDIS_FLEET_KEY;
      else process.env.MCA_REDIS_FLEET_KEY = saved;
    }
  });
});

describeWithRedis('one key, however it is spelt', () => {
  let redis: RedisServer;
  let tokens: TokenServer;
  let raw: Redis;
  const cleanup: (() => Promise<unknown> | unknown)[] = [];
  useRedisSuite((parts) => ({ redis, tokens, raw } = parts), cleanup);

  function member(fleetKey: string | Buffer): TokenProvider {
    const store = redisTokenStore({ url: redis.url, fleetKey, storeTimeoutMs: 1_000 });
    const provider = createTokenProvider({ ...credentials(tokens), store });
    cleanup.push(async () => {
      await provider.close();
      await store.close();
    });
    return provider;
  }

  it('processes that write the same key in hex (either case), base64, base64url, with a trailing newline or as a Buffer share one token', async () => {
    const key = randomBytes(32);
    const writer = member(key.toString('base64'));
    const header = await writer.getAuthorizationHeader();
    for (let i = 0; i < 500 && (await raw.keys('mca:*:token')).length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    const given = Buffer.from(key);
    const spellings = [key.toString('hex'), key.toString('hex').toUpperCase(), key.toString('base64url'), `${key.toString('base64')}\n`, given];
    const readers = spellings.map(member);
    // The caller's Buffer is copied: zeroing it afterwards (as careful code does) changes nothing.
    given.fill(0);
    for (const reader of readers) await expect(reader.getAuthorizationHeader()).resolves.toBe(header);
    expect(tokens.requests).toHaveLength(1);
  });
});
