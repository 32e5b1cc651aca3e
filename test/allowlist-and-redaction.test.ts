import { inspect } from 'node:util';
import { AxiosError, AxiosHeaders, type AxiosResponse, type InternalAxiosRequestConfig } from 'axios';
import { compileBackendEntry } from '../lib/outbound/backend-matcher';
import { BackendRoutes } from '../lib/outbound/backend-routes';
import type { TokenTarget } from '../lib/outbound/token-target';
import { redactAxiosError } from '../lib/transports/axios/redact-axios-error';
import { mcaOAuth, type McaOAuthMiddleware } from '../lib';
import { startTokenServer, type TokenServer } from './helpers/token-server';
import { startProtectedBackend, type ProtectedBackend } from './helpers/protected-backend';

// Which URLs get the token, decided on the parsed URL; and what a failed call's error may show.

// The allowlist as the middleware compiles it: a URL gets the token when the routes name a target.
const target = { name: 'default' } as TokenTarget;
function allowlist(entries: readonly (string | RegExp)[]): (url: string) => boolean {
  const routes = new BackendRoutes(
    entries.map((entry, index) => ({
      matcher: compileBackendEntry(entry, index, false),
      target,
      index,
      acceptsFrom: new Set<number>(),
      label: `protectedBackends[${index}]`,
    })),
    target,
    false,
  );
  return (url) => routes.route(url) !== undefined;
}
describe('protectedBackends: a path prefix ends at a segment boundary', () => {
  const cases: [string, string, boolean][] = [
    ['https://h.example/api', 'https://h.example/api', true],
    ['https://h.example/api', 'https://h.example/api/orders', true],
    ['https://h.example/api', 'https://h.example/apiX', false],
    ['https://h.example/api', 'https://h.example/api-admin/x', false],
    ['https://h.example/api/', 'https://h.example/api/orders', true],
    ['https://h.example/api/', 'https://h.example/apiX', false],
    ['https://h.example/api', 'https://h.example/api/../admin', false],
    ['https://h.example', 'https://h.example/anything', true],
    ['https://h.example', 'https://h.example.evil.test/', false],
    ['https://h.example', 'http://h.example/', false],
  ];
  it.each(cases)('entry %s, request %s: %s', (entry, url, expected) => {
    expect(allowlist([entry])(url)).toBe(expected);
  });

  it('an entry pasted with white space around it (a byte order mark, a no-break space) still names its back end and prefix', () => {
    const matches = allowlist(['\uFEFF https://h.example/api\u00A0']);
    expect([matches('https://h.example/api/orders'), matches('https://h.example/other')]).toEqual([true, false]);
  });

  it('an entry never matches a URL of another origin, even asked directly (the routes’ index by origin is not its only guard)', () => {
    for (const entry of ['https://h.example', 'https://h.example/api']) {
      const { match } = compileBackendEntry(entry, 0, false);
      const urls = ['https://h.example/api/x', 'https://evil.example/api/x', 'http://h.example/api/x', 'https://h.example:8443/api/x'];
      expect(urls.map((url) => match(new URL(url)))).toEqual([true, false, false, false]);
    }
  });
});

describe('protectedBackends: entries that cannot be a safe prefix are refused at startup', () => {
  const bad: [string, unknown, RegExp][] = [
    ['not a URL', ['orders.example.com'], /is not an absolute http\(s\) URL or origin/],
    ['not http(s)', ['ftp://files.example.com'], /is not an http\(s\) URL/],
    ['a query', ['https://h.example/api?x=1'], /has a query, fragment or credentials/],
    ['a fragment', ['https://h.example/api#top'], /has a query, fragment or credentials/],
    ['a user name', ['https://user@h.example/'], /has a query, fragment or credentials/],
    ['a password', ['https://:pass@h.example/'], /has a query, fragment or credentials/],
    ['not an array', 'https://h.example', /it must be an array of strings, RegExps/],
  ];
  it.each(bad)('%s', (_name, entries, message) => {
    let error: unknown;
    try {
      mcaOAuth({ env: {}, envFile: false, clientId: 'c', secret: 's', tokenUrl: 'https://auth.example.com/token', protectedBackends: entries as never });
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ code: 'ERR_MCA_INVALID_PROTECTED_BACKENDS', field: 'protectedBackends', message: expect.stringMatching(message) });
  });

  it('a RegExp with the g or y flag matches every time (no lastIndex carried between requests)', () => {
    for (const pattern of [/^https:\/\/h\.example\//g, /^https:\/\/h\.example\//y]) {
      const matches = allowlist([pattern]);
      // A new URL each time: the routes remember a decided URL, which would hide a carried lastIndex.
      expect([1, 2, 3].map((i) => matches(`https://h.example/${i}`))).toEqual([true, true, true]);
    }
  });

  it('a RegExp keeps its other flags: with i, the path matches in any case', () => {
    const matches = allowlist([/^https:\/\/h\.example\/api\//i]);
    expect([matches('https://h.example/API/x'), matches('https://h.example/api/x'), matches('https://h.example/other/x')]).toEqual([true, true, false]);
  });

  it('the message is the field, the entry and what to write instead, and nothing after it', () => {
    const refusal = (entries: unknown[]): unknown => {
      try {
        mcaOAuth({ env: {}, envFile: false, clientId: 'c', secret: 's', tokenUrl: 'https://auth.example.com/token', protectedBackends: entries as never });
      } catch (error) {
        return error;
      }
      return undefined;
    };
    expect(refusal(['ftp://files.example.com'])).toMatchObject({
      field: 'protectedBackends',
      message: 'Invalid `protectedBackends`: entry 0 is not an http(s) URL.',
    });
    expect(refusal(['https://h.example', 'https://h.example/api?x=1'])).toMatchObject({
      field: 'protectedBackends',
      message: 'Invalid `protectedBackends`: entry 1 (https://h.example/api) has a query, fragment or credentials; give an origin or a path prefix only.',
    });
    // An entry object's `match` is named as its own field.
    expect(refusal([{ name: 'files', match: 'ftp://files.example.com' }])).toMatchObject({
      field: 'protectedBackends[0].match',
      message: 'Invalid `protectedBackends[0].match`: entry 0 is not an http(s) URL.',
    });
  });

  it('never matches a relative or non-http URL', () => {
    const matches = allowlist([/.*/]);
    expect([matches('/relative'), matches('file:///etc/passwd'), matches('https://h.example/')]).toEqual([false, false, true]);
  });
});

describe('errors of req.mcaClient carry no credential', () => {
  let tokens: TokenServer;
  let backend: ProtectedBackend;
  let auth: McaOAuthMiddleware;
  beforeEach(async () => {
    tokens = await startTokenServer();
    backend = await startProtectedBackend(() => tokens.issued);
    auth = mcaOAuth({
      env: {},
      envFile: false,
      clientId: 'client-1',
      secret: 's3cr3t-value',
      tenantId: 'tenant-1',
      serverUrl: tokens.serverUrl,
      protectedBackends: [backend.url],
    });
  });
  afterEach(async () => {
    await auth.close();
    await Promise.all([tokens.close(), backend.close()]);
  });

  it('redacts a Proxy-Authorization header the caller set, and leaves no token in the config', async () => {
    backend.always = 500;
    const error = (await auth.client.get(`${backend.url}/x`, { headers: { 'Proxy-Authorization': 'Basic cHJveHktc2VjcmV0' } }).catch((e: unknown) => e)) as {
      config: { headers: Record<string, unknown> };
      response: { status: number };
    };
    expect(error.response.status).toBe(500);
    expect(backend.seen).toEqual(['Bearer tok-1']);
    expect(error.config.headers['Proxy-Authorization']).toBe('[redacted]');
    // One redacted copy, which the response points at too.
    expect((error as unknown as AxiosError).response?.config).toBe(error.config);
    // The token is lent to the request only while it is sent: a re-sent err.config fetches its own.
    expect(error.config.headers.Authorization).toBeUndefined();
    const rendered = [inspect(error, { depth: Infinity }), JSON.stringify((error as unknown as { toJSON(): unknown }).toJSON())].join('\n');
    expect(rendered).not.toContain('cHJveHktc2VjcmV0');
    expect(rendered).not.toContain('tok-1');
  });

  it('keeps the user name of axios auth, redacts its password, and adds no header that was not there', async () => {
    backend.always = 500;
    const error = (await auth.client
      .get(`${backend.url}/x`, { mcaAuth: false, auth: { username: 'svc-user', password: 'basic-pass-123' } })
      .catch((e: unknown) => e)) as { config: { auth: unknown; headers: Record<string, unknown> } };
    expect(error.config.auth).toEqual({ username: 'svc-user', password: '[redacted]' });
    expect(error.config.headers['Proxy-Authorization']).toBeUndefined();
    expect(inspect(error, { depth: Infinity })).not.toContain('basic-pass-123');
  });

  it("an error with no credential of the caller's keeps the very config its interceptors saw (no copy)", async () => {
    backend.always = 500;
    const client = auth.client.create();
    const started = new WeakSet<object>();
    client.interceptors.request.use((config) => {
      started.add(config);
      return config;
    });
    // `auth: null` is no credential either.
    for (const extra of [{}, { auth: null }]) {
      const error = (await client.get(`${backend.url}/x`, extra as object).catch((e: unknown) => e)) as AxiosError;
      expect(error.response?.status).toBe(500);
      expect(started.has(error.config!)).toBe(true);
      expect(error.response?.config).toBe(error.config);
    }
  });
});

/** A sent request as Node keeps it: its raw header block, credential included. */
const sentWith = (credential: string) => ({ _header: `GET /x HTTP/1.1\r\nAuthorization: ${credential}\r\nHost: h.example\r\n\r\n` });
const responseOf = (fields: Partial<AxiosResponse>) => ({ status: 500, statusText: '', headers: {}, data: undefined, ...fields }) as AxiosResponse;

describe('redactAxiosError on its own', () => {
  it('passes other errors through untouched', () => {
    const plain = Object.assign(new Error('boom'), { request: 'kept', config: { headers: { Authorization: 'kept' } } });
    expect(redactAxiosError(plain)).toBe(plain);
    expect(plain).toMatchObject({ request: 'kept', config: { headers: { Authorization: 'kept' } } });
    // Even when its fields have axios's shapes: only an AxiosError is the client's to change.
    const config = { headers: new AxiosHeaders({ Authorization: 'Basic a2VwdA==' }), auth: { username: 'u', password: 'kept' } };
    const request = sentWith('Basic a2VwdA==');
    const shaped = Object.assign(new Error('boom'), { config, request, response: responseOf({ config: config as InternalAxiosRequestConfig, request }) });
    redactAxiosError(shaped);
    expect(shaped.config).toBe(config);
    expect(shaped.response.config).toBe(config);
    expect(config).toMatchObject({ auth: { password: 'kept' } });
    expect(config.headers.get('Authorization')).toBe('Basic a2VwdA==');
    expect(request._header).toContain('Basic a2VwdA==');
  });

  it("scrubs the sent requests its response holds (an interceptor's AxiosError with a response and no request of its own)", () => {
    const request = sentWith('Basic c3ZjOnB3');
    const streamed = sentWith('Basic c3ZjOnB3');
    const error = new AxiosError('wrapped', 'ERR_APP', undefined, undefined, responseOf({ request, data: { req: streamed } }));
    redactAxiosError(error);
    expect(request._header).not.toContain('c3ZjOnB3');
    expect(streamed._header).not.toContain('c3ZjOnB3');
    expect(inspect(error, { depth: Infinity })).not.toContain('c3ZjOnB3');
  });

  it.each([undefined, null])('a response with %p for a body is redacted all the same', (data) => {
    const request = sentWith('Basic c3ZjOnB3');
    const error = new AxiosError('failed', 'ERR_BAD_RESPONSE', undefined, undefined, responseOf({ request, data }));
    expect(redactAxiosError(error)).toBe(error);
    expect(request._header).not.toContain('c3ZjOnB3');
  });

  it('a response that holds a config of its own: each is redacted on its own, and each keeps its own URL', () => {
    const mine = { url: '/mine', headers: new AxiosHeaders({ Authorization: 'Basic bWluZQ==' }) } as InternalAxiosRequestConfig;
    const theirs = { url: '/theirs', headers: new AxiosHeaders({ 'Proxy-Authorization': 'Basic dGhlaXJz' }) } as InternalAxiosRequestConfig;
    const error = new AxiosError('wrapped', 'ERR_APP', mine, undefined, responseOf({ config: theirs }));
    redactAxiosError(error);
    expect(error.config?.url).toBe('/mine');
    expect(error.response?.config.url).toBe('/theirs');
    expect(error.response?.config.headers.get('Proxy-Authorization')).toBe('[redacted]');
    const rendered = inspect(error, { depth: Infinity });
    expect(rendered).not.toContain('bWluZQ==');
    expect(rendered).not.toContain('dGhlaXJz');
    // The caller's objects are not changed: they may be sent again.
    expect(theirs.headers.get('Proxy-Authorization')).toBe('Basic dGhlaXJz');
  });

  it('handles an AxiosError with no config, request or response', () => {
    const bare = new AxiosError('boom', 'ERR_X');
    expect(redactAxiosError(bare)).toBe(bare);
    expect(bare.request).toBeUndefined();
    expect(bare.config).toBeUndefined();
  });
});
