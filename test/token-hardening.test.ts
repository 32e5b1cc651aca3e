import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { createTokenProvider, McaTokenError, type TokenProvider } from '../lib';
import { MAX_ACCESS_TOKEN_CHARS } from '../lib/token/token-endpoint';
import { MIN_TOKEN_LIFETIME_MS } from '../lib/token/refresh-timing';
import { startTokenServer, type TokenServer } from './helpers/token-server';
import { startCaptureProxy, type CaptureProxy } from './helpers/capture-proxy';
import { expectNoSecrets } from './helpers/secrets';

// Issue 10, items 5, 6 (the token request), 7 and 9 (what the token server says).
const SECRET = 's3cr3t-value';
const BASIC = `Basic ${Buffer.from(`client-1:${SECRET}`).toString('base64')}`;
const base = { env: {}, envFile: false as const, clientId: 'client-1', secret: SECRET };
const providers: TokenProvider[] = [];
function provider(options: Record<string, unknown>): TokenProvider {
  const p = createTokenProvider({ ...base, ...options });
  providers.push(p);
  return p;
}
afterEach(async () => {
  await Promise.all(providers.splice(0).map((p) => p.close()));
});

describe('5. one time bound per attempt, over headers and body; the deadline bounds the fetch', () => {
  const sockets = new Set<net.Socket>();
  const timers = new Set<NodeJS.Timeout>();
  let server: net.Server;
  let url: string;
  // Answers every connection with `head` at once, then dribbles `text`, one byte every `everyMs`.
  async function dribble(head: string, text: string, everyMs = 60): Promise<void> {
    server = net.createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => undefined);
      socket.once('data', () => {
        socket.write(head);
        let i = 0;
        const timer = setInterval(() => {
          if (socket.destroyed || i >= text.length) return void clearInterval(timer);
          socket.write(text[i++]!);
        }, everyMs);
        timers.add(timer);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/token`;
  }
  afterEach(async () => {
    for (const t of timers) clearInterval(t);
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  const body = JSON.stringify({ access_token: `slow-token-${'x'.repeat(80)}`, expires_in: 3600 });
  const response = `HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`;

  it('a body sent a byte at a time fails the attempt at timeoutMs, and the fetch at deadlineMs', async () => {
    // The headers arrive at once (axios bounds the wait for them by itself); the body never ends in time.
    await dribble(response.slice(0, response.indexOf('\r\n\r\n') + 4), body, 60);
    const p = provider({ tokenUrl: url, timeoutMs: 300, deadlineMs: 1200, retries: 5, retryBaseMs: 1, retryMaxMs: 5 });
    const started = Date.now();
    const error = (await p.getAuthorizationHeader().catch((e: unknown) => e)) as McaTokenError;
    const elapsed = Date.now() - started;
    expect(error).toBeInstanceOf(McaTokenError);
    expect(error).toMatchObject({ code: 'ERR_MCA_TOKEN_REQUEST_FAILED' });
    expect(error.message).toMatch(/timed out/);
    expect((error.cause as { code?: string }).code).toBe('ETIMEDOUT');
    expect(error.attempts).toBeGreaterThanOrEqual(2); // retried within the deadline
    expect(elapsed).toBeLessThan(4_500); // the dribble alone takes ~7 s per attempt; shared CPUs are slow
  });

  it('headers sent a byte at a time are bounded the same way', async () => {
    await dribble('', response, 60);
    const p = provider({ tokenUrl: url, timeoutMs: 300, deadlineMs: 600, retries: 0 });
    const started = Date.now();
    await expect(p.getAuthorizationHeader()).rejects.toMatchObject({ code: 'ERR_MCA_TOKEN_REQUEST_FAILED' });
    expect(Date.now() - started).toBeLessThan(4_500); // the dribble takes ~11 s
  });
});

describe('6. HTTP_PROXY never sees the credentials of a loopback token request', () => {
  let tokens: TokenServer;
  let proxy: CaptureProxy;
  const saved = { HTTP_PROXY: process.env.HTTP_PROXY, http_proxy: process.env.http_proxy, NO_PROXY: process.env.NO_PROXY, no_proxy: process.env.no_proxy };
  beforeEach(async () => {
    tokens = await startTokenServer();
    proxy = await startCaptureProxy({ status: 200, body: { access_token: 'minted-by-proxy', expires_in: 3600 } });
    for (const key of Object.keys(saved)) delete process.env[key];
    process.env.HTTP_PROXY = proxy.url;
  });
  afterEach(async () => {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
    await Promise.all([tokens.close(), proxy.close()]);
  });

  it('a loopback http: token URL goes direct, whatever HTTP_PROXY says', async () => {
    const p = provider({ tenantId: 'tenant-1', serverUrl: tokens.serverUrl });
    await expect(p.getAuthorizationHeader()).resolves.toBe('Bearer tok-1');
    expect(proxy.seen).toHaveLength(0);
    expect(tokens.requests).toHaveLength(1);
  });

  it('with allowInsecureHttp, a remote http: token URL follows HTTP_PROXY, which then reads the Basic header (documented)', async () => {
    const p = provider({ tokenUrl: 'http://auth.example.com/token', allowInsecureHttp: true });
    await expect(p.getAuthorizationHeader()).resolves.toBe('Bearer minted-by-proxy');
    expect(proxy.seen[0]).toMatchObject({ url: 'http://auth.example.com/token', headers: { authorization: BASIC } });
  });
});

describe('7. tiny and huge answers', () => {
  let tokens: TokenServer;
  beforeEach(async () => {
    tokens = await startTokenServer();
  });
  afterEach(() => tokens.close());

  it('expires_in: 0.001 does not make a fetch per call: the lifetime floor holds the token', async () => {
    tokens.options.expiresIn = 0.001;
    let now = 1_000_000;
    const p = provider({ tenantId: 'tenant-1', serverUrl: tokens.serverUrl, now: () => now });
    for (let i = 0; i < 50; i++) {
      await p.getAuthorizationHeader();
      now += 10; // 50 calls over 500 ms of the provider's clock
    }
    expect(tokens.requests).toHaveLength(1);
    // Below the floor a token is handed out for half the floor, then replaced: one fetch per that much time.
    now = 1_000_000 + MIN_TOKEN_LIFETIME_MS / 2;
    await p.getAuthorizationHeader();
    await p.getAuthorizationHeader();
    expect(tokens.requests).toHaveLength(2);
  });

  it('a lifetime above the floor is scheduled as before', async () => {
    tokens.options.expiresIn = 4;
    let now = 1_000_000;
    const p = provider({ tenantId: 'tenant-1', serverUrl: tokens.serverUrl, now: () => now });
    await p.getAuthorizationHeader();
    now += 1_999; // half of 4 s, minus a millisecond
    await p.getAuthorizationHeader();
    expect(tokens.requests).toHaveLength(1);
  });

  it.each([
    ['900 KB', 900 * 1024, false],
    ['one over the cap', MAX_ACCESS_TOKEN_CHARS + 1, false],
    ['exactly the cap', MAX_ACCESS_TOKEN_CHARS, true],
  ])('an access_token of %s', async (_name, length, accepted) => {
    const token = 'x'.repeat(length);
    tokens.script.push({ body: { access_token: token, expires_in: 60 } });
    const p = provider({ tenantId: 'tenant-1', serverUrl: tokens.serverUrl });
    if (accepted) {
      await expect(p.getAuthorizationHeader()).resolves.toBe(`Bearer ${token}`);
    } else {
      const error = await p.getAuthorizationHeader().catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'ERR_MCA_BAD_TOKEN_RESPONSE', tokenEndpointStatus: 200 });
      expect((error as Error).message).toMatch(/over 8192 characters/);
      expectNoSecrets(error, ['x'.repeat(64)]);
    }
  });
});

describe("9. the token server's `error` is echoed only when it is an RFC 6749 code", () => {
  let tokens: TokenServer;
  beforeEach(async () => {
    tokens = await startTokenServer();
  });
  afterEach(() => tokens.close());

  it.each([
    [400, BASIC],
    [401, `${SECRET}`],
    [503, 'invalid_client but really the secret is ' + SECRET],
    [400, 'x'.repeat(64)],
  ])('HTTP %i with a hostile `error` field', async (status, hostile) => {
    tokens.script.push({ status, body: { error: hostile, error_description: BASIC } });
    const p = provider({ tenantId: 'tenant-1', serverUrl: tokens.serverUrl, retries: 0 });
    const error = (await p.getAuthorizationHeader().catch((e: unknown) => e)) as McaTokenError;
    expect(error).toBeInstanceOf(McaTokenError);
    expect(error.oauthError).toBeUndefined();
    expect(error.toJSON()).not.toHaveProperty('oauthError');
    expect(error.message).toMatch(new RegExp(`answered HTTP ${status}\\.|HTTP ${status}\\. Check`));
    expectNoSecrets(error, [SECRET, BASIC, Buffer.from(`client-1:${SECRET}`).toString('base64'), 'x'.repeat(64)]);
    expect(error.response?.body).toContain('error'); // still there, on purpose, non-enumerable
  });

  it.each(['invalid_scope', 'invalid_client', 'temporarily_unavailable'])('echoes %s', async (code) => {
    tokens.script.push({ status: 400, body: { error: code } });
    const p = provider({ tenantId: 'tenant-1', serverUrl: tokens.serverUrl, retries: 0 });
    const error = (await p.getAuthorizationHeader().catch((e: unknown) => e)) as McaTokenError;
    expect(error.oauthError).toBe(code);
    expect(error.message).toContain(`(${code})`);
  });
});
