// The fleet's lock, in this process against a real redis-server (issue 22's mutation run: the
// suites that kill a holder do it in child processes, which run dist/, so no mutant of the lock's
// code reached them). A holder releases the lock as soon as its fetch is done; `lockTtlMs` is the
// lock's TTL; a member's lock that nobody renews any more (its holder died) is taken over after
// `lockWaitMs`, not after the lock's TTL, and the waiter meanwhile polls Redis at `pollMs`, not in a
// busy loop. lockWaitMs is capped at half the lock's TTL; of the waiters that give up on one dead
// holder, one takes over; a holder renews every third of the TTL, so a slow fetch keeps its lock; a
// renewal or release that Redis refuses is reported under its name, and a release is retried four
// times with backoff, then given up, and close() stops it.
import { performance } from 'node:perf_hooks';
import Redis from 'ioredis';
import type { TokenProvider } from '../../lib';
import type { RedisTokenStore } from '../../lib/redis';
import type { TokenServer } from '../helpers/token-server';
import { describeWithRedis, type RedisServer } from '../helpers/redis-server';
import { eventually, fleetMember, useRedisSuite } from '../helpers/redis-suite';
import { captureRedisStoreWarnings } from '../helpers/process-warnings';
import { FleetLock, HolderWatch, type Command } from '../../lib/redis/fleet-lock';
import { BackgroundWork } from '../../lib/redis/background-work';
import { RELEASE, RENEW } from '../../lib/redis/redis-scripts';

captureRedisStoreWarnings();

describeWithRedis('the fleet lock', () => {
  let redis: RedisServer;
  let tokens: TokenServer;
  let raw: Redis;
  const cleanup: (() => Promise<unknown> | unknown)[] = [];
  useRedisSuite((parts) => ({ redis, tokens, raw } = parts), cleanup);

  const member = (settings: Record<string, unknown> = {}, extra: Record<string, unknown> = {}): { provider: TokenProvider; store: RedisTokenStore } =>
    fleetMember(redis, tokens, cleanup, settings, extra);

  const lockName = async (): Promise<string> => {
    await eventually(async () => (await raw.keys('mca:*:lock')).length === 1);
    return (await raw.keys('mca:*:lock'))[0]!;
  };
  /** EVAL and EVALSHA calls Redis has served so far (every lock command is one). */
  const scriptCalls = async (): Promise<number> => {
    const stats = await raw.info('commandstats');
    return [...stats.matchAll(/^cmdstat_(?:eval|evalsha):calls=(\d+)/gm)].reduce((sum, [, calls]) => sum + Number(calls), 0);
  };

  it('the holder releases the lock as soon as its token is written: no lock is left behind', async () => {
    tokens.script.push({ delayMs: 300 });
    const a = member();
    const pending = a.provider.getAuthorizationHeader();
    const lock = await lockName();
    await expect(pending).resolves.toBe('Bearer tok-1');
    await eventually(async () => (await raw.exists(lock)) === 0);
  });

  it('lockTtlMs is the TTL of the lock a holder takes', async () => {
    tokens.script.push({ delayMs: 500 });
    const a = member({ lockTtlMs: 60_000 });
    const pending = a.provider.getAuthorizationHeader();
    const pttl = await raw.pttl(await lockName());
    expect(pttl).toBeGreaterThan(50_000);
    expect(pttl).toBeLessThanOrEqual(60_000);
    await pending;
  });

  it('a member’s lock that nobody renews (its holder died) is taken over after lockWaitMs, not its TTL, polling at pollMs meanwhile', async () => {
    // A holder takes the lock and its token request hangs; it goes away, and its lock value stays
    // in Redis with a long TTL and nobody renewing it: what a process killed mid-fetch leaves.
    tokens.script.push({ hang: true });
    const dead = member({ lockTtlMs: 120_000 });
    void dead.provider.getAuthorizationHeader().catch(() => undefined);
    const lock = await lockName();
    const value = (await raw.get(lock))!;
    // The hanging answer must be the holder's: closed before its request reached the server, the
    // holder would leave the script's hang to the waiter (seen on a loaded machine).
    await eventually(async () => tokens.requests.length === 1);
    await dead.provider.close();
    await dead.store.close();
    await raw.set(lock, value, 'PX', 120_000);
    const waiter = member({ lockWaitMs: 600, pollMs: 50 }, { deadlineMs: 60_000 });
    const before = await scriptCalls();
    const started = performance.now();
    await expect(waiter.provider.getAuthorizationHeader()).resolves.toMatch(/^Bearer tok-\d$/);
    const waited = performance.now() - started;
    const calls = (await scriptCalls()) - before;
    expect(tokens.requests).toHaveLength(2);
    // It waited for the holder first (a live one would have answered), then took over long before
    // the lock's 120 s TTL or the caller's 60 s deadline.
    // (It gives up once the next look would pass the bound: up to one look, 75 ms, early.)
    expect(waited).toBeGreaterThanOrEqual(450);
    expect(waited).toBeLessThan(15_000);
    // 600 ms at 25–75 ms a look: a dozen or so lock commands (15–16 on a quiet machine; one CI run
    // counted 81, its wait not recorded). Bounded by the time it actually waited, at no more than
    // one look per 25 ms plus the holder's own commands: a busy loop makes hundreds.
    expect(calls).toBeGreaterThanOrEqual(5);
    expect(calls).toBeLessThan(waited / 25 + 10);
  });

  /** A holder that died mid-fetch: its member's lock value stays in Redis, with `pttlMs` left and nobody renewing it. */
  const deadHolder = async (pttlMs: number): Promise<string> => {
    tokens.script.push({ hang: true });
    const dead = member({ lockTtlMs: pttlMs });
    void dead.provider.getAuthorizationHeader().catch(() => undefined);
    const lock = await lockName();
    const value = (await raw.get(lock))!;
    // The hanging answer must be the holder's: closed before its request reached the server, the
    // holder would leave the script's hang to the waiter (seen on a loaded machine).
    await eventually(async () => tokens.requests.length === 1);
    await dead.provider.close();
    await dead.store.close();
    await raw.set(lock, value, 'PX', pttlMs);
    return lock;
  };

  /** A Redis user with every right but `denied` (ACL SETUSER), deleted after the test. */
  const userWithout = async (user: string, denied: string): Promise<string> => {
    await raw.call('ACL', 'SETUSER', user, 'reset', 'on', '>pw', '~*', '&*', '+@all', denied);
    cleanup.push(() => raw.call('ACL', 'DELUSER', user));
    return `redis://${user}:pw@127.0.0.1:${redis.port}`;
  };

  /**
   * A client the test hands to a store, noting each script the store sends with it and when; the
   * calls go on to Redis unchanged.
   */
  const recordingClient = (url: string): { client: Redis; sent: { script: string; at: number }[] } => {
    const client = new Redis(url);
    const sent: { script: string; at: number }[] = [];
    const send = client.eval.bind(client) as (...args: unknown[]) => Promise<unknown>;
    (client as unknown as { eval: (...args: unknown[]) => Promise<unknown> }).eval = (...args) => {
      sent.push({ script: String(args[0]), at: performance.now() });
      return send(...args);
    };
    cleanup.push(() => client.disconnect());
    return { client, sent };
  };

  /** The messages of the store errors a provider reports. */
  const storeErrors = (provider: TokenProvider): string[] => {
    const messages: string[] = [];
    provider.on('store-error', (error: Error) => messages.push(error.message));
    return messages;
  };

  it('a waiter gives up on a silent holder after half its lock TTL when lockWaitMs is longer', async () => {
    await deadHolder(120_000);
    // lockWaitMs is capped at half the lock TTL: 1 s here, not 30 s (nor the caller's 10 s deadline).
    const waiter = member({ lockTtlMs: 2_000, lockWaitMs: 30_000, pollMs: 50 }, { deadlineMs: 10_000 });
    const started = performance.now();
    await expect(waiter.provider.getAuthorizationHeader()).resolves.toMatch(/^Bearer tok-\d$/);
    const waited = performance.now() - started;
    expect(tokens.requests).toHaveLength(2);
    expect(waited).toBeGreaterThanOrEqual(800);
    expect(waited).toBeLessThan(3_500);
  });

  it('of several waiters that give up on one dead holder, one takes the lock over and fetches; the others wait for its token', async () => {
    await deadHolder(120_000);
    // The fetch of the one that takes over is slow enough that the others see it hold the lock.
    tokens.script.push({ delayMs: 300 });
    const waiters = [0, 1, 2].map(() => member({ lockWaitMs: 1_000, pollMs: 50 }, { deadlineMs: 20_000 }));
    const headers = await Promise.all(waiters.map((w) => w.provider.getAuthorizationHeader()));
    // The dead holder's request, and one more: not one per waiter.
    expect(tokens.requests).toHaveLength(2);
    expect(new Set(headers)).toEqual(new Set(['Bearer tok-1']));
  });

  it('a holder whose fetch outlasts its lock TTL renews it every third of the TTL: the lock never lapses, a waiter does not fetch beside it, and Redis sees a few renewals, not a stream', async () => {
    tokens.script.push({ delayMs: 2_000 });
    const { client, sent } = recordingClient(redis.url);
    // A 1.5 s lock, renewed every 500 ms (a third of the TTL; a quarter of lockWaitMs is longer).
    const holder = member({ url: undefined, client, lockTtlMs: 1_500, lockWaitMs: 20_000 });
    const holding = holder.provider.getAuthorizationHeader();
    await lockName();
    const waiter = member({ lockWaitMs: 5_000, pollMs: 50 });
    await expect(waiter.provider.getAuthorizationHeader()).resolves.toBe('Bearer tok-1');
    await expect(holding).resolves.toBe('Bearer tok-1');
    expect(tokens.requests).toHaveLength(1);
    const renewals = sent.filter(({ script }) => script === RENEW).length;
    // 2 s at one renewal per 500 ms: at most four (late timers only make fewer).
    expect(renewals).toBeGreaterThanOrEqual(1);
    expect(renewals).toBeLessThanOrEqual(5);
  });

  it('a renewal Redis refuses is reported as the lock’s renewal failing, and the caller still gets its token', async () => {
    const url = await userWithout('no-renew', '-pexpire');
    tokens.script.push({ delayMs: 400 });
    // lockWaitMs 400: renewed every 100 ms while the 400 ms fetch runs.
    const holder = member({ url, lockWaitMs: 400 });
    const messages = storeErrors(holder.provider);
    await expect(holder.provider.getAuthorizationHeader()).resolves.toBe('Bearer tok-1');
    await eventually(async () => messages.some((m) => m.startsWith('Redis token store renew failed: ')));
  });

  it('a release Redis refuses is reported as the unlock failing, and close() stops its retries: no unlock is sent after it', async () => {
    const { client, sent } = recordingClient(await userWithout('no-unlock', '-del'));
    // backoffMs 1: a retry is not skipped as "Redis failed recently", it reaches Redis.
    const holder = member({ url: undefined, client, backoffMs: 1 });
    const messages = storeErrors(holder.provider);
    await expect(holder.provider.getAuthorizationHeader()).resolves.toBe('Bearer tok-1');
    // The first unlock failed, and Redis is no longer skipped: a retry would be sent at once.
    await eventually(async () => messages.some((m) => m.startsWith('Redis token store unlock failed: ')) && holder.store.health().available);
    const before = sent.length;
    await holder.store.close();
    expect(sent.slice(before).filter(({ script }) => script === RELEASE)).toEqual([]);
  });

  it('a release Redis keeps refusing is tried four times, a quarter, a half and a whole second apart, then given up: no retry without end', async () => {
    const client = new Redis(await userWithout('no-unlock', '-del'));
    cleanup.push(() => client.disconnect());
    await raw.set('lock', 'owner');
    await client.ping();
    // The unlocks go to Redis as the store sends them; the test counts them sent and answered.
    let sent = 0;
    let answered = 0;
    const waiting: (() => void)[] = [];
    const command: Command = async (_operation, run) => {
      sent++;
      try {
        return await run();
      } finally {
        answered++;
        for (const resolve of waiting.splice(0)) resolve();
      }
    };
    /** Waits for Redis's answers (I/O, not timers) until `count` came back, then lets what they set off run. */
    const settled = async (count = answered): Promise<void> => {
      while (answered < count) await new Promise<void>((resolve) => waiting.push(resolve));
      await new Promise((resolve) => setImmediate(resolve));
    };
    // The pauses between tries are timers the test moves; everything else runs for real.
    jest.useFakeTimers({
      doNotFake: ['Date', 'hrtime', 'nextTick', 'performance', 'queueMicrotask', 'setImmediate', 'clearImmediate', 'setInterval', 'clearInterval'],
    });
    try {
      const lock = new FleetLock(client, command, new BackgroundWork(), new AbortController().signal, {
        lockTtlMs: undefined,
        lockWaitMs: 2_000,
        pollMs: 50,
      });
      lock.release('lock', 'owner');
      await settled(1);
      expect(sent).toBe(1);
      for (const pause of [250, 500, 1_000]) {
        jest.advanceTimersByTime(pause - 1);
        await settled();
        expect(sent).toBe(answered);
        jest.advanceTimersByTime(1);
        await settled(answered + 1);
        expect(sent).toBe(answered);
      }
      expect(sent).toBe(4);
      // An hour later: nothing more was tried.
      jest.advanceTimersByTime(3_600_000);
      await settled();
      expect(sent).toBe(4);
      expect(await raw.get('lock')).toBe('owner');
    } finally {
      jest.useRealTimers();
    }
  });
});

// A waiter's decisions, look by look, on a clock the test moves (performance.now, which the watch
// reads): no Redis needed, and no timing of the machine in the answer.
describe('a waiter’s watch over the holder it waits for', () => {
  let clock = 0;
  beforeEach(() => {
    clock = 0;
    jest.spyOn(performance, 'now').mockImplementation(() => clock);
  });
  afterEach(() => jest.restoreAllMocks());

  it('looks again within pollMs ± 50%, never up to twice pollMs', () => {
    const watch = new HolderWatch(0, 60_000, 60_000, 100);
    for (let look = 0; look < 200; look++) {
      // A live holder: its lock's TTL grows back at each look.
      const wait = watch.next('holder', 1_000 + look);
      expect(wait).toBeGreaterThanOrEqual(50);
      expect(wait).toBeLessThan(150);
    }
  });

  it('gives up on a silent holder before its next look would pass the wait bound: it never sleeps past lockWaitMs', () => {
    const watch = new HolderWatch(0, 1_000, 60_000, 100);
    let looks = 0;
    for (;;) {
      // The holder's TTL only runs down: no sign of life after the first look.
      const wait = watch.next('holder', 5_000 - clock);
      if (wait === undefined) break;
      expect(clock + wait).toBeLessThan(1_000);
      clock += wait;
      expect(++looks).toBeLessThan(100);
    }
    // It waited for the holder (one look or more), and gave up within one look of the bound.
    expect(clock).toBeGreaterThan(1_000 - 150);
  });

  it('waits for a live holder up to the caller’s deadline, and never sleeps past it', () => {
    const watch = new HolderWatch(0, 1_000, 3_000, 100);
    let looks = 0;
    for (;;) {
      // The holder renews at every look: the wait bound never runs out, only the deadline does.
      const wait = watch.next('holder', 1_000 + clock);
      if (wait === undefined) break;
      expect(clock + wait).toBeLessThan(3_000);
      clock += wait;
      expect(++looks).toBeLessThan(200);
    }
    expect(clock).toBeGreaterThan(3_000 - 150);
  });

  it('counts a new holder as a sign of life, even one whose lock has less time left (it took over with a shorter TTL)', () => {
    const watch = new HolderWatch(0, 1_000, 60_000, 200);
    expect(watch.next('first', 5_000)).toBeDefined();
    clock = 900;
    // 900 ms of silence from the first holder, then another one holds the lock: waited for afresh.
    expect(watch.next('second', 4_000)).toBeDefined();
    clock = 1_500;
    expect(watch.next('second', 3_400)).toBeDefined();
  });

  it('does not count an unchanged TTL as a sign of life: a lock with no expiry (TTL -1 at every look) is given up on after the wait bound', () => {
    const watch = new HolderWatch(0, 1_000, 60_000, 400);
    expect(watch.next('holder', -1)).toBeDefined();
    clock = 800;
    expect(watch.next('holder', -1)).toBeUndefined();
  });
});
