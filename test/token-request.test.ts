import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createTokenProvider, McaTokenError } from '../lib';
import { startTokenServer, type TokenServer } from './helpers/token-server';
import { expectNoSecrets } from './helpers/secrets';

const SECRET = 's3cr3t-value';
const BASIC = `Basic ${Buffer.from(`client-1:${SECRET}`).toString('base64')}`;
const isolated = { env: {}, envFile: false as const };

let server: TokenServer;
beforeEach(async () => {
  server = await startTokenServer();
});
afterEach(() => server.close());

function mcaProvider(extra: Record<string, unknown> = {}) {
  return createTokenProvider({
    ...isolated,
    clientId: 'client-1',
    secret: SECRET,
    tenantId: 'tenant-1',
    serverUrl: server.serverUrl,
    ...extra,
  });
}

describe('the token request on the wire (docs/protocol.md)', () => {
  it('is byte-exact in MCA mode', async () => {
    const provider = mcaProvider();
    await expect(provider.getAuthorizationHeader()).resolves.toBe('Bearer tok-1');
    await provider.close();
    expect(server.requests).toHaveLength(1);
    const [req] = server.requests;
    expect(req!.method).toBe('POST');
    expect(req!.url).toBe('/imf-authserver/authorization/v1/apps/tenant-1/token');
    expect(req!.headers.authorization).toBe(BASIC);
    expect(req!.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(req!.body).toBe('grant_type=client_credentials');
    expect(req!.headers['content-length']).toBe(String('grant_type=client_credentials'.length));
  });

  it('uses standard padded base64 with no URL-encoding of id or secret', async () => {
    const secret = 'p@ss:wörd/+=?&';
    const odd = await startTokenServer({ clientId: 'id with space', secret });
    const provider = createTokenProvider({ ...isolated, clientId: 'id with space', secret, tenantId: 't', serverUrl: odd.serverUrl });
    await provider.getAuthorizationHeader();
    expect(odd.requests[0]!.headers.authorization).toBe(`Basic ${Buffer.from(`id with space:${secret}`, 'utf8').toString('base64')}`);
    await provider.close();
    await odd.close();
  });

  it('adds a trailing slash to serverUrl only when missing', async () => {
    const provider = mcaProvider({ serverUrl: `  ${server.serverUrl}/  ` });
    expect(provider.tokenUrl).toBe(`${server.serverUrl}/authorization/v1/apps/tenant-1/token`);
    await provider.getAuthorizationHeader();
    expect(server.requests[0]!.url).toBe('/imf-authserver/authorization/v1/apps/tenant-1/token');
    await provider.close();
  });

  it('posts to {oauthServerUrl}/token in App ID mode, with no scope or audience unless set', async () => {
    const provider = createTokenProvider({ ...isolated, clientId: 'client-1', secret: SECRET, oauthServerUrl: `${server.oauthServerUrl}/` });
    await provider.getAuthorizationHeader();
    expect(server.requests[0]!.url).toBe('/oauth/v4/tenant-1/token');
    expect(server.requests[0]!.body).toBe('grant_type=client_credentials');
    await provider.close();
  });

  it('adds scope and audience as form fields when set, in tokenUrl mode', async () => {
    const provider = createTokenProvider({
      ...isolated,
      clientId: 'client-1',
      secret: SECRET,
      tokenUrl: `${server.origin}/any/token`,
      scope: 'read write',
      audience: 'https://api.example.com',
    });
    await provider.getAuthorizationHeader();
    expect(server.requests[0]!.url).toBe('/any/token');
    expect(server.requests[0]!.body).toBe('grant_type=client_credentials&scope=read+write&audience=https%3A%2F%2Fapi.example.com');
    await provider.close();
  });

  it('sends client_id and client_secret in the body with clientAuth "post", and no Authorization', async () => {
    const provider = mcaProvider({ clientAuth: 'post' });
    await expect(provider.getAuthorizationHeader()).resolves.toBe('Bearer tok-1');
    const [req] = server.requests;
    expect(req!.headers.authorization).toBeUndefined();
    expect(req!.body).toBe(`grant_type=client_credentials&client_id=client-1&client_secret=${SECRET}`);
    await provider.close();
  });
});

describe('the token response', () => {
  const lifetimes: [string, number | string | null, number][] = [
    ['a number', 120, 120_000],
    ['a numeric string (App ID)', '120', 120_000],
    ['missing: defaultExpiresIn', null, 300_000],
  ];
  it.each(lifetimes)('reads expires_in as %s', async (_name, expiresIn, lifetimeMs) => {
    await server.close();
    server = await startTokenServer({ expiresIn });
    let now = 1_000_000;
    const provider = mcaProvider({ now: () => now, refreshSkewSeconds: 0 });
    await provider.getAuthorizationHeader();
    now += lifetimeMs - 1;
    await provider.getAuthorizationHeader();
    expect(server.requests).toHaveLength(1);
    now += 1;
    await expect(provider.getAuthorizationHeader()).resolves.toBe('Bearer tok-2');
    expect(server.requests).toHaveLength(2);
    await provider.close();
  });

  it('caps an absurd expires_in at maxTokenLifetimeSeconds', async () => {
    server.script.push({ body: { access_token: 'long', expires_in: 10 ** 12 } });
    let now = 0;
    const provider = mcaProvider({ now: () => now, refreshSkewSeconds: 0, maxTokenLifetimeSeconds: 100 });
    const lifetimes: number[] = [];
    provider.on('token', (e) => lifetimes.push(e.lifetimeMs));
    await provider.getAuthorizationHeader();
    expect(lifetimes).toEqual([100_000]);
    now = 99_999;
    await expect(provider.getAuthorizationHeader()).resolves.toBe('Bearer long');
    now = 100_000;
    await expect(provider.getAuthorizationHeader()).resolves.toBe('Bearer tok-1');
    await provider.close();
  });

  it('caps it at 86 400 s (one day) by default', async () => {
    server.script.push({ body: { access_token: 'long', expires_in: 10 ** 12 } });
    const provider = mcaProvider({ now: () => 0 });
    const lifetimes: number[] = [];
    provider.on('token', (e) => lifetimes.push(e.lifetimeMs));
    await provider.getAuthorizationHeader();
    expect(lifetimes).toEqual([86_400_000]);
    await provider.close();
  });

  const malformed: [string, { status?: number; body: string | object; headers?: Record<string, string> }][] = [
    ['non-JSON', { body: 'not json' }],
    ['an HTML error page', { body: '<html><body>Bad Gateway</body></html>' }],
    ['a JSON array', { body: [] }],
    ['no access_token', { body: { token_type: 'Bearer', expires_in: 60 } }],
    ['an empty access_token', { body: { access_token: '', expires_in: 60 } }],
    ['a numeric access_token', { body: { access_token: 42, expires_in: 60 } }],
    ['an access_token with a space', { body: { access_token: 'abc def', expires_in: 60 } }],
    ['an access_token with CR LF', { body: { access_token: 'abc\r\nX-Injected: 1', expires_in: 60 } }],
    ['a non-ASCII access_token', { body: { access_token: 'tök', expires_in: 60 } }],
    ['expires_in zero', { body: { access_token: 'ok-token', expires_in: 0 } }],
    ['expires_in negative', { body: { access_token: 'ok-token', expires_in: -5 } }],
    ['expires_in non-numeric', { body: { access_token: 'ok-token', expires_in: 'soon' } }],
    ['token_type MAC', { body: { access_token: 'ok-token', token_type: 'mac', expires_in: 60 } }],
  ];
  it.each(malformed)('rejects %s with ERR_MCA_BAD_TOKEN_RESPONSE', async (_name, answer) => {
    server.script.push(answer);
    const provider = mcaProvider();
    const error = await provider.getAuthorizationHeader().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(McaTokenError);
    expect(error).toMatchObject({ code: 'ERR_MCA_BAD_TOKEN_RESPONSE', tokenEndpointStatus: 200 });
    expectNoSecrets(error, [SECRET, BASIC, 'abc def', 'ok-token']);
    await provider.close();
  });

  it('accepts token_type in any case', async () => {
    server.script.push({ body: { access_token: 'lower', token_type: 'bearer', expires_in: 60 } });
    const provider = mcaProvider();
    await expect(provider.getAuthorizationHeader()).resolves.toBe('Bearer lower');
    await provider.close();
  });

  it('treats only HTTP 200 as success', async () => {
    server.script.push({ status: 201, body: { access_token: 'created', expires_in: 60 } });
    const provider = mcaProvider();
    await expect(provider.getAuthorizationHeader()).rejects.toMatchObject({ code: 'ERR_MCA_TOKEN_REQUEST_FAILED', tokenEndpointStatus: 201 });
    await provider.close();
  });

  it.each([401, 403])('maps HTTP %i to ERR_MCA_INVALID_CLIENT, without the secret anywhere', async (status) => {
    server.script.push({ status, body: { error: 'invalid_client', echoed: SECRET } });
    const provider = mcaProvider();
    const error = (await provider.getAuthorizationHeader().catch((e: unknown) => e)) as McaTokenError;
    expect(error).toMatchObject({
      name: 'McaTokenError',
      code: 'ERR_MCA_INVALID_CLIENT',
      tokenEndpointStatus: status,
      status: 503,
      oauthError: 'invalid_client',
    });
    expect(Object.keys(error)).not.toContain('response');
    expect(error.response?.body).toContain('invalid_client');
    expectNoSecrets(error, [SECRET, BASIC]);
    await provider.close();
  });

  it('maps a 5xx to ERR_MCA_TOKEN_REQUEST_FAILED with the status', async () => {
    server.script.push({ status: 503, body: '<html>down</html>' });
    const provider = mcaProvider({ retries: 0 });
    await expect(provider.getAuthorizationHeader()).rejects.toMatchObject({ code: 'ERR_MCA_TOKEN_REQUEST_FAILED', tokenEndpointStatus: 503 });
    await provider.close();
  });

  it('rejects a body over 1 MiB', async () => {
    server.script.push({ body: { access_token: 'x'.repeat(1024 * 1024 + 10), expires_in: 60 } });
    const provider = mcaProvider();
    await expect(provider.getAuthorizationHeader()).rejects.toMatchObject({ code: 'ERR_MCA_BAD_TOKEN_RESPONSE' });
    await provider.close();
  });

  it('times out a hanging server after timeoutMs', async () => {
    server.script.push({ hang: true });
    const provider = mcaProvider({ timeoutMs: 150, retries: 0 });
    const started = Date.now();
    const error = await provider.getAuthorizationHeader().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ERR_MCA_TOKEN_REQUEST_FAILED' });
    expect((error as Error).message).toMatch(/timed out/);
    expect(Date.now() - started).toBeLessThan(5000);
    expectNoSecrets(error, [SECRET, BASIC]);
    await provider.close();
  });

  it('reports a refused connection as ERR_MCA_TOKEN_REQUEST_FAILED with a sanitized cause', async () => {
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((r) => closed.close(() => r()));
    const provider = mcaProvider({ serverUrl: `http://127.0.0.1:${port}/x` });
    const error = (await provider.getAuthorizationHeader().catch((e: unknown) => e)) as McaTokenError;
    expect(error.code).toBe('ERR_MCA_TOKEN_REQUEST_FAILED');
    expect(error.tokenEndpointStatus).toBeUndefined();
    expect(error.status).toBe(503);
    expect((error.cause as { code?: string }).code).toBe('ECONNREFUSED');
    expectNoSecrets(error, [SECRET, BASIC]);
    await provider.close();
  });

  it('does not follow a redirect with the credentials', async () => {
    server.script.push({ status: 302, body: '', headers: { Location: `${server.origin}/elsewhere` } });
    const provider = mcaProvider();
    await expect(provider.getAuthorizationHeader()).rejects.toMatchObject({ tokenEndpointStatus: 302 });
    expect(server.requests).toHaveLength(1);
    await provider.close();
  });
});
