import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mcaOAuth, type McaOAuthMiddleware } from '../lib';
import { hasHiddenTraversal } from '../lib/outbound/backend-matcher';
import { startTokenServer, type TokenServer } from './helpers/token-server';
import { startProtectedBackend, type ProtectedBackend } from './helpers/protected-backend';
import { startCaptureProxy, type CaptureProxy } from './helpers/capture-proxy';
import { expectNoSecrets } from './helpers/secrets';

// Issue 10, items 1–3, 6 (entries and req.mcaClient) and 9 (entries): the allowlist fails closed.
let tokens: TokenServer;
let backend: ProtectedBackend;
const opened: McaOAuthMiddleware[] = [];

beforeEach(async () => {
  tokens = await startTokenServer();
  backend = await startProtectedBackend(() => tokens.issued);
});
afterEach(async () => {
  await Promise.all(opened.splice(0).map((m) => m.close()));
  await Promise.all([tokens.close(), backend.close()]);
});

const credentials = () => ({ MCA_CLIENT_ID: 'client-1', MCA_SECRET: 's3cr3t-value', MCA_TENANT_ID: 'tenant-1', MCA_SERVER_URL: tokens.serverUrl });

function middleware(extra: Record<string, unknown> = {}, env: Record<string, string> = {}): McaOAuthMiddleware {
  const m = mcaOAuth({ env: { ...credentials(), ...env }, envFile: false, ...extra });
  opened.push(m);
  return m;
}

function codeOf(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('1. a present but empty allowlist is a startup error, never "every host"', () => {
  const empties: [string, string][] = [
    ['empty', ''],
    ['blank', '   '],
    ['only commas', ' , ,'],
  ];
  it.each(empties)('MCA_PROTECTED_BACKENDS %s in the environment', (_name, value) => {
    const error = codeOf(() => middleware({}, { MCA_PROTECTED_BACKENDS: value }));
    expect(error).toMatchObject({ name: 'McaConfigError', code: 'ERR_MCA_INVALID_PROTECTED_BACKENDS' });
    expect((error as Error).message).toMatch(/MCA_PROTECTED_BACKENDS in the environment.*lists no back end.*unset the variable/);
  });

  it.each([
    ['an empty value', 'MCA_PROTECTED_BACKENDS=\n'],
    ['a value that is only a comment', 'MCA_PROTECTED_BACKENDS= # TODO list them\n'],
  ])('MCA_PROTECTED_BACKENDS with %s in .env', (_name, line) => {
    const dir = mkdtempSync(join(tmpdir(), 'mca-allow-'));
    writeFileSync(join(dir, '.env'), line);
    const error = codeOf(() => {
      const m = mcaOAuth({ env: credentials(), envFile: join(dir, '.env') });
      opened.push(m);
    });
    expect(error).toMatchObject({ code: 'ERR_MCA_INVALID_PROTECTED_BACKENDS' });
    expect((error as Error).message).toMatch(/the \.env file/);
  });

  it('an empty protectedBackends array, with a message that says how to send the token to every host instead', () => {
    expect(codeOf(() => middleware({ protectedBackends: [] }))).toMatchObject({
      code: 'ERR_MCA_INVALID_PROTECTED_BACKENDS',
      field: 'protectedBackends',
      message: 'Invalid `protectedBackends`: it is empty, so it allows no back end. List the back ends; to send the token to every host, leave it unset.',
    });
  });

  it('unset still means every (https or loopback) host', async () => {
    const m = middleware();
    await m.client.get(`${backend.url}/x`);
    expect(backend.seen).toEqual(['Bearer tok-1']);
  });
});

describe('2. a RegExp entry sees the origin and path, never the query or fragment', () => {
  it('an unanchored pattern found only in the query gets no token', async () => {
    const m = middleware({ protectedBackends: [/orders\.example\.com:8443/] });
    await m.client.get(`${backend.url}/?next=orders.example.com:8443`).catch(() => undefined);
    await m.client.get(`${backend.url}/#orders.example.com:8443`).catch(() => undefined);
    expect(backend.seen).toEqual([undefined, undefined]);
  });

  it('an anchored pattern matches origin and path, whatever the query', async () => {
    const origin = backend.url.replace(/[.]/g, '\\.');
    const m = middleware({ protectedBackends: [new RegExp(`^${origin}/api/`)] });
    await m.client.get(`${backend.url}/api/orders?page=2`);
    await m.client.get(`${backend.url}/other?x=${encodeURIComponent(`${backend.url}/api/`)}`).catch(() => undefined);
    expect(backend.seen).toEqual(['Bearer tok-1', undefined]);
  });
});

describe('3. encoded separators and dot segments under a path entry get no token', () => {
  const sneaky = [
    '/api/..%2fadmin',
    '/api/%2e%2e%2fadmin',
    '/api/..%5cadmin',
    '/api/..;/admin',
    '/api/.%2e;x/admin',
    '/api/..%252fadmin',
    '/api/%2E%2E%2Fadmin',
    '/api/x%2fy',
  ];
  it.each(sneaky)('%s', async (path) => {
    const m = middleware({ protectedBackends: [`${backend.url}/api/`, /^http:\/\/127\.0\.0\.1:\d+\/api\//] });
    await m.client.get(`${backend.url}${path}`).catch(() => undefined);
    expect(backend.seen).toHaveLength(1);
    expect(backend.seen[0]).toBeUndefined();
  });

  it.each([
    ['a traversal encoded four times', '/api/..%2525252fadmin'],
    ['a plain letter encoded four times', '/api/%25252541'],
  ])('%s (%s): a segment still encoded after three decodes gets no token either', async (_name, path) => {
    const m = middleware({ protectedBackends: [`${backend.url}/api/`, /^http:\/\/127\.0\.0\.1:\d+\/api\//] });
    await m.client.get(`${backend.url}${path}`).catch(() => undefined);
    expect(backend.seen).toEqual([undefined]);
  });

  it('ordinary paths under the prefix still get it; an origin entry is not limited by path', async () => {
    const m = middleware({ protectedBackends: [`${backend.url}/api/`] });
    await m.client.get(`${backend.url}/api/orders/1.json`);
    await m.client.get(`${backend.url}/api/a%20b/..x/.hidden`);
    const byOrigin = middleware({ protectedBackends: [backend.url] });
    await byOrigin.client.get(`${backend.url}/api/..%2fadmin`);
    expect(backend.seen).toEqual(['Bearer tok-1', 'Bearer tok-1', 'Bearer tok-2']);
  });

  it('hasHiddenTraversal reads segments as servers that decode them would', () => {
    expect(hasHiddenTraversal('/api/orders/1')).toBe(false);
    expect(hasHiddenTraversal('/api/%zz')).toBe(true);
    expect(hasHiddenTraversal('/api/.;/x')).toBe(true);
  });
});

describe('6. a token never travels in clear to a host other than loopback unless opted in', () => {
  let proxy: CaptureProxy;
  beforeEach(async () => {
    proxy = await startCaptureProxy();
  });
  afterEach(() => proxy.close());
  // A forward proxy stands in for the remote host (and shows what a real HTTP_PROXY would read).
  const viaProxy = () => ({ axios: { proxy: { protocol: 'http', host: '127.0.0.1', port: proxy.port } } });

  it('an http: entry for a remote host is a startup error naming the opt-in', () => {
    const error = codeOf(() => middleware({ protectedBackends: ['http://orders.example.com/api/'] }));
    expect(error).toMatchObject({ code: 'ERR_MCA_INVALID_PROTECTED_BACKENDS' });
    expect((error as Error).message).toMatch(/entry 0 \(http:\/\/orders\.example\.com\/api\/\).*in clear.*allowInsecureHttp/);
  });

  it('without an allowlist, an http: request to a remote host goes out without the token', async () => {
    const m = middleware(viaProxy());
    await m.client.get('http://orders.example.com/api/orders');
    expect(proxy.seen.map((r) => [r.url, r.headers.authorization])).toEqual([['http://orders.example.com/api/orders', undefined]]);
  });

  it('a RegExp entry that matches a remote http: URL sends no token either', async () => {
    const m = middleware({ ...viaProxy(), protectedBackends: [/^http:\/\/orders\.example\.com\//] });
    await m.client.get('http://orders.example.com/api/orders');
    expect(proxy.seen[0]!.headers.authorization).toBeUndefined();
  });

  it('with allowInsecureHttp (option or MCA_ALLOW_INSECURE_HTTP), it does', async () => {
    const byOption = middleware({ ...viaProxy(), allowInsecureHttp: true, protectedBackends: ['http://orders.example.com/api/'] });
    await byOption.client.get('http://orders.example.com/api/orders');
    const byEnv = middleware(viaProxy(), { MCA_ALLOW_INSECURE_HTTP: 'true' });
    await byEnv.client.get('http://orders.example.com/api/orders');
    expect(proxy.seen.map((r) => r.headers.authorization)).toEqual(['Bearer tok-1', 'Bearer tok-2']);
  });

  it('loopback http: needs no opt-in (127.0.0.0/8, localhost, [::1])', async () => {
    const port = new URL(backend.url).port;
    const m = middleware({ protectedBackends: [`http://localhost:${port}/`, `http://127.0.0.1:${port}`, 'http://[::1]:1/'] });
    await m.client.get(`${backend.url}/a`);
    expect(backend.seen).toEqual(['Bearer tok-1']);
  });
});

describe('9. an invalid entry is never echoed with its userinfo or query', () => {
  it.each([
    ['userinfo', 'https://svc:entry-secret-1@api.example.com/orders/', /entry 1 \(https:\/\/api\.example\.com\/orders\/\)/],
    ['a query', 'https://api.example.com/orders/?api_key=entry-secret-1', /entry 1 \(https:\/\/api\.example\.com\/orders\/\)/],
    ['a non-URL', 'svc:entry-secret-1@api.example.com', /entry 1 is not an http\(s\) URL/],
    ['a relative path', 'orders/entry-secret-1', /entry 1 is not an absolute/],
    ['a bad scheme', 'ftp://svc:entry-secret-1@api.example.com/', /entry 1 is not an http\(s\) URL/],
  ])('%s', (_name, entry, message) => {
    const error = codeOf(() => middleware({ protectedBackends: ['https://ok.example.com', entry] }));
    expect(error).toMatchObject({ code: 'ERR_MCA_INVALID_PROTECTED_BACKENDS' });
    expect((error as Error).message).toMatch(message);
    expectNoSecrets(error, ['entry-secret-1', 'svc:']);
  });
});

describe('4. Object.prototype.protectedBackends does not widen the allowlist', () => {
  it('the allowlist stays the one MCA_PROTECTED_BACKENDS names', async () => {
    const other = await startProtectedBackend(() => tokens.issued);
    const polluted = Object.prototype as Record<string, unknown>;
    polluted.protectedBackends = [/^/];
    polluted.allowInsecureHttp = true;
    try {
      const m = middleware({}, { MCA_PROTECTED_BACKENDS: backend.url });
      await m.client.get(`${backend.url}/mine`);
      await m.client.get(`${other.url}/theirs`).catch(() => undefined);
      expect(backend.seen).toEqual(['Bearer tok-1']);
      expect(other.seen).toEqual([undefined]);
    } finally {
      delete polluted.protectedBackends;
      delete polluted.allowInsecureHttp;
      await other.close();
    }
  });
});
