// Rotating the fleet key with a rolling deploy: each process holds a comma-separated list, the
// first seals and names what it writes, all of them open what it reads. At every step of the
// README's procedure, processes of both kinds share tokens; a fleet split between two keys that no
// process holds together is reported, once, by fingerprint.
import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import { createTokenProvider, isMcaConfigError, type TokenProvider } from '../../lib';
import { redisTokenStore } from '../../lib/redis';
import type { TokenServer } from '../helpers/token-server';
import { describeWithRedis, type RedisServer } from '../helpers/redis-server';
import { useRedisSuite } from '../helpers/redis-suite';
import { credentials } from '../helpers/redis-fleet';
import { captureRedisStoreWarnings } from '../helpers/process-warnings';

// Redis refuses or fails the store on purpose here: its warnings are checked, not printed.
captureRedisStoreWarnings();

const OLD = randomBytes(32).toString('base64');
const NEW = randomBytes(32).toString('base64');

describeWithRedis('fleet key rotation', () => {
  let redis: RedisServer;
  let tokens: TokenServer;
  let raw: Redis;
  const cleanup: (() => Promise<unknown> | unknown)[] = [];
  useRedisSuite((parts) => ({ redis, tokens, raw } = parts), cleanup);

  /** A process of the fleet with this MCA_REDIS_FLEET_KEY. */
  function member(fleetKey: string): { provider: TokenProvider; messages: string[]; codes: string[] } {
    const store = redisTokenStore({ url: redis.url, fleetKey, storeTimeoutMs: 1_000 });
    const provider = createTokenProvider({ ...credentials(tokens), store });
    const messages: string[] = [];
    const codes: string[] = [];
    provider.on('store-error', (e: Error & { code?: string }) => (messages.push(e.message), codes.push(e.code ?? '')));
    cleanup.push(async () => {
      await provider.close();
      await store.close();
    });
    return { provider, messages, codes };
  }
  /** Writes land after the caller's answer: wait for `n` token keys. */
  async function tokenKeys(n: number): Promise<void> {
    for (let i = 0; i < 500 && (await raw.keys('mca:*:token')).length < n; i++) await new Promise((r) => setTimeout(r, 10));
  }
  /** The first member fetches and writes; the others must take its token. */
  async function shared(writer: TokenProvider, readers: TokenProvider[]): Promise<void> {
    const before = tokens.requests.length;
    const header = await writer.getAuthorizationHeader();
    await tokenKeys(1);
    for (const reader of readers) await expect(reader.getAuthorizationHeader()).resolves.toBe(header);
    expect(tokens.requests.length - before).toBe(1);
  }

  it('step 1 (new key added second), step 2 (order swapped), step 3 (old dropped): both kinds share at every step', async () => {
    // Step 1, mid-roll: old processes and [old, new] ones.
    await shared(member(OLD).provider, [member(`${OLD},${NEW}`).provider]);
    await raw.flushall();
    // Step 2, mid-roll: [old, new] and [new, old], each way round.
    const a = member(`${OLD},${NEW}`);
    const b = member(`${NEW},${OLD}`);
    await shared(a.provider, [b.provider]);
    await raw.flushall();
    a.provider.invalidate();
    b.provider.invalidate();
    await shared(b.provider, [a.provider]);
    await raw.flushall();
    // Step 3, mid-roll: [new, old] and new processes.
    await shared(member(`${NEW},${OLD}`).provider, [member(NEW).provider]);
    expect([...a.codes, ...b.codes]).not.toContain('ERR_MCA_STORE_FOREIGN_KEY');
  });

  it('a fleet split between two keys is reported once, by fingerprint, on each side', async () => {
    const x = member(OLD);
    const y = member(NEW);
    await x.provider.getAuthorizationHeader();
    await tokenKeys(1);
    await y.provider.getAuthorizationHeader();
    await tokenKeys(2);
    // Each half fetched its own token: what a silent split costs.
    expect(tokens.requests).toHaveLength(2);
    x.provider.invalidate();
    await x.provider.getAuthorizationHeader();
    for (let i = 0; i < 300 && !x.codes.includes('ERR_MCA_STORE_FOREIGN_KEY'); i++) await new Promise((r) => setTimeout(r, 10));
    for (const side of [x, y]) expect(side.codes.filter((c) => c === 'ERR_MCA_STORE_FOREIGN_KEY')).toHaveLength(1);
    const report = y.messages.find((m) => m.includes('fleet key this one does not hold'))!;
    // Twelve characters, as `check` prints them, so that the two can be compared.
    expect(report).toMatch(/fingerprint [\w-]{12}; this one seals under [\w-]{12}\)/);
    expect(report).toContain('Rotating the fleet key');
    for (const secret of [OLD, NEW]) expect([...x.messages, ...y.messages].join('\n')).not.toContain(secret);
  });

  it.each([
    ['a key listed twice', () => `${OLD},${OLD}`],
    ['five keys', () => Array.from({ length: 5 }, () => randomBytes(32).toString('base64')).join(',')],
    ['a weak second key', () => `${OLD},${'ab'.repeat(32)}`],
  ])('a key list with %s is refused without echoing a key', (_case, list) => {
    const value = list();
    let error: unknown;
    try {
      redisTokenStore({ url: redis.url, fleetKey: value });
    } catch (caught) {
      error = caught;
    }
    expect(isMcaConfigError(error)).toBe(true);
    expect((error as { code: string }).code).toBe('ERR_MCA_INVALID_FLEET_KEY');
    for (const key of value.split(',')) expect((error as Error).message).not.toContain(key);
  });
});
