import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { AxiosHeaders, type AxiosRequestConfig } from 'axios';
import { mcaOAuth, type McaOAuthMiddleware } from '../../lib';
import { startTokenServer, type TokenServer } from '../helpers/token-server';
import { startProtectedBackend, type ProtectedBackend } from '../helpers/protected-backend';
import { startCaptureProxy } from '../helpers/capture-proxy';
import { renderAll } from '../helpers/leak-watch';

// Found by attacking issue 9's req.mcaClient: cases where the token went where it had no business,
// or a good token was thrown away.
let tokens: TokenServer;
let home: ProtectedBackend;
let foreign: ProtectedBackend;
const opened: McaOAuthMiddleware[] = [];

beforeEach(async () => {
  tokens = await startTokenServer();
  home = await startProtectedBackend(() => tokens.issued);
  foreign = await startProtectedBackend(() => tokens.issued);
});
afterEach(async () => {
  await Promise.all(opened.splice(0).map((m) => m.close()));
  await Promise.all([tokens.close(), home.close(), foreign.close()]);
});

function middleware(adapter: 'http' | 'fetch'): McaOAuthMiddleware {
  const m = mcaOAuth({
    env: { MCA_CLIENT_ID: 'client-1', MCA_SECRET: 's3cr3t-value', MCA_TENANT_ID: 'tenant-1', MCA_SERVER_URL: tokens.serverUrl },
    envFile: false,
    axios: { adapter },
  });
  opened.push(m);
  return m;
}

describe.each(['http', 'fetch'] as const)('with the %s adapter', (adapter) => {
  it('a redirect that leaves the origin and comes back does not bring the token back', async () => {
    const m = middleware(adapter);
    home.redirects.set('/start', `${foreign.url}/bounce`);
    foreign.redirects.set('/bounce', `${home.url}/chosen-by-foreign`);
    const response = await m.client.get(`${home.url}/start`, { validateStatus: () => true });
    expect(response.status).toBe(401);
    expect(foreign.seen).toEqual([undefined]);
    // The first hop had it; the hop the foreign server chose does not.
    expect(home.seen).toEqual(['Bearer tok-1', undefined]);
  });

  it("axios's `auth` option is the caller's own credential: no token, and its 401 drops no token", async () => {
    const m = middleware(adapter);
    await m.provider.getAuthorizationHeader(); // a good token in the cache
    home.always = 401;
    for (let i = 0; i < 3; i++) {
      const response = await m.client.get(`${home.url}/x`, { auth: { username: 'u', password: 'p' }, validateStatus: () => true });
      expect(response.status).toBe(401);
    }
    expect(home.seen).toEqual(Array(3).fill(`Basic ${Buffer.from('u:p').toString('base64')}`));
    expect(tokens.requests).toHaveLength(1);
  });
});

describe.each(['http', 'fetch'] as const)('with the %s adapter, a headers object shared between calls', (adapter) => {
  it('never carries the token lent to one call into a concurrent call to a host off the allowlist', async () => {
    // The protected back end holds its answer until the other call is done: both are in flight.
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const seen: (string | undefined)[] = [];
    const slow = http.createServer((req, res) => {
      seen.push(req.headers.authorization);
      void held.then(() => res.end('{}'));
    });
    await new Promise<void>((resolve) => slow.listen(0, '127.0.0.1', resolve));
    const slowUrl = `http://127.0.0.1:${(slow.address() as AddressInfo).port}`;
    try {
      const m = mcaOAuth({
        env: { MCA_CLIENT_ID: 'client-1', MCA_SECRET: 's3cr3t-value', MCA_TENANT_ID: 'tenant-1', MCA_SERVER_URL: tokens.serverUrl },
        envFile: false,
        protectedBackends: [slowUrl],
        axios: { adapter },
      });
      opened.push(m);
      const client = m.client.create();
      const common = new AxiosHeaders({ 'X-App': 'demo' });
      client.interceptors.request.use((config) => {
        config.headers = common;
        return config;
      });
      const first = client.get(`${slowUrl}/x`);
      while (seen.length === 0) await new Promise((resolve) => setImmediate(resolve));
      await client.get(`${foreign.url}/y`, { validateStatus: null });
      release();
      await first;
      expect(seen).toEqual(['Bearer tok-1']);
      expect(foreign.seen).toEqual([undefined]);
      expect(common.has('Authorization')).toBe(false);
    } finally {
      release();
      slow.closeAllConnections();
      await new Promise<void>((resolve) => slow.close(() => resolve()));
    }
  });
});

describe('with the http adapter, HTTP_PROXY in the environment', () => {
  // The rule is decided on the URL as the adapter parses it, not on its spelling; and `proxy: null`
  // (or any falsy value but `false`) is no proxy option to axios, which then reads the environment.
  it.each([
    ['a leading space', (url: string) => ` ${url}/x`, {}],
    ['a tab in the scheme', (url: string) => `${url.replace('http', 'ht\ttp')}/x`, {}],
    ['`proxy: null`', (url: string) => `${url}/x`, { proxy: null }],
    // axios reads the environment for every falsy proxy option but `false`.
    ["`proxy: ''`", (url: string) => `${url}/x`, { proxy: '' }],
    ['`proxy: 0`', (url: string) => `${url}/x`, { proxy: 0 }],
  ])('never sees the token of a call to a loopback http back end spelled with %s', async (_form, spell, extra) => {
    const proxy = await startCaptureProxy();
    process.env.HTTP_PROXY = proxy.url;
    try {
      const m = middleware('http');
      const response = await m.client.get(spell(home.url), extra as AxiosRequestConfig);
      expect(response.status).toBe(200);
      expect(home.seen).toEqual(['Bearer tok-1']);
      expect(proxy.seen).toEqual([]);
      // The caller's config is handed back as it was.
      expect(response.config.proxy).toBe((extra as { proxy?: unknown }).proxy);
      expect(Object.hasOwn(response.config, 'proxy')).toBe('proxy' in extra);
    } finally {
      delete process.env.HTTP_PROXY;
      await proxy.close();
    }
  });
});

describe('with the fetch adapter', () => {
  it('a web ReadableStream body is not replayed: the caller gets the 401, and no token is dropped', async () => {
    const m = middleware('fetch');
    home.script.push(401);
    const body = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('hello'));
        controller.close();
      },
    });
    const response = await m.client.post(`${home.url}/x`, body, { validateStatus: null, headers: { 'Content-Type': 'text/plain' } });
    expect(response.status).toBe(401);
    expect(home.seen).toEqual(['Bearer tok-1']);
    expect(tokens.requests).toHaveLength(1);
  });
});

describe('with the http adapter (fetch refuses URLs with credentials and reads no proxy variables)', () => {
  it('a URL with userinfo brings its own credentials: no token, and its 401 drops no token', async () => {
    const m = middleware('http');
    await m.provider.getAuthorizationHeader();
    home.always = 401;
    const withUserinfo = home.url.replace('http://', 'http://u:p@');
    for (let i = 0; i < 3; i++) expect((await m.client.get(`${withUserinfo}/x`, { validateStatus: () => true })).status).toBe(401);
    expect(home.seen).toEqual(Array(3).fill(`Basic ${Buffer.from('u:p').toString('base64')}`));
    expect(tokens.requests).toHaveLength(1);
  });

  // WHATWG strips tabs and newlines, leading spaces and controls, and takes `http:`, `http:/` and
  // backslashes for `http://`: the rule is decided on what the URL parses to, not on its spelling.
  it.each([
    ['no slashes', (url: string) => url.replace('http://', 'http:u:p@')],
    ['one slash', (url: string) => url.replace('http://', 'http:/u:p@')],
    ['backslashes', (url: string) => url.replace('http://', 'http:\\\\u:p@')],
    ['a tab in the scheme', (url: string) => url.replace('http://', 'ht\ttp://u:p@')],
    ['a newline after the colon', (url: string) => url.replace('http://', 'http:\n//u:p@')],
    ['a leading space', (url: string) => url.replace('http://', ' http://u:p@')],
  ])('userinfo spelled with %s: no token from req.mcaAuth(url), and its 401 drops no token', async (_form, spell) => {
    const m = middleware('http');
    await m.provider.getAuthorizationHeader();
    home.always = 401;
    const withUserinfo = spell(home.url);
    expect(new URL(withUserinfo).username).toBe('u');
    await expect(m.authorization(`${withUserinfo}/x`)).rejects.toMatchObject({ code: 'ERR_MCA_UNKNOWN_BACKEND' });
    // axios refuses some spellings itself ('missing "//"'); those that it sends go with the Basic.
    for (let i = 0; i < 2; i++) await m.client.get(`${withUserinfo}/x`, { validateStatus: () => true }).catch(() => undefined);
    expect(home.seen.every((seen) => seen === `Basic ${Buffer.from('u:p').toString('base64')}`)).toBe(true);
    expect(tokens.requests).toHaveLength(1);
  });

  it('a redirect to a Location with userinfo on the same origin does not take the token', async () => {
    const m = middleware('http');
    home.redirects.set('/start', `${home.url.replace('http://', 'http://u:p@')}/next`);
    await m.client.get(`${home.url}/start`, { validateStatus: () => true });
    expect(home.seen).toEqual(['Bearer tok-1', `Basic ${Buffer.from('u:p').toString('base64')}`]);
    expect(tokens.requests).toHaveLength(1);
  });

  it("a call with the token through the caller's proxy with credentials: the request its response carries shows neither", async () => {
    const proxy = await startCaptureProxy();
    try {
      const m = middleware('http');
      const auth = { username: 'proxy-user', password: 'proxy-pass-41c7' };
      const response = await m.client.get(`${home.url}/x`, { proxy: { protocol: 'http', host: '127.0.0.1', port: proxy.port, auth } });
      expect(response.status).toBe(200);
      const credential = Buffer.from(`${auth.username}:${auth.password}`).toString('base64');
      expect(proxy.seen.map((seen) => [seen.headers.authorization, seen.headers['proxy-authorization']])).toEqual([['Bearer tok-1', `Basic ${credential}`]]);
      const rendered = renderAll(response.request);
      expect(rendered).not.toContain('tok-1');
      expect(rendered).not.toContain(credential);
    } finally {
      await proxy.close();
    }
  });

  it('HTTP_PROXY never sees the token of a call to a loopback http back end; an explicit proxy option still applies', async () => {
    const proxy = await startCaptureProxy();
    process.env.HTTP_PROXY = proxy.url;
    try {
      const m = middleware('http');
      home.redirects.set('/start', '/next'); // a redirect hop, too
      expect((await m.client.get(`${home.url}/start`)).status).toBe(200);
      expect(home.seen).toEqual(['Bearer tok-1', 'Bearer tok-1']);
      expect(proxy.seen).toEqual([]);
      // The caller's own proxy option is the caller's choice (and a call without the token is untouched).
      await m.client.get(`${home.url}/x`, { proxy: { protocol: 'http', host: '127.0.0.1', port: proxy.port } });
      await m.client.get(`${home.url}/y`, { mcaAuth: false });
      expect(proxy.seen.map((seen) => [new URL(seen.url).pathname, seen.headers.authorization])).toEqual([
        ['/x', 'Bearer tok-1'],
        ['/y', undefined],
      ]);
    } finally {
      delete process.env.HTTP_PROXY;
      await proxy.close();
    }
  });
});
