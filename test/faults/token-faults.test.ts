import { createTokenProvider, McaTokenError, type TokenProvider } from '../../lib';
import { startTokenServer, type ScriptedResponse, type TokenServer } from '../helpers/token-server';
import { watchForLeaks } from '../helpers/leak-watch';
import { nextEvent, waitFor } from '../helpers/wait';

const SECRET = 's3cr3t-value';
const BASIC = Buffer.from(`client-1:${SECRET}`).toString('base64');
let server: TokenServer;
let provider: TokenProvider | undefined;
const watch = watchForLeaks(() => [SECRET, BASIC, 'abc', ...(server?.issued ?? [])]);

beforeEach(async () => {
  server = await startTokenServer();
});
afterEach(async () => {
  await provider?.close();
  provider = undefined;
  await server.close();
});

function make(extra: Record<string, unknown> = {}): TokenProvider {
  provider = createTokenProvider({
    env: {},
    envFile: false,
    clientId: 'client-1',
    secret: SECRET,
    tenantId: 'tenant-1',
    serverUrl: server.serverUrl,
    retryBaseMs: 1,
    retryMaxMs: 5,
    retryAfterMaxMs: 60,
    ...extra,
  });
  return provider;
}

const ok = (body?: object): ScriptedResponse => (body ? { body } : {});
const inHttpDate = (seconds: number) => new Date(Date.now() + seconds * 1000).toUTCString();

// Every row has all five cells: Jest reads a test function with more parameters than cells as a `done` callback.
type Row = [string, ScriptedResponse[], { header?: string; code?: string; status?: number }, number, Record<string, unknown>];
// [fault, what the server does per call, expected outcome, exact token POSTs, options]
const rows: Row[] = [
  ['500 once, then OK', [{ status: 500, body: 'boom' }, ok()], { header: 'Bearer tok-1' }, 2, {}],
  ['502 and 503, then OK', [{ status: 502, body: '<html>bad gateway</html>' }, { status: 503, body: '' }, ok()], { header: 'Bearer tok-1' }, 3, {}],
  [
    '503 on every attempt (retries: 3)',
    Array.from({ length: 6 }, () => ({ status: 503, body: '' })),
    { code: 'ERR_MCA_TOKEN_REQUEST_FAILED', status: 503 },
    4,
    {},
  ],
  ['408 once, then OK', [{ status: 408, body: '' }, ok()], { header: 'Bearer tok-1' }, 2, {}],
  ['429 with Retry-After seconds, then OK', [{ status: 429, body: '', headers: { 'Retry-After': '1' } }, ok()], { header: 'Bearer tok-1' }, 2, {}],
  ['429 with Retry-After HTTP date, then OK', [{ status: 429, body: '', headers: { 'Retry-After': inHttpDate(2) } }, ok()], { header: 'Bearer tok-1' }, 2, {}],
  ['an HTML body with 200', [{ body: '<html><body>Service Unavailable</body></html>' }], { code: 'ERR_MCA_BAD_TOKEN_RESPONSE', status: 200 }, 1, {}],
  ['a hang, then OK (timeoutMs 150)', [{ hang: true }, ok()], { header: 'Bearer tok-1' }, 2, { timeoutMs: 150 }],
  ['a connection reset, then OK', [{ reset: true }, ok()], { header: 'Bearer tok-1' }, 2, {}],
  ['truncated JSON', [{ body: '{"access_token":"abc","expires_in":36' }], { code: 'ERR_MCA_BAD_TOKEN_RESPONSE' }, 1, {}],
  ['a CRLF in the token', [{ body: { access_token: 'abc\r\nSet-Cookie: x=1', expires_in: 60 } }], { code: 'ERR_MCA_BAD_TOKEN_RESPONSE' }, 1, {}],
  ['expires_in missing', [ok({ access_token: 'no-exp' })], { header: 'Bearer no-exp' }, 1, {}],
  ['expires_in as a string', [ok({ access_token: 'str-exp', expires_in: '3600' })], { header: 'Bearer str-exp' }, 1, {}],
  ['expires_in negative', [ok({ access_token: 'neg-exp', expires_in: -1 })], { code: 'ERR_MCA_BAD_TOKEN_RESPONSE' }, 1, {}],
  ['401: a wrong secret fails fast', [{ status: 401, body: { error: 'invalid_client' } }], { code: 'ERR_MCA_INVALID_CLIENT', status: 401 }, 1, {}],
  ['403 is not retried', [{ status: 403, body: '' }], { code: 'ERR_MCA_INVALID_CLIENT', status: 403 }, 1, {}],
  ['400 is not retried', [{ status: 400, body: { error: 'invalid_request' } }], { code: 'ERR_MCA_TOKEN_REQUEST_FAILED', status: 400 }, 1, {}],
  ['400 invalid_client fails fast', [{ status: 400, body: { error: 'invalid_client' } }], { code: 'ERR_MCA_INVALID_CLIENT', status: 400 }, 1, {}],
  ['a hang longer than deadlineMs', [{ hang: true }, { hang: true }], { code: 'ERR_MCA_TOKEN_REQUEST_FAILED' }, 1, { timeoutMs: 5000, deadlineMs: 200 }],
  ['retries: 0 makes one attempt', [{ status: 500, body: '' }, ok()], { code: 'ERR_MCA_TOKEN_REQUEST_FAILED', status: 500 }, 1, { retries: 0 }],
];

describe('token endpoint faults: outcome, exact POSTs, no unhandled rejection', () => {
  it.each(rows)('%s', async (_fault, script, outcome, posts, extra) => {
    server.script.push(...script);
    const p = make(extra);
    const started = Date.now();
    const result = await p.getAuthorizationHeader().then(
      (header) => ({ header }),
      (error: unknown) => watch.collect(error),
    );
    if (outcome.header !== undefined) {
      expect(result).toEqual({ header: outcome.header });
    } else {
      expect(result).toBeInstanceOf(McaTokenError);
      expect(result).toMatchObject({ code: outcome.code });
      if (outcome.status !== undefined) expect(result).toMatchObject({ tokenEndpointStatus: outcome.status, status: 503 });
      expect((result as McaTokenError).attempts).toBe(posts);
    }
    expect(server.requests).toHaveLength(posts);
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('waits out Retry-After (capped by retryAfterMaxMs) before retrying', async () => {
    server.script.push({ status: 429, body: '', headers: { 'Retry-After': '1' } }, ok());
    const p = make({ retryAfterMaxMs: 120 });
    const delays: number[] = [];
    p.on('retry', (event) => delays.push(event.delayMs));
    const started = Date.now();
    await p.getAuthorizationHeader();
    expect(delays).toEqual([120]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(110);
  });

  it('gives up at once when Retry-After points past the deadline', async () => {
    server.script.push({ status: 503, body: '', headers: { 'Retry-After': '10' } }, ok());
    const p = make({ retryAfterMaxMs: 30_000, deadlineMs: 1000 });
    const started = Date.now();
    watch.collect(await p.getAuthorizationHeader().catch((e: unknown) => e));
    expect(server.requests).toHaveLength(1);
    expect(Date.now() - started).toBeLessThan(500);
  });
});

describe('cooldown after a fetch failed for good', () => {
  it('answers callers in the cooldown with the same error at once, then fetches again', async () => {
    let now = 1_000;
    server.script.push({ status: 500, body: '' });
    const p = make({ retries: 0, failureCooldownMs: 1000, now: () => now });
    const first = watch.collect(await p.getAuthorizationHeader().catch((e: unknown) => e));
    const again = await Promise.allSettled(Array.from({ length: 20 }, () => p.getAuthorizationHeader()));
    expect(again.every((r) => r.status === 'rejected' && r.reason === first)).toBe(true);
    expect(server.requests).toHaveLength(1);
    now += 1000;
    await expect(p.getAuthorizationHeader()).resolves.toBe('Bearer tok-1');
    expect(server.requests).toHaveLength(2);
  });

  it('is never longer than a Retry-After asked for', async () => {
    let now = 1_000;
    server.script.push({ status: 429, body: '', headers: { 'Retry-After': '2' } });
    const p = make({ retries: 0, failureCooldownMs: 10_000, now: () => now });
    watch.collect(await p.getAuthorizationHeader().catch((e: unknown) => e));
    now += 1999;
    watch.collect(await p.getAuthorizationHeader().catch((e: unknown) => e));
    expect(server.requests).toHaveLength(1);
    now += 1;
    await expect(p.getAuthorizationHeader()).resolves.toBe('Bearer tok-1');
  });
});

describe('stale-while-revalidate', () => {
  // 3600 s token: window = min(20%, 300 s) = 300 s ± 10% → background refresh starts between
  // exp − 330 s and exp − 270 s; callers wait from exp − 60 s (refreshSkewSeconds).
  const T0 = 10_000_000;
  const EXP = T0 + 3_600_000;

  it('serves the current token in the window and refreshes once in the background', async () => {
    let now = T0;
    const p = make({ now: () => now });
    const events: string[] = [];
    p.on('token', (e) => events.push(e.background ? 'background' : 'foreground'));
    await p.getAuthorizationHeader();
    now = EXP - 331_000;
    await expect(p.getAuthorizationHeader()).resolves.toBe('Bearer tok-1');
    expect(server.requests).toHaveLength(1);
    now = EXP - 269_000;
    server.script.push({ delayMs: 30 });
    const refreshed = nextEvent(p, 'token');
    const during = await Promise.all(Array.from({ length: 50 }, () => p.getAuthorizationHeader()));
    expect(new Set(during)).toEqual(new Set(['Bearer tok-1']));
    await refreshed;
    expect(server.requests).toHaveLength(2);
    await expect(p.getAuthorizationHeader()).resolves.toBe('Bearer tok-2');
    expect(events).toEqual(['foreground', 'background']);
  });

  it('keeps serving the current token while background refreshes fail, retrying with backoff', async () => {
    let now = T0;
    const p = make({ now: () => now, retries: 0, failureCooldownMs: 1000 });
    const failed: unknown[] = [];
    p.on('refresh-failed', (e) => failed.push(watch.collect(e)));
    await p.getAuthorizationHeader();
    server.down = true;
    now = EXP - 200_000;
    const firstFailure = nextEvent(p, 'refresh-failed');
    await expect(p.getAuthorizationHeader()).resolves.toBe('Bearer tok-1');
    await firstFailure;
    expect(failed).toHaveLength(1);
    // Within the backoff, calls do not start another refresh: one would be in flight as soon as
    // the call returned (a background refresh starts synchronously), so no waiting is needed.
    await p.getAuthorizationHeader();
    expect(p.stats().inflight).toBe(0);
    expect(server.requests).toHaveLength(2);
    now += 10_000; // past the cooldown and the backoff (retryMaxMs 5 ms)
    const secondFailure = nextEvent(p, 'refresh-failed');
    await expect(p.getAuthorizationHeader()).resolves.toBe('Bearer tok-1');
    await secondFailure;
    expect(server.requests).toHaveLength(3);
    expect(failed).toHaveLength(2);
  });

  it('an outage while a token is cached costs no request before the refresh window, serves every call until exp − skew, and the first call after recovery gets a new token', async () => {
    let now = T0;
    const p = make({ now: () => now, failureCooldownMs: 1000 });
    await p.getAuthorizationHeader();
    expect(server.requests).toHaveLength(1);
    server.down = true;
    let served = 0;
    let failedCalls = 0;
    let postsBeforeWindow = -1;
    // One call every 10 s of token life, up to the last moment before exp − 60 s.
    for (now = T0 + 10_000; now < EXP - 60_000; now += 10_000) {
      await p.getAuthorizationHeader().then(
        (header) => {
          expect(header).toBe('Bearer tok-1');
          served++;
        },
        (e: unknown) => {
          watch.collect(e);
          failedCalls++;
        },
      );
      await waitFor(() => p.stats().inflight === 0);
      // The earliest the background refresh may start is exp − 330 s (300 s window + 10% jitter).
      if (now < EXP - 330_000) postsBeforeWindow = server.requests.length - 1;
    }
    expect(failedCalls).toBe(0);
    expect(served).toBe(353);
    expect(postsBeforeWindow).toBe(0);
    // In the window, failed background refreshes are retried with backoff, not on every call.
    const postsInWindow = server.requests.length - 1;
    expect(postsInWindow).toBeGreaterThan(0);
    expect(postsInWindow).toBeLessThanOrEqual(27 * 4); // at most one fetch (4 attempts) per call
    server.down = false;
    now = EXP - 28_000; // past exp − skew, and past any cooldown
    await expect(p.getAuthorizationHeader()).resolves.toBe('Bearer tok-2');
    expect(server.requests).toHaveLength(postsInWindow + 2);
  });
});

describe('past exp − skew, a failed fetch falls back to the token in hand until its real exp', () => {
  it('serves the still-valid token during the outage, and errors only after exp', async () => {
    const T0 = 10_000_000;
    let now = T0;
    const p = make({ now: () => now, retries: 1, failureCooldownMs: 1000 });
    const failed: unknown[] = [];
    p.on('refresh-failed', (e) => failed.push(e));
    await p.getAuthorizationHeader();
    server.down = true;
    now = T0 + 3_600_000 - 30_000; // inside the last skew seconds
    await expect(p.getAuthorizationHeader()).resolves.toBe('Bearer tok-1');
    expect(server.requests).toHaveLength(3); // one fetch: an attempt and a retry
    await expect(p.getAuthorizationHeader()).resolves.toBe('Bearer tok-1'); // cooldown: no new request
    expect(server.requests).toHaveLength(3);
    now = T0 + 3_600_000; // exp: the token is no use any more
    const error = watch.collect(await p.getAuthorizationHeader().catch((e: unknown) => e));
    expect(error).toMatchObject({ code: 'ERR_MCA_TOKEN_REQUEST_FAILED' });
    server.down = false;
    now += 1000;
    await expect(p.getAuthorizationHeader()).resolves.toBe('Bearer tok-2');
  });

  it('never falls back to a token a back end rejected (invalidated)', async () => {
    const p = make({ retries: 0 });
    const header = await p.getAuthorizationHeader();
    p.invalidate(header);
    server.down = true;
    const error = watch.collect(await p.getAuthorizationHeader().catch((e: unknown) => e));
    expect(error).toMatchObject({ code: 'ERR_MCA_TOKEN_REQUEST_FAILED' });
  });
});

describe('events', () => {
  it('emits error only while someone listens, so an unlistened error never crashes', async () => {
    server.script.push({ status: 500, body: '' }, { status: 500, body: '' });
    const p = make({ retries: 0, failureCooldownMs: 0 });
    watch.collect(await p.getAuthorizationHeader().catch((e: unknown) => e));
    const seen: unknown[] = [];
    p.on('error', (e) => seen.push(e));
    watch.collect(await p.getAuthorizationHeader().catch((e: unknown) => e));
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ code: 'ERR_MCA_TOKEN_REQUEST_FAILED' });
  });

  it('emits token (without the token), retry and invalidated', async () => {
    server.script.push({ status: 503, body: '' }, ok());
    const p = make();
    const log: [string, unknown][] = [];
    p.on('token', (e) => log.push(['token', e]));
    p.on('retry', (e) => log.push(['retry', e]));
    p.on('invalidated', (e) => log.push(['invalidated', e]));
    const header = await p.getAuthorizationHeader();
    p.invalidate(header);
    expect(log.map(([name]) => name)).toEqual(['retry', 'token', 'invalidated']);
    expect(log[0]![1]).toMatchObject({ attempt: 2, status: 503, code: 'ERR_MCA_TOKEN_REQUEST_FAILED' });
    expect(log[1]![1]).toMatchObject({ attempts: 2, lifetimeMs: 3_600_000, background: false });
    expect(JSON.stringify(log)).not.toContain('tok-1');
    expect(log[2]![1]).toEqual({ reason: 'manual' });
  });
});

describe('lifecycle', () => {
  it('close() during a retry wait rejects pending callers with ERR_MCA_CLOSED at once', async () => {
    server.script.push({ status: 503, body: '', headers: { 'Retry-After': '20' } });
    const p = make({ retryAfterMaxMs: 20_000 });
    const waiting = nextEvent(p, 'retry');
    const pending = Promise.all([p.getAuthorizationHeader(), p.getAuthorizationHeader()]).catch((e: unknown) => e);
    await waiting;
    const started = Date.now();
    await p.close();
    expect(watch.collect(await pending)).toMatchObject({ code: 'ERR_MCA_CLOSED' });
    expect(Date.now() - started).toBeLessThan(200);
  });

  it('close() during a hanging request aborts it', async () => {
    server.script.push({ hang: true });
    const p = make({ timeoutMs: 10_000 });
    const pending = p.getAuthorizationHeader().catch((e: unknown) => e);
    await waitFor(() => server.requests.length === 1);
    const closing = p.close();
    // The server sees the connection dropped within 3 s: aborted, not left to its 10 s timeout.
    await waitFor(() => server.abortedHangs === 1, 3000);
    await closing;
    expect(watch.collect(await pending)).toMatchObject({ code: 'ERR_MCA_CLOSED' });
  });
});
