import http from 'node:http';
import { getEventListeners } from 'node:events';
import { AxiosError } from 'axios';
import { mcaOAuth, type McaOAuthMiddleware } from '../../lib';
import { listenOnLoopback } from '../helpers/loopback';
import { middlewareFixture, SECRET } from '../helpers/middleware-fixture';

// How the caller's timeout and signal bound a call around the token wait (lib/outbound/wait-for-token.ts):
// the time left goes on to the back end's request, a deadline passed meanwhile sends nothing more,
// a failed token request fails the call at once, and a signal shared by many calls keeps no listener.

interface SlowBackend {
  url: string;
  /** Paths hit, in order. */
  hits: string[];
  close(): Promise<void>;
}

/** `/hang` never answers; `/redirect` answers 302 to `/ok`; anything else 200. */
async function startSlowBackend(): Promise<SlowBackend> {
  const hits: string[] = [];
  const server = http.createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    hits.push(path);
    if (path === '/hang') return;
    if (path === '/redirect') {
      res.writeHead(302, { Location: '/ok' });
      res.end();
      return;
    }
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end('{"ok":true}');
  });
  const loopback = await listenOnLoopback(server);
  return { url: loopback.url, hits, close: loopback.close };
}

const fixture = middlewareFixture(startSlowBackend);

/** The call's outcome, or 'still waiting' if it has not settled long after its own timeout. */
async function settledWithin<T>(call: Promise<T>, guardMs: number): Promise<T | 'still waiting'> {
  let timer: NodeJS.Timeout | undefined;
  const guard = new Promise<'still waiting'>((resolve) => (timer = setTimeout(() => resolve('still waiting'), guardMs)));
  try {
    return await Promise.race([call, guard]);
  } finally {
    clearTimeout(timer);
  }
}

async function failure(call: Promise<unknown>, guardMs = 10_000): Promise<unknown> {
  const outcome = await settledWithin(
    call.then(
      () => 'resolved',
      (error: unknown) => ({ error }),
    ),
    guardMs,
  );
  if (typeof outcome === 'string') return outcome;
  // The suite's leak watch checks every error the caller saw for the secret and the tokens.
  fixture.watch.collect(outcome.error);
  return outcome.error;
}

describe('the caller’s timeout bounds the whole call, token wait included', () => {
  it('a back end that never answers: the time left after a slow token ends the call with the caller’s timeout error', async () => {
    const { tokens, backend } = fixture;
    tokens.script.push({ delayMs: 50 });
    const m = fixture.make();
    const error = await failure(m.client.get(`${backend.url}/hang`, { timeout: 1_000 }));
    expect(error).toBeInstanceOf(AxiosError);
    expect((error as AxiosError).code).toBe('ECONNABORTED');
    expect((error as AxiosError).message).toBe('timeout of 1000ms exceeded');
    expect(backend.hits).toEqual(['/hang']);
  });

  describe('with the monotonic clock under the test’s control', () => {
    // Only performance.now() is faked: sockets and axios's own timers stay real.
    beforeEach(() => {
      jest.useFakeTimers({
        doNotFake: [
          'Date',
          'hrtime',
          'nextTick',
          'queueMicrotask',
          'setImmediate',
          'clearImmediate',
          'setInterval',
          'clearInterval',
          'setTimeout',
          'clearTimeout',
        ],
      });
    });
    afterEach(() => jest.useRealTimers());

    it('in a process up for a day, a back end that never answers still times out at the caller’s timeout', async () => {
      // The time left is the deadline minus now, on a clock that has run for a long while. (A day:
      // under the 24.8 days past which Node would cut any timer to 1 ms.)
      jest.advanceTimersByTime(24 * 3600 * 1000);
      const { backend } = fixture;
      const m = fixture.make();
      await m.client.get(`${backend.url}/ok`);
      const error = await failure(m.client.get(`${backend.url}/hang`, { timeout: 1_000 }));
      expect((error as AxiosError).code).toBe('ECONNABORTED');
      expect((error as AxiosError).message).toBe('timeout of 1000ms exceeded');
      expect(backend.hits).toEqual(['/ok', '/hang']);
    });

    it.each([
      ['past the timeout', 10_001],
      ['at the very deadline (the deadline is already too late)', 10_000],
    ])('time the caller’s redirect hook takes counts: %s, the next hop is not sent, token or not', async (_when, tookMs) => {
      const { backend } = fixture;
      const m = fixture.make();
      await m.client.get(`${backend.url}/ok`);
      // The hook uses up the whole timeout (or more) before the redirect is followed.
      const beforeRedirect = () => jest.advanceTimersByTime(tookMs);
      const error = await failure(m.client.get(`${backend.url}/redirect`, { timeout: 10_000, beforeRedirect } as never));
      expect(error).toBeInstanceOf(AxiosError);
      expect((error as AxiosError).code).toBe('ECONNABORTED');
      expect((error as AxiosError).message).toBe('timeout of 10000ms exceeded');
      // One more call, answered after anything the timed-out one might have sent.
      await m.client.get(`${backend.url}/ok`);
      expect(backend.hits).toEqual(['/ok', '/redirect', '/ok']);
    });
  });

  it('a token request that fails ends the call at once with the token error, not the timeout', async () => {
    const { tokens, backend } = fixture;
    tokens.script.push({ status: 400, body: { error: 'invalid_client' } });
    const m = fixture.make();
    const error = await failure(m.client.get(`${backend.url}/ok`, { timeout: 5_000 }), 4_000);
    expect(error).toMatchObject({ name: 'McaTokenError', oauthError: 'invalid_client' });
    expect(backend.hits).toEqual([]);
  });

  it('so does one with only a signal: the call does not hang on it', async () => {
    const { tokens, backend } = fixture;
    tokens.script.push({ status: 400, body: { error: 'invalid_client' } });
    const m = fixture.make();
    const error = await failure(m.client.get(`${backend.url}/ok`, { signal: new AbortController().signal }), 4_000);
    expect(error).toMatchObject({ name: 'McaTokenError', oauthError: 'invalid_client' });
  });
});

describe('a signal shared by many calls', () => {
  const made: McaOAuthMiddleware[] = [];
  afterEach(async () => {
    await Promise.all(made.splice(0).map((m) => m.close()));
  });

  it('keeps no abort listener once each call has its token (no listener leak on a long-lived signal)', async () => {
    const { tokens, backend } = fixture;
    const shared = new AbortController().signal;
    // Each middleware has its own provider, so each call waits for a token of its own.
    for (let i = 0; i < 12; i++) {
      const m = mcaOAuth({
        env: {},
        envFile: false,
        clientId: 'client-1',
        secret: SECRET,
        tenantId: 'tenant-1',
        serverUrl: tokens.serverUrl,
        protectedBackends: [backend.url],
      });
      made.push(m);
      expect((await m.client.get(`${backend.url}/ok`, { signal: shared })).status).toBe(200);
    }
    expect(tokens.requests).toHaveLength(12);
    expect(getEventListeners(shared, 'abort')).toHaveLength(0);
  });
});
