// Issue 21, rows 3 and 4: no axios option set per request, on a derived instance, on `defaults` or
// by an interceptor moves the request below the policy (`transport`, `socketPath`, `lookup`), and
// the URL that decides the token is the URL the adapter sends, for every spelling that axios and
// fetch read differently. Real token server and back ends on 127.0.0.1.
import http from 'node:http';
import net from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import axios, { type AxiosAdapter, type AxiosRequestConfig } from 'axios';
import { createTokenProvider, type McaOAuthMiddleware } from '../../lib';
import { REFUSED_AXIOS_OPTIONS } from '../../lib/transports/axios/refused-options';
import { SECRET, middlewareFixture } from '../helpers/middleware-fixture';
import { startCaptureProxy } from '../helpers/capture-proxy';
import { startScriptedBackend, type ScriptedBackend } from './scripted-backend';

const fixture = middlewareFixture(startScriptedBackend);
const { watch } = fixture;
let backend: ScriptedBackend;
let elsewhere: ScriptedBackend;
beforeEach(() => ({ backend, elsewhere } = fixture));

function make(adapter = 'http', extra: Record<string, unknown> = {}): McaOAuthMiddleware {
  return fixture.make({ protectedBackends: [backend.url], axios: { adapter }, ...extra });
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => watch.collect(error),
  );
}

const CODES: Record<string, string> = {
  transport: 'ERR_MCA_REFUSED_AXIOS_TRANSPORT',
  socketPath: 'ERR_MCA_REFUSED_AXIOS_SOCKET_PATH',
  lookup: 'ERR_MCA_REFUSED_AXIOS_LOOKUP',
  httpVersion: 'ERR_MCA_REFUSED_AXIOS_HTTP_VERSION',
  http2Options: 'ERR_MCA_REFUSED_AXIOS_HTTP_2_OPTIONS',
};
const refused = (field: string) => expect.objectContaining({ name: 'McaConfigError', code: CODES[field], field });

describe.each(['http', 'fetch'])('row 3, with the %s adapter: refused axios options', (adapter) => {
  it.each([
    ['transport', http],
    ['socketPath', '/tmp/express-mca-oauth-none.sock'],
    ['lookup', (_host: string, _opts: unknown, cb: (e: null, a: string, f: number) => void) => cb(null, '127.0.0.1', 4)],
    // HTTP/2 keeps the sent headers (the token) on the stream it hands back, and its own options
    // carry a lookup and a connection factory of their own.
    ['httpVersion', 2],
    ['http2Options', { lookup: (_host: string, _opts: unknown, cb: (e: null, a: string, f: number) => void) => cb(null, '127.0.0.2', 4) }],
  ])('`%s` per request is refused with a typed error, nothing sent', async (name, value) => {
    const m = make(adapter);
    const error = await rejection(m.client.get(`${backend.url}/ok`, { [name]: value }));
    expect(error).toEqual(refused(name));
    // The message names the option, where it came from and why.
    expect((error as Error).message).toContain(`\`${name}\` (from the request config`);
    expect((error as Error).message).toContain(REFUSED_AXIOS_OPTIONS[name]);
    expect(backend.hits).toEqual([]);
    expect(fixture.tokens.requests).toHaveLength(0);
  });

  // (`httpVersion: null` is refused by axios itself.)
  it('an option set to null (unset, to axios) is not refused', async () => {
    const m = make(adapter);
    const unset = { transport: null, socketPath: null, lookup: null, http2Options: null } as unknown as AxiosRequestConfig;
    expect((await m.client.get(`${backend.url}/ok`, unset)).status).toBe(200);
    expect(backend.hits.map((hit) => hit.authorization)).toEqual(['Bearer tok-1']);
  });

  it('on a derived instance (`client.create`) at once, on `defaults` and from an interceptor per request', async () => {
    const m = make(adapter);
    expect(() => m.client.create({ transport: http } as never)).toThrow(refused('transport'));
    const api = m.client.create({});
    (api.defaults as Record<string, unknown>).transport = http;
    await expect(rejection(api.get(`${backend.url}/ok`))).resolves.toEqual(refused('transport'));
    const intercepted = m.client.create({});
    intercepted.interceptors.request.use((config) => Object.assign(config, { socketPath: '/tmp/none.sock' }));
    await expect(rejection(intercepted.get(`${backend.url}/ok`))).resolves.toEqual(refused('socketPath'));
    expect(backend.hits).toEqual([]);
    // The instance itself still works, and axios's default HTTP version, said out loud, is no escape.
    expect((await m.client.get(`${backend.url}/ok`)).status).toBe(200);
    expect((await m.client.get(`${backend.url}/ok`, { httpVersion: 1 } as never)).status).toBe(200);
  });
});

it('row 3: the middleware refuses them at startup, naming `axios.<option>`', () => {
  for (const name of Object.keys(REFUSED_AXIOS_OPTIONS)) {
    expect(() => make('http', { axios: { [name]: name === 'socketPath' ? '/tmp/x.sock' : name === 'httpVersion' ? 2 : () => undefined } })).toThrow(
      expect.objectContaining({ code: 'ERR_MCA_INVALID_AXIOS', field: 'axios', message: expect.stringContaining(`\`axios.${name}\` is refused`) }),
    );
  }
});

it('row 3: the security guide lists each refused axios option', () => {
  const security = readFileSync(join(__dirname, '..', '..', 'docs', 'security.md'), 'utf8');
  for (const name of Object.keys(REFUSED_AXIOS_OPTIONS)) expect(security).toContain(`\`${name}\``);
});

/**
 * Row 4. Each spelling is given to an axios instance whose `baseURL` is the back end NOT on the
 * list, and to fetch, which has no base. `axios`: where axios sends it and with what; `fetch`: same.
 */
describe('row 4: the token is decided on the URL the adapter sends', () => {
  type Landing = { on: 'backend' | 'elsewhere' | 'nowhere'; token: boolean };
  const landing = (): Landing => {
    const hits = [...backend.hits.map((h) => ['backend', h] as const), ...elsewhere.hits.map((h) => ['elsewhere', h] as const)];
    if (hits.length === 0) return { on: 'nowhere', token: false };
    expect(hits).toHaveLength(1);
    return { on: hits[0]![0], token: hits[0]![1].authorization !== undefined };
  };
  const cases: [string, (b: string) => unknown, Landing, Landing][] = [
    ['new String(absolute URL)', (b) => new String(`${b}/ok`), { on: 'elsewhere', token: false }, { on: 'backend', token: true }],
    ['a URL object', (b) => new URL(`${b}/ok`), { on: 'elsewhere', token: false }, { on: 'backend', token: true }],
    ['a leading space', (b) => ` ${b}/ok`, { on: 'elsewhere', token: false }, { on: 'backend', token: true }],
    ['a tab in the scheme', (b) => `ht\ttp${b.slice(4)}/ok`, { on: 'elsewhere', token: false }, { on: 'backend', token: true }],
    ['protocol-relative //host', (b) => `${b.slice(5)}/ok`, { on: 'nowhere', token: false }, { on: 'nowhere', token: false }],
    ['backslashes after the scheme', (b) => `http:\\\\${b.slice(7)}\\ok`, { on: 'nowhere', token: false }, { on: 'backend', token: true }],
    ['a plain absolute URL', (b) => `${b}/ok`, { on: 'backend', token: true }, { on: 'backend', token: true }],
  ];

  it.each(cases)('%s: axios as axios reads it', async (_name, spell, expected) => {
    const m = make('http');
    const api = m.client.create({ baseURL: elsewhere.url });
    await api.get(spell(backend.url) as string, { validateStatus: () => true }).catch((error: unknown) => watch.collect(error));
    expect(landing()).toEqual(expected);
  });

  it.each(cases)('%s: fetch as fetch reads it', async (_name, spell, _axios, expected) => {
    const m = make('http');
    await m
      .fetch(spell(backend.url) as string)
      .then((r) => r.arrayBuffer())
      .catch((error: unknown) => watch.collect(error));
    expect(landing()).toEqual(expected);
  });

  it('`allowAbsoluteUrls: false` makes an absolute URL relative to the base, and it gets no token there', async () => {
    const m = make('fetch');
    const api = m.client.create({ baseURL: elsewhere.url, allowAbsoluteUrls: false });
    await api.get(`${backend.url}/ok`, { validateStatus: () => true });
    expect(landing()).toEqual({ on: 'elsewhere', token: false });
    expect(elsewhere.hits[0]!.path).toContain(new URL(backend.url).host);
  });
});

/**
 * The transport sends the URL it decided on, already combined, so axios's own refusal of `http:x`
 * ('missing "//" after protocol') is made before the policy: WHATWG would read `http:host/ok` as
 * the back end, fetch a token for it and lend it to the adapter. The adapter here is the caller's
 * own function (it forwards to axios's http adapter), so it records whatever it is handed.
 */
describe('a URL axios itself refuses is refused the same way, before any token', () => {
  const httpAdapter = axios.getAdapter('http');
  let handed: (string | undefined)[];
  const forward: AxiosAdapter = (config) => {
    handed.push(config.headers.get('Authorization') as string | undefined);
    return httpAdapter(config);
  };
  beforeEach(() => (handed = []));
  const host = () => backend.url.slice('http://'.length);

  const refusedCases: [string, () => AxiosRequestConfig][] = [
    ['`http:` with no "//"', () => ({ url: `http:${host()}/ok` })],
    ['a leading space before `http:` with no "//"', () => ({ url: ` http:${host()}/ok` })],
    ['a baseURL with no "//", under a relative url', () => ({ baseURL: `http:${host()}`, url: '/ok' })],
    // Only a primitive string is absolute to axios: a URL object goes under the base.
    ['a baseURL with no "//", under a URL object', () => ({ baseURL: `http:${host()}`, url: new URL(`${backend.url}/ok`) as unknown as string })],
    [
      'a baseURL with no "//", under an absolute url with `allowAbsoluteUrls: false`',
      () => ({ baseURL: `http:${host()}`, url: `${backend.url}/ok`, allowAbsoluteUrls: false }),
    ],
  ];
  it.each(refusedCases)('%s: ERR_INVALID_URL, no token fetched, nothing handed to the adapter', async (_name, config) => {
    const m = make('http');
    await expect(rejection(m.client.request({ ...config(), adapter: forward }))).resolves.toMatchObject({ code: 'ERR_INVALID_URL' });
    expect(handed).toEqual([]);
    expect(fixture.tokens.requests).toHaveLength(0);
    expect(backend.hits).toEqual([]);
  });

  const sentCases: [string, () => AxiosRequestConfig][] = [
    // axios reads the base only for a relative URL.
    ['a baseURL with no "//" under an absolute url', () => ({ baseURL: `http:${host()}`, url: `${backend.url}/ok` })],
    // Tabs and newlines go before the check, in axios as in WHATWG.
    ['a tab after `http:`', () => ({ url: `http:\t//${host()}/ok` })],
    ['a newline after `http:`', () => ({ url: `http:\n//${host()}/ok` })],
  ];
  it.each(sentCases)('%s: sent, with the token, as axios sends it', async (_name, config) => {
    const m = make('http');
    expect((await m.client.request({ ...config(), adapter: forward })).status).toBe(200);
    expect(handed).toEqual(['Bearer tok-1']);
    expect(backend.hits.map((hit) => [hit.path, hit.authorization])).toEqual([['/ok', 'Bearer tok-1']]);
  });

  it('a call with no url (undefined or null) goes to the baseURL itself, with its token', async () => {
    const m = make('http');
    const api = m.client.create({ baseURL: `${backend.url}/ok` });
    expect((await api.request({})).status).toBe(200);
    expect((await api.request({ url: null as unknown as string })).status).toBe(200);
    expect(backend.hits.map((hit) => [hit.path, hit.authorization])).toEqual([
      ['/ok', 'Bearer tok-1'],
      ['/ok', 'Bearer tok-1'],
    ]);
  });

  // axios hands an adapter no URL here (and its http adapter refuses the call): a function adapter
  // that resolves a URL against a base of its own must not be handed the text "undefined".
  it("a call with no url and no baseURL hands the caller's adapter no URL text", async () => {
    const m = make('http');
    const urls: unknown[] = [];
    const record: AxiosAdapter = (config) => {
      urls.push(config.url);
      return httpAdapter(config);
    };
    for (const url of [undefined, null]) {
      await expect(rejection(m.client.request({ url: url as unknown as string, adapter: record }))).resolves.toMatchObject({ code: 'ERR_INVALID_URL' });
    }
    expect(urls).toHaveLength(2);
    expect(urls.filter((url) => url)).toEqual([]);
  });
});

it('attack: `maxRedirects: Infinity` cannot hold a call forever on a back end that redirects to itself', async () => {
  const m = make('http');
  const error = await rejection(m.client.get(`${backend.url}/loop`, { maxRedirects: Infinity }));
  expect(error).toMatchObject({ code: 'ERR_FR_TOO_MANY_REDIRECTS' });
  expect(backend.hits).toHaveLength(101);
});

it('row 3: a refused option on the global `axios.defaults` (set by another module) is refused at startup', async () => {
  const axios = (await import('axios')).default;
  (axios.defaults as Record<string, unknown>).transport = http;
  try {
    expect(() => make('http')).toThrow(refused('transport'));
  } finally {
    delete (axios.defaults as Record<string, unknown>).transport;
  }
});

it('attack: refused options, a baseURL and allowAbsoluteUrls: false on the global `axios.defaults` never reach the token request', async () => {
  const axios = (await import('axios')).default;
  const defaults = axios.defaults as Record<string, unknown>;
  const planted = {
    transport: { request: () => Promise.reject(new Error('global transport used')) },
    socketPath: '/tmp/express-mca-oauth-none.sock',
    lookup: () => {
      throw new Error('global lookup used');
    },
    baseURL: elsewhere.url,
    allowAbsoluteUrls: false,
  };
  Object.assign(defaults, planted);
  const provider = createTokenProvider({
    env: {},
    envFile: false,
    clientId: 'client-1',
    secret: SECRET,
    serverUrl: fixture.tokens.serverUrl.replace('127.0.0.1', 'localhost'),
    tenantId: 'tenant-1',
  });
  try {
    expect(await provider.getAuthorizationHeader()).toBe('Bearer tok-1');
    expect(elsewhere.hits).toEqual([]);
  } finally {
    for (const key of Object.keys(planted)) delete defaults[key];
    await provider.close();
  }
});

describe.each(['http', 'fetch'])('attack, with the %s adapter: an explicit proxy off this machine for an http: hop that carries the token', (adapter) => {
  // 0.0.0.0 is not loopback by the package's rule (Linux would deliver it here, so a regression
  // sends nothing off this machine).
  const offMachine = { protocol: 'http', host: '0.0.0.0', port: 9 };
  it('is refused before anything is sent (first hop and redirect hop); a call without the token may use it', async () => {
    const m = make(adapter);
    await expect(rejection(m.client.get(`${backend.url}/ok`, { proxy: offMachine }))).resolves.toEqual(
      expect.objectContaining({ name: 'McaConfigError', code: 'ERR_MCA_REFUSED_AXIOS_PROXY', field: 'proxy' }),
    );
    expect(backend.hits).toEqual([]);
    // A proxy on loopback (a local debugging proxy) is the caller's choice, as before.
    const local = { protocol: 'http', host: '127.0.0.1', port: Number(new URL(backend.url).port) };
    await m.client.get(`${backend.url}/ok`, { proxy: local, validateStatus: () => true });
    expect(backend.hits).toHaveLength(1);
  });

  it('a `hostname` that pollution put on Object.prototype does not make the proxy look local', async () => {
    const m = make(adapter);
    const proto = Object.prototype as Record<string, unknown>;
    proto.hostname = '127.0.0.1';
    try {
      await expect(rejection(m.client.get(`${backend.url}/ok`, { proxy: offMachine }))).resolves.toEqual(
        expect.objectContaining({ code: 'ERR_MCA_REFUSED_AXIOS_PROXY' }),
      );
    } finally {
      delete proto.hostname;
    }
    expect(backend.hits).toEqual([]);
  });

  it('a `hostname` the proxy object only inherits does not make it look local: axios connects to its own `host`', async () => {
    const m = make(adapter);
    const inherited = Object.assign(Object.create({ hostname: '127.0.0.1' }), offMachine);
    await expect(rejection(m.client.get(`${backend.url}/ok`, { proxy: inherited as typeof offMachine }))).resolves.toEqual(
      expect.objectContaining({ code: 'ERR_MCA_REFUSED_AXIOS_PROXY' }),
    );
    expect(backend.hits).toEqual([]);
  });

  // A proxy's host is a name axios resolves as given, not a URL's normalized host: only a whole
  // 127.x.y.z is loopback, not a DNS name that ends in one.
  it.each(['evil-127.0.0.1', 'proxy.127.0.0.1.example'])('a proxy host that only contains a loopback address (%s) is off this machine', async (host) => {
    const m = make(adapter);
    await expect(rejection(m.client.get(`${backend.url}/ok`, { proxy: { ...offMachine, host } }))).resolves.toEqual(
      expect.objectContaining({ code: 'ERR_MCA_REFUSED_AXIOS_PROXY' }),
    );
    expect(backend.hits).toEqual([]);
  });

  it('a function carrying the proxy fields is checked like an object: axios reads its own fields too', async () => {
    const m = make(adapter);
    const callable = Object.assign(() => undefined, offMachine);
    await expect(rejection(m.client.get(`${backend.url}/ok`, { proxy: callable as unknown as typeof offMachine }))).resolves.toEqual(
      expect.objectContaining({ code: 'ERR_MCA_REFUSED_AXIOS_PROXY' }),
    );
    expect(backend.hits).toEqual([]);
  });

  // Decided on the URL as the adapter parses it, whatever its spelling.
  it.each([
    ['a leading space', (url: string) => ` ${url}/ok`],
    ['a tab in the scheme', (url: string) => `${url.replace('http', 'ht\ttp')}/ok`],
  ])('is refused for an http: URL spelled with %s', async (_form, spell) => {
    const m = make(adapter);
    await expect(rejection(m.client.get(spell(backend.url), { proxy: offMachine }))).resolves.toEqual(
      expect.objectContaining({ code: 'ERR_MCA_REFUSED_AXIOS_PROXY' }),
    );
    expect(backend.hits).toEqual([]);
  });

  it('a call that carries no token may use it', async () => {
    const proxy = await startCaptureProxy();
    try {
      const m = make(adapter);
      // 0.0.0.0 is off this machine by the rule; Linux delivers it to the proxy here.
      const via = { protocol: 'http', host: '0.0.0.0', port: proxy.port };
      const response = await m.client.get(`${elsewhere.url}/ok`, { proxy: via, validateStatus: () => true });
      expect(response.status).toBe(adapter === 'http' ? 200 : 401); // fetch reads no `proxy` option
      expect(proxy.seen.map((seen) => seen.headers.authorization)).toEqual(adapter === 'http' ? [undefined] : []);
    } finally {
      await proxy.close();
    }
  });

  it('`proxy: null` is no proxy option: the call goes out with its token', async () => {
    const m = make(adapter);
    expect((await m.client.get(`${backend.url}/ok`, { proxy: null as never })).status).toBe(200);
    expect(backend.hits.map((hit) => hit.authorization)).toEqual(['Bearer tok-1']);
  });

  // axios connects to `hostname`, else to `host` (and with neither, to localhost).
  it.each([
    ['a `hostname` off this machine beside a loopback `host`', { hostname: '0.0.0.0', host: '127.0.0.1' }],
    ['no host at all', {}],
    ['a host that would read as loopback once brackets inside it were dropped', { host: '127.0.0[.1' }],
    ['a host that would read as loopback once a bracket inside it was dropped', { host: 'local]host' }],
  ])('%s: refused', async (_name, where) => {
    const m = make(adapter);
    await expect(rejection(m.client.get(`${backend.url}/ok`, { proxy: { protocol: 'http', port: 9, ...where } as never }))).resolves.toEqual(
      expect.objectContaining({ code: 'ERR_MCA_REFUSED_AXIOS_PROXY', message: expect.stringContaining('`proxy: false`') }),
    );
    expect(backend.hits).toEqual([]);
  });

  it.each([
    ['a loopback `hostname` beside a `host` off this machine', { hostname: '127.0.0.1', host: '0.0.0.0' }],
    ['an empty `hostname` beside a loopback `host`', { hostname: '', host: '127.0.0.1' }],
  ])('%s: a local proxy, not refused', async (_name, where) => {
    const m = make(adapter);
    const error = await m.client.get(`${backend.url}/ok`, { proxy: { protocol: 'http', port: 9, ...where } as never }).catch((e: unknown) => watch.collect(e));
    expect(error).not.toEqual(expect.objectContaining({ code: 'ERR_MCA_REFUSED_AXIOS_PROXY' }));
  });

  it.each(['::1', '[::1]'])('an IPv6 loopback proxy (%s) is a local proxy, not refused', async (host) => {
    const m = make(adapter);
    const error = await m.client.get(`${backend.url}/ok`, { proxy: { protocol: 'http', host, port: 9 } }).catch((e: unknown) => watch.collect(e));
    expect(error).not.toEqual(expect.objectContaining({ code: 'ERR_MCA_REFUSED_AXIOS_PROXY' }));
  });
});

describe('with the http adapter, an https: call that carries the token is tunnelled (CONNECT: the proxy reads nothing)', () => {
  // No TLS server is needed: the back end's port is closed, and what tells the cases apart is
  // whether the first connection went to the proxy. The query names an `http:` URL: only the
  // scheme of the URL itself counts.
  const closedHttps = 'https://127.0.0.1:1';
  let connections: number;
  const sockets: net.Socket[] = [];
  let proxy: net.Server;
  let proxyPort: number;
  beforeEach(async () => {
    connections = 0;
    proxy = net.createServer((socket) => {
      connections++;
      sockets.push(socket);
      socket.end('HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n');
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    proxyPort = (proxy.address() as net.AddressInfo).port;
  });
  afterEach(async () => {
    for (const socket of sockets.splice(0)) socket.destroy();
    await new Promise<void>((resolve) => proxy.close(() => resolve()));
  });

  it('through an explicit proxy off this machine: not refused', async () => {
    const m = make('http', { protectedBackends: [closedHttps] });
    const error = await rejection(m.client.get(`${closedHttps}/ok?back=http://127.0.0.1/`, { proxy: { protocol: 'http', host: '0.0.0.0', port: proxyPort } }));
    expect(error).not.toEqual(expect.objectContaining({ code: 'ERR_MCA_REFUSED_AXIOS_PROXY' }));
    expect(connections).toBe(1);
    expect(fixture.tokens.requests).toHaveLength(1);
  });

  it('HTTPS_PROXY applies, to a loopback back end too', async () => {
    const saved = { HTTPS_PROXY: process.env.HTTPS_PROXY, NO_PROXY: process.env.NO_PROXY, no_proxy: process.env.no_proxy };
    delete process.env.NO_PROXY;
    delete process.env.no_proxy;
    process.env.HTTPS_PROXY = `http://127.0.0.1:${proxyPort}`;
    try {
      const m = make('http', { protectedBackends: [closedHttps] });
      await rejection(m.client.get(`${closedHttps}/ok?back=http://127.0.0.1/`));
      expect(connections).toBe(1);
      expect(fixture.tokens.requests).toHaveLength(1);
    } finally {
      for (const [key, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    }
  });

  // The adapter reads these as https: (WHATWG drops the space and the tab), so they are tunnelled
  // like any https: call: neither rule for cleartext hops may refuse the proxy or bypass HTTPS_PROXY.
  it.each([
    ['a leading space', ` ${closedHttps}/ok`],
    ['a tab in the scheme', `${closedHttps.replace('https', 'htt\tps')}/ok`],
  ])('an https: URL spelled with %s is tunnelled too, through an explicit proxy off this machine or HTTPS_PROXY', async (_form, url) => {
    const m = make('http', { protectedBackends: [closedHttps] });
    const error = await rejection(m.client.get(url, { proxy: { protocol: 'http', host: '0.0.0.0', port: proxyPort } }));
    expect(error).not.toEqual(expect.objectContaining({ code: 'ERR_MCA_REFUSED_AXIOS_PROXY' }));
    expect(connections).toBe(1);
    const saved = { HTTPS_PROXY: process.env.HTTPS_PROXY, NO_PROXY: process.env.NO_PROXY, no_proxy: process.env.no_proxy };
    delete process.env.NO_PROXY;
    delete process.env.no_proxy;
    process.env.HTTPS_PROXY = `http://127.0.0.1:${proxyPort}`;
    try {
      await rejection(m.client.get(url));
      expect(connections).toBe(2);
    } finally {
      for (const [key, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    }
    // Both calls carried the token (one fetch, cached): the rules were asked, and let them through.
    expect(fixture.tokens.requests).toHaveLength(1);
  });
});

it('req.mcaFetch: a `dispatcher` that pollution put on Object.prototype routes no hop', async () => {
  const m = make();
  const used: string[] = [];
  const proto = Object.prototype as Record<string, unknown>;
  proto.dispatcher = {
    dispatch() {
      used.push('polluted');
      throw new Error('the polluted dispatcher was used');
    },
  };
  try {
    const response = await m.fetch(`${backend.url}/ok`);
    expect(response.status).toBe(200);
    await response.arrayBuffer();
  } finally {
    delete proto.dispatcher;
  }
  expect(used).toEqual([]);
  expect(backend.hits).toHaveLength(1);
});
