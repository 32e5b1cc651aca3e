// What req.mcaClient puts on each hop it sends (the first, a redirect, the replay after a 401), and
// what the caller gets back: its own config, axios's own errors and messages, its own hooks'
// view. Found unprotected by StrykerJS on lib/transports/axios/axios-transport.ts and
// authorized-client.ts (issue 22). Real token server and back ends on 127.0.0.1.
import http from 'node:http';
import { format } from 'node:util';
import createDebug from 'debug';
import axios, { AxiosError, type AxiosAdapter, type AxiosRequestConfig, type AxiosResponse, type InternalAxiosRequestConfig } from 'axios';
import type { McaOAuthMiddleware } from '../../lib';
import { middlewareFixture } from '../helpers/middleware-fixture';
import { leakedSecrets } from '../helpers/leak-watch';
import { listenOnLoopback, type Loopback } from '../helpers/loopback';
import { waitFor } from '../helpers/wait';
import { startScriptedBackend, type ScriptedBackend } from './scripted-backend';

const fixture = middlewareFixture(startScriptedBackend);
const { secrets, watch } = fixture;
const OWN = `Basic ${Buffer.from('caller:own').toString('base64')}`;

/** What an echo back end saw, as it answers it. */
interface Echoed {
  url: string;
  method: string;
  authorization?: string;
  headers: http.IncomingHttpHeaders;
}

/**
 * A back end for this file: `/echo…` answers 200 with the request it got (URL with query, headers);
 * `/hang` never answers; `/redirect?to=…` answers 302 to `to`; `/status/<n>` that status.
 */
interface EchoBackend extends Loopback {
  hits: Echoed[];
}

async function startEchoBackend(): Promise<EchoBackend> {
  const hits: Echoed[] = [];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const hit: Echoed = { url: req.url ?? '', method: req.method ?? '', authorization: req.headers.authorization, headers: req.headers };
    hits.push(hit);
    req.resume();
    if (url.pathname === '/hang') return; // closed by the loopback's close()
    if (url.pathname === '/redirect') {
      res.writeHead(302, { Location: url.searchParams.get('to') ?? '/echo' });
      res.end();
      return;
    }
    if (url.pathname.startsWith('/status/')) {
      res.writeHead(Number(url.pathname.slice(8)), { 'Content-Type': 'text/plain' });
      res.end('status body');
      return;
    }
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(hit));
  });
  return Object.assign(await listenOnLoopback(server), { hits });
}

/** A loopback URL where nothing listens (a back end that is down). */
async function closedPortUrl(): Promise<string> {
  const loopback = await listenOnLoopback(http.createServer());
  await loopback.close();
  return loopback.url;
}

let backend: ScriptedBackend;
let echo: EchoBackend;
beforeEach(async () => {
  ({ backend } = fixture);
  echo = await startEchoBackend();
});
afterEach(() => echo.close());

function make(adapter: string, extra: Record<string, unknown> = {}): McaOAuthMiddleware {
  return fixture.make({ protectedBackends: [backend.url, echo.url], axios: { adapter }, ...extra });
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => {
      watch.collect(error);
      expect(leakedSecrets(error, secrets())).toEqual([]);
      return error;
    },
  );
}

const to = (url: string): string => `/redirect?to=${encodeURIComponent(url)}`;
const hitsOf = (b: ScriptedBackend) => b.hits.map((h) => [h.method, h.path, h.body, h.authorization]);

describe.each(['http', 'fetch'])('with the %s adapter: what each hop carries', (adapter) => {
  it('params and the query of the URL reach the back end with the token', async () => {
    const m = make(adapter);
    const response = await m.client.get<Echoed>(`${echo.url}/echo?a=1`, { params: { page: 2 } });
    expect([response.data.url, response.data.authorization]).toEqual(['/echo?a=1&page=2', 'Bearer tok-1']);
  });

  it.each([301, 302])('a POST that a %i redirects arrives as a GET without its body, as axios sends it', async (status) => {
    const m = make(adapter);
    await m.client.post(`${backend.url}/redirect?status=${status}&to=/ok`, { a: 1 });
    expect(hitsOf(backend)).toEqual([
      ['POST', '/redirect', '{"a":1}', 'Bearer tok-1'],
      ['GET', '/ok', '', 'Bearer tok-1'],
    ]);
  });

  it("the caller's own Authorization follows a redirect within the origin; no token is fetched", async () => {
    const { tokens } = fixture;
    const m = make(adapter);
    const response = await m.client.get(`${backend.url}${to('/status/200')}`, { headers: { Authorization: OWN } });
    expect(response.status).toBe(200);
    expect(backend.hits.map((h) => [h.path, h.authorization])).toEqual([
      ['/redirect', OWN],
      ['/status/200', OWN],
    ]);
    expect(tokens.requests).toHaveLength(0);
  });

  it('`auth: null` (no Basic credentials, say over an instance default) is no opt-out: the call gets the token', async () => {
    const m = make(adapter);
    const response = await m.client.get<Echoed>(`${echo.url}/echo`, { auth: null } as unknown as AxiosRequestConfig);
    expect(response.data.authorization).toBe('Bearer tok-1');
  });

  it('a redirect is followed whatever the responseType: the target’s bytes come back (arraybuffer)', async () => {
    const m = make(adapter);
    const response = await m.client.get<ArrayBuffer>(`${echo.url}${to('/echo?b=2')}`, { responseType: 'arraybuffer' });
    const seen = JSON.parse(Buffer.from(response.data).toString('utf8')) as Echoed;
    expect([seen.url, seen.authorization]).toEqual(['/echo?b=2', 'Bearer tok-1']);
  });
});

describe.each(['http', 'fetch'])('with the %s adapter: what the caller gets back', (adapter) => {
  it("the config of an answer is the caller's own, unchanged: re-sent (as axios-retry does) through another client, it reaches the same back end", async () => {
    const m = make(adapter);
    const error = (await rejection(m.client.get('/status/502', { baseURL: echo.url, timeout: 5000 }))) as AxiosError;
    const config = error.config!;
    expect([config.url, config.baseURL, config.timeout, config.maxRedirects, config.proxy]).toEqual(['/status/502', echo.url, 5000, undefined, undefined]);
    expect(typeof config.validateStatus).toBe('function');
    expect(config.headers.has('Authorization')).toBe(false);
    // The middleware's own client has no baseURL: only the config's own brings the call back.
    expect(((await rejection(m.client.request(config))) as AxiosError).response?.status).toBe(502);
    expect(echo.hits.map((h) => [h.url, h.authorization])).toEqual([
      ['/status/502', 'Bearer tok-1'],
      ['/status/502', 'Bearer tok-1'],
    ]);
  });

  it("the caller's own `proxy: false` stays on the config it gets back, for a re-sent config to go the same way", async () => {
    const m = make(adapter);
    const response = await m.client.get<Echoed>(`${echo.url}/echo`, { proxy: false });
    expect([response.data.authorization, response.config.proxy]).toEqual(['Bearer tok-1', false]);
  });

  it('a back end that is down: the first hop rejects with axios’s own error, its config the caller’s and without the token', async () => {
    const down = await closedPortUrl();
    const m = fixture.make({ protectedBackends: [down], axios: { adapter } });
    let seen: InternalAxiosRequestConfig | undefined;
    m.client.interceptors.request.use((config) => (seen = config));
    const error = await rejection(m.client.get(`${down}/x`));
    expect(axios.isAxiosError(error)).toBe(true);
    expect((error as AxiosError).config?.url).toBe(`${down}/x`);
    expect(seen?.headers.has('Authorization')).toBe(false);
    expect(fixture.tokens.requests).toHaveLength(1);
  });

  it('a redirect to a back end that is down: the error is axios’s own, and its config the caller’s (its URL, not the hop’s), without the token', async () => {
    const down = await closedPortUrl();
    const m = make(adapter);
    const url = `${backend.url}${to(`${down}/x`)}`;
    const error = await rejection(m.client.post(url, { a: 1 }, { headers: { 'X-Trace': 't1' } }));
    expect(axios.isAxiosError(error)).toBe(true);
    const config = (error as AxiosError).config!;
    expect([config.url, config.method, config.data, config.headers['X-Trace']]).toEqual([url, 'post', '{"a":1}', 't1']);
    expect(config.headers.has('Authorization')).toBe(false);
  });

  it.each([
    [302, 'ERR_BAD_RESPONSE'], // a redirect without Location: nothing to follow
    [400, 'ERR_BAD_REQUEST'],
    [499, 'ERR_BAD_REQUEST'],
    [500, 'ERR_BAD_RESPONSE'],
  ])('a %i that validateStatus refuses rejects as axios does: %s, its message, its response', async (status, code) => {
    const m = make(adapter);
    const error = (await rejection(m.client.get(`${backend.url}/status/${status}`))) as AxiosError;
    expect([error.code, error.message, error.response?.status]).toEqual([code, `Request failed with status code ${status}`, status]);
  });

  it('too many redirects reject as follow-redirects does: its code and message', async () => {
    const m = make(adapter);
    const error = (await rejection(m.client.get(`${backend.url}/loop`, { maxRedirects: 2 }))) as AxiosError;
    expect([error.code, error.message]).toEqual(['ERR_FR_TOO_MANY_REDIRECTS', 'Maximum number of redirects exceeded']);
  });

  it('a beforeRedirect hook sees the hop as follow-redirects shows it, without the token; its edits go out', async () => {
    const m = make(adapter);
    const seen: unknown[] = [];
    const beforeRedirect: AxiosRequestConfig['beforeRedirect'] = (options, response, request) => {
      const headers = options.headers as Record<string, unknown>;
      seen.push(options.path, headers['X-Trace'], headers.Authorization, response, request);
      headers['X-Hook'] = 'h1';
    };
    const url = `${echo.url}${to('/echo?q=1')}`;
    const response = await m.client.get<Echoed>(url, { headers: { 'X-Trace': 't1' }, beforeRedirect });
    expect(seen).toEqual([
      '/echo?q=1',
      't1',
      undefined,
      expect.objectContaining({ statusCode: 302, headers: expect.objectContaining({ location: '/echo?q=1' }) }),
      { url, method: 'GET' },
    ]);
    const { headers, authorization } = response.data;
    expect([headers['x-trace'], headers['x-hook'], authorization]).toEqual(['t1', 'h1', 'Bearer tok-1']);
  });
});

describe.each(['http', 'fetch'])('with the %s adapter: an adapter of the caller’s', (adapter) => {
  const base = axios.getAdapter(adapter);

  it('that throws at once: the call rejects with its error, and the config it was given keeps no token', async () => {
    const m = make(adapter);
    let given: InternalAxiosRequestConfig | undefined;
    const throwing: AxiosAdapter = (config) => {
      given = config;
      expect(config.headers.Authorization).toBe('Bearer tok-1');
      throw new Error('adapter failed');
    };
    const error = await rejection(m.client.get(`${echo.url}/echo`, { adapter: throwing }));
    expect((error as Error).message).toBe('adapter failed');
    expect(given?.headers.has('Authorization')).toBe(false);
  });

  it('that rejects with something that is no Error: the caller gets that very value', async () => {
    const m = make(adapter);
    const error = await rejection(m.client.get(`${echo.url}/echo`, { adapter: () => Promise.reject('gave up') }));
    expect(error).toBe('gave up');
  });

  it("that rejects with an AxiosError holding the response on a redirect hop: the response's config is the caller's, and nothing holds the token", async () => {
    const m = make(adapter);
    const strict: AxiosAdapter = async (config) => {
      const response = await base(config);
      if (response.status >= 500) throw new AxiosError('unavailable', 'E_UNAVAILABLE', config, undefined, response);
      return response;
    };
    const url = `${echo.url}${to('/status/503')}`;
    const error = (await rejection(m.client.get(url, { adapter: strict }))) as AxiosError;
    expect([error.code, error.response?.status, error.response?.config.url, error.config?.url]).toEqual(['E_UNAVAILABLE', 503, url, url]);
    expect(echo.hits.map((h) => h.authorization)).toEqual(['Bearer tok-1', 'Bearer tok-1']);
  });

  it('that hands back a fetch Response as the data of a redirect: its body is cancelled, no socket held for it', async () => {
    const m = make(adapter);
    let cancelled = 0;
    const held = (): Response => new Response(new ReadableStream({ cancel: () => void cancelled++ }), { status: 302, headers: { location: '/echo' } });
    const responses: AxiosAdapter = async (config) => {
      if (new URL(String(config.url)).pathname !== '/from') return base(config);
      const response = held();
      return { status: response.status, statusText: '', headers: { location: '/echo' }, data: response, config, request: {} } as AxiosResponse;
    };
    const response = await m.client.get<Echoed>(`${echo.url}/from`, { adapter: responses });
    expect(response.data.url).toBe('/echo');
    expect(cancelled).toBe(1);
  });

  it('that answers like a mock: no body (undefined, null) on the redirect, no headers at all on the answers after it', async () => {
    const m = make(adapter);
    const answer = (config: InternalAxiosRequestConfig, status: number, headers?: Record<string, unknown>, data?: unknown): AxiosResponse =>
      ({ status, statusText: '', headers, data, config, request: {} }) as AxiosResponse;
    const mock: AxiosAdapter = (config) => {
      const path = new URL(String(config.url)).pathname;
      if (path === '/a') return Promise.resolve(answer(config, 302, { location: '/b' }));
      if (path === '/b') return Promise.resolve(answer(config, 302, { location: '/c' }, null));
      if (path === '/c') return Promise.resolve(answer(config, 200, undefined, 'done'));
      if (path === '/odd') return Promise.resolve(answer(config, 302, { location: ['/c'] }, ''));
      return Promise.resolve(answer(config, 401, undefined, null));
    };
    expect((await m.client.get(`${echo.url}/a`, { adapter: mock })).data).toBe('done');
    // A Location that is not a string is not followed: the redirect goes back as it is.
    expect((await m.client.get(`${echo.url}/odd`, { adapter: mock, validateStatus: () => true })).status).toBe(302);
    expect((await m.client.get(`${echo.url}/denied`, { adapter: mock, validateStatus: () => true })).status).toBe(401);
  });

  it("that is given a config whose method a request interceptor removed: the call is a GET, axios's default, on the redirect hop too", async () => {
    const m = make(adapter);
    m.client.interceptors.request.use((config) => {
      delete (config as { method?: unknown }).method;
      return config;
    });
    const methods: unknown[] = [];
    const mock: AxiosAdapter = (config) => {
      methods.push(config.method);
      const moved = new URL(String(config.url)).pathname === '/a';
      return Promise.resolve({
        status: moved ? 302 : 200,
        statusText: '',
        headers: moved ? { location: '/b' } : {},
        data: 'done',
        config,
        request: {},
      } as AxiosResponse);
    };
    expect((await m.client.request({ url: `${echo.url}/a`, adapter: mock })).data).toBe('done');
    expect(methods).toEqual([undefined, 'get']);
  });
});

describe('with the http adapter: a timeout on the back end', () => {
  it("reports the caller's timeout, not what was left of it after the token wait (first hop, redirect hop)", async () => {
    const { tokens } = fixture;
    let m: McaOAuthMiddleware | undefined;
    for (const path of ['/hang', to('/hang')]) {
      await m?.close();
      m = make('http'); // a new cache: each call waits for a token
      // The token takes a while: less than the 2000 ms is left for the hops, and still enough for
      // them to be sent on a loaded machine.
      tokens.script.push({ delayMs: 100 });
      const error = (await rejection(m.client.get(`${echo.url}${path}`, { timeout: 2000 }))) as AxiosError;
      expect([path, error.code, error.message]).toEqual([path, 'ECONNABORTED', 'timeout of 2000ms exceeded']);
    }
    expect(echo.hits.map((h) => [h.url, h.authorization])).toEqual([
      ['/hang', 'Bearer tok-1'],
      [to('/hang'), 'Bearer tok-2'],
      ['/hang', 'Bearer tok-2'],
    ]);
  });

  it("keeps the caller's own timeoutErrorMessage (first hop, redirect hop)", async () => {
    const m = make('http');
    for (const path of ['/hang', to('/hang')]) {
      const error = (await rejection(m.client.get(`${echo.url}${path}`, { timeout: 300, timeoutErrorMessage: 'the back end is slow' }))) as AxiosError;
      expect([path, error.message]).toEqual([path, 'the back end is slow']);
    }
  });

  // axios's adapters read `transitional` with a fallback to their defaults; so does the timeout
  // error the package raises itself, when the wait for the token outlasts the caller's timeout.
  it("a request interceptor that drops `transitional` still gets axios's own timeout error when the token comes too late", async () => {
    const { tokens } = fixture;
    const m = make('http');
    m.client.interceptors.request.use((config) => {
      delete (config as { transitional?: unknown }).transitional;
      return config;
    });
    tokens.script.push({ hang: true }); // the caller's timeout, not the token, ends the call
    const error = (await rejection(m.client.get(`${echo.url}/echo`, { timeout: 200 }))) as AxiosError;
    expect([error instanceof AxiosError, error.code, error.message]).toEqual([true, 'ECONNABORTED', 'timeout of 200ms exceeded']);
    expect(echo.hits).toHaveLength(0);
  });
});

describe.each(['http', 'fetch'])('with the %s adapter: cancelling the wait for the token', (adapter) => {
  it('with a signal and a cancelToken both given, aborting the signal ends the wait', async () => {
    const { tokens } = fixture;
    const m = make(adapter);
    // The token request hangs (until its attempt times out and a retry gets one): the abort must
    // end the call before that. axios turns any later failure into a cancel too, so the outcome
    // alone could not tell an abort heeded only once the token came.
    tokens.script.push({ hang: true });
    const controller = new AbortController();
    const config = { signal: controller.signal, cancelToken: axios.CancelToken.source().token };
    const call = rejection(m.client.get(`${echo.url}/echo`, config));
    await waitFor(() => tokens.requests.length === 1);
    controller.abort();
    expect(axios.isCancel(await call)).toBe(true);
    expect([tokens.requests.length, tokens.issued]).toEqual([1, []]);
    expect(echo.hits).toHaveLength(0);
  });

  it("a cancelToken's own cancel reaches the caller as it was given (its message)", async () => {
    const { tokens } = fixture;
    const m = make(adapter);
    tokens.script.push({ hang: true }); // the abort, not the token, ends the call
    const source = axios.CancelToken.source();
    const call = rejection(m.client.get(`${echo.url}/echo`, { cancelToken: source.token }));
    await waitFor(() => tokens.requests.length === 1);
    source.cancel('the user left');
    const error = await call;
    expect([axios.isCancel(error), (error as Error).message]).toEqual([true, 'the user left']);
  });

  it("a signal aborted with axios's CanceledError as its reason: the caller gets that very error, as axios's fetch adapter gives it", async () => {
    const { tokens } = fixture;
    const m = make(adapter);
    tokens.script.push({ hang: true }); // the abort, not the token, ends the call
    const controller = new AbortController();
    const call = rejection(m.client.get(`${echo.url}/echo`, { signal: controller.signal }));
    await waitFor(() => tokens.requests.length === 1);
    const reason = new axios.CanceledError('the user left');
    controller.abort(reason);
    expect(await call).toBe(reason);
  });

  it('a cancelToken shared by many calls holds no listener of theirs once they are over', async () => {
    const m = make(adapter);
    const source = axios.CancelToken.source();
    for (let i = 0; i < 5; i++) await m.client.get(`${echo.url}/echo`, { cancelToken: source.token });
    // axios keeps a token's listeners in `_listeners`: an application-wide token would grow with every call.
    expect((source.token as unknown as { _listeners?: unknown[] })._listeners ?? []).toHaveLength(0);
  });
});

describe('req.mcaClient’s own guards', () => {
  it('with the request interceptors in the order of addition (transitional), an interceptor that picks another adapter still goes through the policy', async () => {
    const m = make('http', { axios: { adapter: 'http', transitional: { legacyInterceptorReqResOrdering: false } } });
    m.client.interceptors.request.use((config) => Object.assign(config, { adapter: 'fetch' }));
    const response = await m.client.get<Echoed>(`${echo.url}/echo`);
    expect(response.data.authorization).toBe('Bearer tok-1');
  });

  it('a derived instance (`create()`) runs the policy once per call: one route-debug line for a call that gets no token', async () => {
    const m = make('http');
    const lines: string[] = [];
    const log = createDebug.log;
    createDebug.log = (...args: unknown[]) => void lines.push(format(...args));
    createDebug.enable('express-mca-oauth:route');
    try {
      await m.client.create({ headers: { 'X-Tenant': 'a' } }).get(`${fixture.elsewhere.url}/status/200`);
    } finally {
      createDebug.disable();
      createDebug.log = log;
    }
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('/status/200');
  });

  it('a refused option says where it came from: `client.create()`, or the request config', async () => {
    const m = make('http');
    expect(() => m.client.create({ socketPath: '/tmp/x.sock' })).toThrow('(from `client.create()`)');
    const error = await rejection(m.client.get(`${echo.url}/echo`, { socketPath: '/tmp/x.sock' }));
    expect((error as Error).message).toContain('(from the request config (its own options, an interceptor or the instance defaults))');
  });

  it('a URL without "//" after its scheme is refused with axios’s code and reason, without echoing the URL', async () => {
    const m = make('http');
    const error = (await rejection(m.client.get('http:example.com/x'))) as AxiosError;
    expect([error.code, error.message]).toEqual(['ERR_INVALID_URL', 'Invalid URL: missing "//" after protocol']);
  });
});
