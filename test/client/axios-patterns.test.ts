// The matrix of axios usage patterns (issue 9): one block per row, each run with the http and the
// fetch adapter. Each asserts where the token went, the back-end hits, the token POSTs, the status
// the caller saw, and that no issued token appears in any rendering of any error.
import { Readable } from 'node:stream';
import axios, { AxiosError, type AxiosAdapter, type AxiosResponse } from 'axios';
import axiosRetry from 'axios-retry';
import type { McaOAuthMiddleware } from '../../lib';
import type { TokenServer } from '../helpers/token-server';
import { middlewareFixture } from '../helpers/middleware-fixture';
import { leakedSecrets } from '../helpers/leak-watch';
import { waitFor } from '../helpers/wait';
import { startScriptedBackend, type ScriptedBackend } from './scripted-backend';

const fixture = middlewareFixture(startScriptedBackend);
const { revoked, secrets, watch } = fixture;
let tokens: TokenServer;
let backend: ScriptedBackend;
let elsewhere: ScriptedBackend;
beforeEach(() => ({ tokens, backend, elsewhere } = fixture));

function make(adapter: string, extra: Record<string, unknown> = {}): McaOAuthMiddleware {
  const { axios: axiosExtra, ...rest } = extra as { axios?: Record<string, unknown> };
  return fixture.make({
    protectedBackends: [
      // Trust is per entry: /ok takes redirects from the /redirect entry (issue 21).
      { match: `${backend.url}/ok`, name: 'ok', acceptRedirectsFrom: ['redirect'] },
      `${backend.url}/always401`,
      `${backend.url}/badjson`,
      `${backend.url}/status/`,
      { match: `${backend.url}/redirect`, name: 'redirect' },
      `${backend.url}/loop`,
    ],
    axios: { adapter, ...axiosExtra },
    ...rest,
  });
}

/** Runs a call; returns the status the caller saw (-1: no response) and the error, checked for leaks. */
async function outcome(p: Promise<AxiosResponse>): Promise<{ status: number; error?: unknown; response?: AxiosResponse }> {
  try {
    const response = await p;
    return { status: response.status, response };
  } catch (error) {
    watch.collect(error);
    expect(leakedSecrets(error, secrets())).toEqual([]);
    return { status: error instanceof AxiosError ? (error.response?.status ?? -1) : -1, error };
  }
}

const authorizations = (b: ScriptedBackend) => b.hits.map((h) => h.authorization);

describe.each(['http', 'fetch'])('with the %s adapter', (adapter) => {
  describe('row 1: 401 replay whatever validateStatus accepts', () => {
    it.each([
      ['() => true', () => true],
      ['s => s < 500', (s: number) => s < 500],
    ])('validateStatus %s: one replay, the caller gets its 200', async (_name, validateStatus) => {
      const m = make(adapter);
      await m.client.get(`${backend.url}/ok`);
      revoked.add('tok-1');
      const r = await outcome(m.client.get(`${backend.url}/ok`, { validateStatus }));
      expect(r.status).toBe(200);
      expect(authorizations(backend)).toEqual(['Bearer tok-1', 'Bearer tok-1', 'Bearer tok-2']);
      expect(tokens.requests).toHaveLength(2);
    });

    it('an always-401 back end with validateStatus () => true: one replay, the 401 resolves', async () => {
      const m = make(adapter);
      const r = await outcome(m.client.get(`${backend.url}/always401`, { validateStatus: () => true }));
      expect(r.status).toBe(401);
      expect(r.error).toBeUndefined();
      expect(backend.hits).toHaveLength(2);
      expect(tokens.requests).toHaveLength(2);
    });
  });

  describe('row 2: re-sending err.config carries a fresh, valid token', () => {
    it('axios-retry on mw.client', async () => {
      const m = make(adapter);
      await m.client.get(`${backend.url}/ok`);
      axiosRetry(m.client, { retries: 2, retryDelay: () => 0, retryCondition: (e) => e.response?.status === 503 || e.response?.status === 401 });
      const first = await outcome(m.client.get(`${backend.url}/status/503`));
      expect(first.status).toBe(503);
      expect(authorizations(backend)).toEqual(['Bearer tok-1', 'Bearer tok-1', 'Bearer tok-1', 'Bearer tok-1']);
      expect(tokens.requests).toHaveLength(1);
      expect((first.error as AxiosError).config?.headers.has('Authorization')).toBe(false);
    });

    it('a hand-written client.request(err.config)', async () => {
      const m = make(adapter);
      revoked.add('tok-1');
      const failed = await outcome(m.client.get(`${backend.url}/ok`, { retryOn401: undefined } as never));
      // tok-1 was refused, tok-2 replayed; revoke tok-2 too, then re-send the failed config by hand.
      expect(failed.status).toBe(200);
      const err = (await outcome(m.client.get(`${backend.url}/status/502`))).error as AxiosError;
      const again = await outcome(m.client.request(err.config!));
      expect(again.status).toBe(502);
      expect(authorizations(backend).slice(-2)).toEqual(['Bearer tok-2', 'Bearer tok-2']);
      expect(tokens.requests).toHaveLength(2);
    });
  });

  describe('row 3: errors raised after the adapter hold no token', () => {
    it('a JSON parse error (silentJSONParsing: false)', async () => {
      const m = make(adapter);
      const r = await outcome(m.client.get(`${backend.url}/badjson`, { transitional: { silentJSONParsing: false }, responseType: 'json' }));
      expect(r.error).toBeInstanceOf(AxiosError);
      expect(authorizations(backend)).toEqual(['Bearer tok-1']);
    });

    it("a user's response interceptor that throws an AxiosError with res.config and res.request", async () => {
      const m = make(adapter);
      const derived = m.client.create();
      derived.interceptors.response.use((res) => {
        throw new AxiosError('rejected by the app', 'ERR_APP', res.config, res.request, res);
      });
      const r = await outcome(derived.get(`${backend.url}/ok`));
      expect((r.error as AxiosError).code).toBe('ERR_APP');
      expect(authorizations(backend)).toEqual(['Bearer tok-1']);
    });

    it("a responseType: 'stream' error", async () => {
      const m = make(adapter);
      const r = await outcome(m.client.get(`${backend.url}/status/500`, { responseType: 'stream' }));
      expect(r.status).toBe(500);
      expect(authorizations(backend)).toEqual(['Bearer tok-1']);
    });

    it('a stream request body', async () => {
      const m = make(adapter);
      const body = Readable.from([Buffer.from('{"a":1}')]);
      const r = await outcome(m.client.post(`${backend.url}/status/500`, body, { headers: { 'Content-Type': 'application/json' } }));
      expect(r.status).toBe(500);
      expect(authorizations(backend)).toEqual(['Bearer tok-1']);
    });
  });

  describe('row 4: a per-request adapter gets the same treatment', () => {
    const http = axios.getAdapter('http');
    const perRequest: [string, unknown][] = [
      ["'fetch'", 'fetch'],
      ["'http'", 'http'],
      ['a function', ((config) => http(config)) as AxiosAdapter],
    ];
    it.each(perRequest)('%s: injection, replay and redaction', async (_name, requestAdapter) => {
      const m = make(adapter);
      await m.client.get(`${backend.url}/ok`, { adapter: requestAdapter as AxiosAdapter });
      revoked.add('tok-1');
      expect((await outcome(m.client.get(`${backend.url}/ok`, { adapter: requestAdapter as AxiosAdapter }))).status).toBe(200);
      expect((await outcome(m.client.get(`${elsewhere.url}/ok`, { adapter: requestAdapter as AxiosAdapter }))).status).toBe(401);
      expect((await outcome(m.client.get(`${backend.url}/status/500`, { adapter: requestAdapter as AxiosAdapter }))).status).toBe(500);
      expect(authorizations(backend)).toEqual(['Bearer tok-1', 'Bearer tok-1', 'Bearer tok-2', 'Bearer tok-2']);
      expect(authorizations(elsewhere)).toEqual([undefined]);
      expect(tokens.requests).toHaveLength(2);
    });
  });

  describe('row 5: redirects are followed hop by hop, with the guard on each', () => {
    it('a redirect out of a prefix entry loses the token; into an entry that accepts it keeps it', async () => {
      const m = make(adapter);
      expect((await outcome(m.client.get(`${backend.url}/redirect?to=/ok`))).status).toBe(200);
      expect((await outcome(m.client.get(`${backend.url}/redirect?to=/public`))).status).toBe(401);
      expect((await outcome(m.client.get(`${backend.url}/redirect?to=${encodeURIComponent(`${elsewhere.url}/ok`)}`))).status).toBe(401);
      expect(backend.hits.map((h) => [h.path, h.authorization])).toEqual([
        ['/redirect', 'Bearer tok-1'],
        ['/ok', 'Bearer tok-1'],
        ['/redirect', 'Bearer tok-1'],
        ['/public', undefined],
        ['/redirect', 'Bearer tok-1'],
      ]);
      expect(authorizations(elsewhere)).toEqual([undefined]);
      expect(tokens.requests).toHaveLength(1);
    });

    it('307 keeps method and body, 303 turns a POST into a GET without body, query and baseURL hold', async () => {
      const m = make(adapter);
      const to = encodeURIComponent('/ok');
      expect((await outcome(m.client.post(`${backend.url}/redirect?status=307&to=${to}`, { a: 1 }))).status).toBe(200);
      expect((await outcome(m.client.post(`${backend.url}/redirect?status=303&to=${to}`, { a: 1 }))).status).toBe(200);
      const api = m.client.create({ baseURL: `${backend.url}/status` });
      expect((await outcome(api.get('/204', { params: { page: 2 } }))).status).toBe(204);
      expect(backend.hits.map((h) => [h.method, h.path, h.body, h.authorization])).toEqual([
        ['POST', '/redirect', '{"a":1}', 'Bearer tok-1'],
        ['POST', '/ok', '{"a":1}', 'Bearer tok-1'],
        ['POST', '/redirect', '{"a":1}', 'Bearer tok-1'],
        ['GET', '/ok', '', 'Bearer tok-1'],
        ['GET', '/status/204', '', 'Bearer tok-1'],
      ]);
    });

    it("a redirect to another origin leaves the caller's Cookie behind too", async () => {
      const m = make(adapter);
      const to = encodeURIComponent(`${elsewhere.url}/ok`);
      await outcome(m.client.get(`${backend.url}/redirect?to=${to}`, { headers: { Cookie: 'sid=1' } }));
      expect(backend.hits.map((h) => [h.cookie, h.authorization])).toEqual([['sid=1', 'Bearer tok-1']]);
      expect(elsewhere.hits.map((h) => [h.cookie, h.authorization])).toEqual([[undefined, undefined]]);
    });

    it('maxRedirects holds', async () => {
      const m = make(adapter, { axios: { maxRedirects: 3 } });
      const r = await outcome(m.client.get(`${backend.url}/loop`));
      expect((r.error as AxiosError).code).toBe('ERR_FR_TOO_MANY_REDIRECTS');
      expect(backend.hits).toHaveLength(4);
    });

    it('maxRedirects: 0 gives the redirect back', async () => {
      const m = make(adapter);
      const r = await outcome(m.client.get(`${backend.url}/redirect?to=/ok`, { maxRedirects: 0, validateStatus: () => true }));
      expect(r.status).toBe(302);
      expect(backend.hits).toHaveLength(1);
    });

    it('a 401 after a redirect within the allowlist replays the hop that answered it, not the first (issue 21)', async () => {
      const m = make(adapter);
      await m.client.get(`${backend.url}/ok`);
      revoked.add('tok-1');
      expect((await outcome(m.client.get(`${backend.url}/redirect?to=/ok&status=307`))).status).toBe(200);
      expect(backend.hits.map((h) => [h.path, h.authorization])).toEqual([
        ['/ok', 'Bearer tok-1'],
        ['/redirect', 'Bearer tok-1'],
        ['/ok', 'Bearer tok-1'],
        ['/ok', 'Bearer tok-2'],
      ]);
      expect(tokens.requests).toHaveLength(2);
    });
  });

  describe('row 6: a per-request beforeRedirect does not replace the guard', () => {
    it('a no-op hook runs, and the token still stays inside the allowlist', async () => {
      const m = make(adapter);
      const seen: unknown[] = [];
      const beforeRedirect = (options: { href: string; headers: Record<string, unknown> }) => {
        seen.push(options.href, options.headers.Authorization);
      };
      const r = await outcome(m.client.get(`${backend.url}/redirect?to=/public`, { beforeRedirect } as never));
      expect(r.status).toBe(401);
      // The hook never sees the token.
      expect(seen).toEqual([`${backend.url}/public`, undefined]);
      expect(authorizations(backend)).toEqual(['Bearer tok-1', undefined]);
    });
  });

  describe('row 7: timeout and signal bound the whole call', () => {
    it('a timeout while the token server is slow rejects in time; the shared fetch goes on', async () => {
      const m = make(adapter);
      tokens.script.push({ delayMs: 1500 });
      const started = performance.now();
      const other = m.client.get(`${backend.url}/ok`);
      const r = await outcome(m.client.get(`${backend.url}/ok`, { timeout: 200 }));
      expect((r.error as AxiosError).code).toBe('ECONNABORTED');
      expect((r.error as AxiosError).message).toBe('timeout of 200ms exceeded');
      expect(performance.now() - started).toBeLessThan(1400);
      expect((await outcome(other)).status).toBe(200);
      expect(tokens.requests).toHaveLength(1);
      expect(authorizations(backend)).toEqual(['Bearer tok-1']);
    });

    it('a hanging token server: the timeout, not deadlineMs, ends the call', async () => {
      const m = make(adapter);
      tokens.script.push({ hang: true });
      const started = performance.now();
      const r = await outcome(m.client.get(`${backend.url}/ok`, { timeout: 300 }));
      expect((r.error as AxiosError).code).toBe('ECONNABORTED');
      expect(performance.now() - started).toBeLessThan(5000);
      expect(backend.hits).toHaveLength(0);
    });

    it('an abort while waiting for the token rejects at once with a CanceledError', async () => {
      const m = make(adapter);
      tokens.script.push({ delayMs: 1500 });
      const controller = new AbortController();
      const started = performance.now();
      const call = outcome(m.client.get(`${backend.url}/ok`, { signal: controller.signal }));
      setTimeout(() => controller.abort(), 100);
      const r = await call;
      expect(axios.isCancel(r.error)).toBe(true);
      expect(performance.now() - started).toBeLessThan(1400);
      expect(backend.hits).toHaveLength(0);
      await m.provider.getAuthorizationHeader();
      expect(tokens.requests).toHaveLength(1);
    });

    it('so does the deprecated cancelToken', async () => {
      const m = make(adapter);
      tokens.script.push({ delayMs: 1500 });
      const source = axios.CancelToken.source();
      const started = performance.now();
      const call = outcome(m.client.get(`${backend.url}/ok`, { cancelToken: source.token }));
      setTimeout(() => source.cancel('gave up'), 100);
      const r = await call;
      expect(axios.isCancel(r.error)).toBe(true);
      expect(performance.now() - started).toBeLessThan(1400);
      expect(backend.hits).toHaveLength(0);
    });
  });

  describe('row 8: 401-driven replacement is rate-limited', () => {
    it('100 sequential calls to an always-401 back end make 2 token POSTs', async () => {
      // A frozen clock: however slow this machine is, the 100 calls fall within one interval.
      const now = Date.now();
      const m = make(adapter, { now: () => now });
      const statuses: number[] = [];
      for (let i = 0; i < 100; i++) statuses.push((await outcome(m.client.get(`${backend.url}/always401`))).status);
      expect(statuses.every((s) => s === 401)).toBe(true);
      expect(tokens.requests).toHaveLength(2);
      expect(backend.hits).toHaveLength(101);
      expect(authorizations(elsewhere)).toEqual([]);
    });

    it('after the interval, one more replacement is allowed (injected clock)', async () => {
      let now = Date.now();
      const m = make(adapter, { now: () => now });
      await outcome(m.client.get(`${backend.url}/always401`));
      await outcome(m.client.get(`${backend.url}/always401`));
      expect(tokens.requests).toHaveLength(2);
      now += 5000;
      await outcome(m.client.get(`${backend.url}/always401`));
      expect(tokens.requests).toHaveLength(3);
      expect(backend.hits).toHaveLength(5);
    });

    it('concurrent 401s still make one fetch', async () => {
      const m = make(adapter);
      await m.client.get(`${backend.url}/ok`);
      revoked.add('tok-1');
      const all = await Promise.all(Array.from({ length: 20 }, () => outcome(m.client.get(`${backend.url}/ok`))));
      expect(all.every((r) => r.status === 200)).toBe(true);
      expect(tokens.requests).toHaveLength(2);
      expect(backend.hits).toHaveLength(41);
    });
  });

  describe('row 10: a discarded 401 stream is destroyed', () => {
    it("responseType: 'stream' with 30 replays holds no socket", async () => {
      const m = make(adapter, { retryOn401MinIntervalMs: 0 });
      for (let i = 0; i < 30; i++) {
        revoked.add(`tok-${i + 1}`); // each call's token is refused once: 30 replays
        const r = await outcome(m.client.get(`${backend.url}/ok`, { responseType: 'stream' }));
        expect(r.status).toBe(200);
        const data = r.response!.data as NodeJS.ReadableStream | ReadableStream;
        if (data instanceof Readable) for await (const _ of data) void _;
        else for await (const _ of data as ReadableStream) void _;
      }
      expect(backend.hits).toHaveLength(60);
      expect(tokens.requests).toHaveLength(31);
      let open = Infinity;
      await waitFor(() => {
        void backend.openConnections().then((n) => (open = n));
        return open <= 2;
        // Well before the server's own 5-s keep-alive timeout would close them for us.
      }, 2000);
      expect(open).toBeLessThanOrEqual(2);
    });
  });

  describe('README: derived instances keep the guarantees', () => {
    it("create(): injection by the allowlist, replay, redaction; the parent's interceptors are not touched", async () => {
      const m = make(adapter);
      const derived = m.client.create({ headers: { 'X-Tenant': 'a' } });
      const seen: string[] = [];
      derived.interceptors.request.use((config) => {
        seen.push(String(config.url));
        return config;
      });
      await derived.get(`${backend.url}/ok`);
      revoked.add('tok-1');
      expect((await outcome(derived.get(`${backend.url}/ok`))).status).toBe(200);
      expect((await outcome(derived.get(`${elsewhere.url}/ok`))).status).toBe(401);
      expect((await outcome(derived.get(`${backend.url}/status/500`))).status).toBe(500);
      await m.client.get(`${backend.url}/ok`);
      expect(seen).toHaveLength(4);
      expect(authorizations(backend)).toEqual(['Bearer tok-1', 'Bearer tok-1', 'Bearer tok-2', 'Bearer tok-2', 'Bearer tok-2']);
      expect(authorizations(elsewhere)).toEqual([undefined]);
    });
  });
});

describe('row 5: what cannot be made safe is refused at startup', () => {
  it('a custom axios `transport` throws McaConfigError ERR_MCA_INVALID_AXIOS', () => {
    expect(() => make('http', { axios: { transport: { request: () => undefined } } })).toThrow(
      expect.objectContaining({ name: 'McaConfigError', code: 'ERR_MCA_INVALID_AXIOS', field: 'axios' }),
    );
  });
});
