// Which URL the client credentials go to (tokenUrl, App ID's oauthServerUrl, MCA's serverUrl and
// tenant), what a configuration that names no token server is told, which given objects are
// refused before any request, and which tuning options reach the token provider.
import { createTokenProvider } from '../lib';
import { resolveProviderConfig } from '../lib/settings/resolve-config';
import { MemoryTokenStore } from '../lib/token/token-store';
import { runCli } from './helpers/run-cli';
import { thrown } from './helpers/thrown';
import { startTokenServer, type TokenServer } from './helpers/token-server';

const CLIENT = { clientId: 'client-1', secret: 's3cr3t-value' };

let server: TokenServer;
beforeEach(async () => {
  server = await startTokenServer();
});
afterEach(async () => {
  await server.close();
});

async function headerFrom(options: Record<string, unknown>): Promise<string> {
  const provider = createTokenProvider({ envFile: false, env: {}, ...options });
  try {
    return await provider.getAuthorizationHeader();
  } finally {
    await provider.close();
  }
}

describe('the URL the client credentials are sent to', () => {
  it('an App ID oauthServerUrl ending in several slashes still gets one "/token" appended', async () => {
    expect(await headerFrom({ ...CLIENT, oauthServerUrl: `${server.oauthServerUrl}//` })).toBe('Bearer tok-1');
    expect(server.requests.map((r) => r.url)).toEqual(['/oauth/v4/tenant-1/token']);
  });

  it('a tokenUrl may carry a query string, which reaches the token server unchanged', async () => {
    expect(await headerFrom({ ...CLIENT, tokenUrl: `${server.origin}/oauth/token?realm=orders` })).toBe('Bearer tok-1');
    expect(server.requests.map((r) => r.url)).toEqual(['/oauth/token?realm=orders']);
  });

  it('`mca-oauth check` names the tokenUrl rule next to the token URL', async () => {
    const r = await runCli([
      'check',
      '--no-env-file',
      '--client-id',
      CLIENT.clientId,
      '--secret',
      CLIENT.secret,
      '--token-url',
      `${server.origin}/oauth/token`,
    ]);
    expect(r.status).toBe(0);
    expect(r.out).toMatch(new RegExp(`^token URL\\s+${server.origin}/oauth/token \\(tokenUrl\\)$`, 'm'));
  });

  it('two providers sharing a store but asking for different resources each get their own token', async () => {
    const store = new MemoryTokenStore({ maxSize: 10 });
    const common = { ...CLIENT, tokenUrl: `${server.origin}/oauth/token`, store };
    expect(await headerFrom({ ...common, resource: 'https://orders.example/' })).toBe('Bearer tok-1');
    expect(await headerFrom({ ...common, resource: 'https://billing.example/' })).toBe('Bearer tok-2');
    expect(server.requests).toHaveLength(2);
    expect(server.requests[1]!.body).toContain(`resource=${encodeURIComponent('https://billing.example/')}`);
  });
});

describe('a configuration that names no token server', () => {
  function missingServer(env: Record<string, string>) {
    return thrown(() => resolveProviderConfig({ envFile: false, env, ...CLIENT }));
  }

  it('without VCAP_SERVICES, the error names serverUrl and lists the three ways, with no binding note', () => {
    const error = missingServer({});
    expect(error.code).toBe('ERR_MCA_MISSING_SERVER_URL');
    expect(error.field).toBe('serverUrl');
    expect(error.message).toMatch(/^Missing `serverUrl` \(the token server\)\. Pass `serverUrl` \(MCA\), `oauthServerUrl` \(App ID\) or `tokenUrl`/);
    expect(error.message).toMatch(/\(VCAP_SERVICES credentials\.serverUrl\)\.$/);
    expect(error.message).not.toMatch(/A service is bound|Note:|For an OAuth client instead/);
  });

  it('a bound MCA service without serverUrl is named as the thing to fix', () => {
    const error = missingServer({ VCAP_SERVICES: JSON.stringify({ AdvancedMobileAccess: [{ name: 'my-mca', credentials: { tenantId: 't' } }] }) });
    expect(error.code).toBe('ERR_MCA_MISSING_SERVER_URL');
    expect(error.message).toContain(
      'A service is bound (VCAP_SERVICES AdvancedMobileAccess[0]), but its credentials have neither `serverUrl` nor `oauthServerUrl`.',
    );
  });

  it('an AdvancedMobileAccess key with no instance is pointed out in a note', () => {
    const error = missingServer({ VCAP_SERVICES: JSON.stringify({ AdvancedMobileAccess: [] }) });
    expect(error.code).toBe('ERR_MCA_MISSING_SERVER_URL');
    expect(error.message).toMatch(/ Note: VCAP_SERVICES has AdvancedMobileAccess with no service instance in it: bind the service instance\.$/);
  });

  it('a bound service with an IAM apikey is offered first, before the OAuth client ways', () => {
    const error = missingServer({
      VCAP_SERVICES: JSON.stringify({ cloudantNoSQLDB: [{ name: 'orders-db', credentials: { apikey: 'k-1', url: 'https://db.example' } }] }),
    });
    expect(error.code).toBe('ERR_MCA_MISSING_SERVER_URL');
    expect(error.message).toMatch(/^Missing `serverUrl` \(the token server\)\. .*"orders-db".* For an OAuth client instead: Pass `serverUrl`/);
  });
});

describe('a missing credential is described by what it is', () => {
  it('no tenant with an MCA serverUrl: the MCA tenant', () => {
    const error = thrown(() => resolveProviderConfig({ envFile: false, env: {}, ...CLIENT, serverUrl: server.serverUrl }));
    expect(error.code).toBe('ERR_MCA_MISSING_TENANT_ID');
    expect(error.message).toContain('Missing `tenantId` (the MCA tenant, the Bluemix application GUID; also `appId`).');
  });

  it('no client id: the OAuth client id', () => {
    const error = thrown(() => resolveProviderConfig({ envFile: false, env: {}, secret: 's', tokenUrl: `${server.origin}/t` }));
    expect(error.code).toBe('ERR_MCA_MISSING_CLIENT_ID');
    expect(error.message).toContain('Missing `clientId` (the OAuth client id).');
  });

  it('no secret: the OAuth client secret', () => {
    const error = thrown(() => resolveProviderConfig({ envFile: false, env: {}, clientId: 'c', tokenUrl: `${server.origin}/t` }));
    expect(error.code).toBe('ERR_MCA_MISSING_SECRET');
    expect(error.message).toContain('Missing `secret` (the OAuth client secret).');
  });
});

describe('a given store or clock that cannot work is refused at startup', () => {
  const fn = (): undefined => undefined;
  function storeError(store: unknown) {
    return thrown(() => createTokenProvider({ envFile: false, env: {}, ...CLIENT, tokenUrl: `${server.origin}/t`, store: store as never }));
  }

  it.each([
    ['null', null],
    ['a string', 'redis://cache'],
    ['a function with get and set', Object.assign(() => undefined, { get: fn, set: fn, delete: fn })],
    ['an object without get', { set: fn, delete: fn }],
    ['an object without set', { get: fn, delete: fn }],
  ])('store: %s', (_what, store) => {
    const error = storeError(store);
    expect(error.code).toBe('ERR_MCA_INVALID_STORE');
    expect(error.field).toBe('store');
    expect(error.message).toMatch(/it must be a TokenStore: an object with get\(key\), set\(key, token\) and delete\(key\)\.$/);
  });

  it('now: a number', () => {
    const error = thrown(() => createTokenProvider({ envFile: false, env: {}, ...CLIENT, tokenUrl: `${server.origin}/t`, now: 5 as never }));
    expect(error.code).toBe('ERR_MCA_INVALID_NOW');
    expect(error.field).toBe('now');
    expect(error.message).toMatch(/it must be a function returning epoch milliseconds\.$/);
  });

  it('a given store wins: MCA_REDIS_URL in the environment is then not read at all', async () => {
    const store = new MemoryTokenStore({ maxSize: 10 });
    const header = await headerFrom({ ...CLIENT, tokenUrl: `${server.origin}/t`, store, env: { MCA_REDIS_URL: 'not a redis url' } });
    expect(header).toBe('Bearer tok-1');
  });
});

describe('the tuning options reach the token provider', () => {
  const T0 = 1_700_000_000_000;

  async function firstRetryDelay(options: Record<string, unknown>, failure: { status: number; headers?: Record<string, string> }): Promise<number> {
    server.script.push({ ...failure, body: { error: 'temporarily_unavailable' } });
    const provider = createTokenProvider({ envFile: false, env: {}, ...CLIENT, tokenUrl: `${server.origin}/t`, ...options });
    const delays: number[] = [];
    provider.on('retry', (event: { delayMs: number }) => delays.push(event.delayMs));
    try {
      expect(await provider.getAuthorizationHeader()).toBe('Bearer tok-1');
    } finally {
      await provider.close();
    }
    expect(delays).toHaveLength(1);
    return delays[0]!;
  }

  it('retryAfterMaxMs caps a long Retry-After', async () => {
    expect(await firstRetryDelay({ retryAfterMaxMs: 5 }, { status: 503, headers: { 'retry-after': '3600' } })).toBe(5);
  });

  it('retryBaseMs 0 retries at once', async () => {
    expect(await firstRetryDelay({ retryBaseMs: 0 }, { status: 503 })).toBe(0);
  });

  it('retryMaxMs 0 retries at once', async () => {
    expect(await firstRetryDelay({ retryMaxMs: 0 }, { status: 503 })).toBe(0);
  });

  it('failureCooldownMs: a refused fetch is answered from memory for that long, then tried again', async () => {
    let now = T0;
    const provider = createTokenProvider({ envFile: false, env: {}, ...CLIENT, tokenUrl: `${server.origin}/t`, failureCooldownMs: 60_000, now: () => now });
    try {
      server.script.push({ status: 401, body: { error: 'invalid_client' } }, { status: 401, body: { error: 'invalid_client' } });
      await expect(provider.getAuthorizationHeader()).rejects.toMatchObject({ code: 'ERR_MCA_INVALID_CLIENT' });
      now += 59_000;
      await expect(provider.getAuthorizationHeader()).rejects.toMatchObject({ code: 'ERR_MCA_INVALID_CLIENT' });
      expect(server.requests).toHaveLength(1);
      now += 2_000;
      await expect(provider.getAuthorizationHeader()).rejects.toMatchObject({ code: 'ERR_MCA_INVALID_CLIENT' });
      expect(server.requests).toHaveLength(2);
    } finally {
      await provider.close();
    }
  });

  it('refreshWindowSeconds: the background refresh starts that long before expiry', async () => {
    let now = T0;
    // A one-hour token; a 30-minute window refreshes at about T0 + 30 min (±10%), where the
    // default window (20% of the lifetime, at most 5 min) would wait until past 50 min.
    const provider = createTokenProvider({ envFile: false, env: {}, ...CLIENT, tokenUrl: `${server.origin}/t`, refreshWindowSeconds: 1800, now: () => now });
    try {
      expect(await provider.getAuthorizationHeader()).toBe('Bearer tok-1');
      // Before the window: the token is handed out and no refresh starts.
      now = T0 + 1_000_000;
      const early = provider.getAuthorizationHeader();
      expect(provider.stats().inflight).toBe(0);
      expect(await early).toBe('Bearer tok-1');
      now = T0 + 2_000_000;
      const refreshed = new Promise((resolve) => provider.on('token', resolve));
      const inWindow = provider.getAuthorizationHeader();
      expect(provider.stats().inflight).toBe(1);
      expect(await inWindow).toBe('Bearer tok-1');
      await refreshed;
      expect(await provider.getAuthorizationHeader()).toBe('Bearer tok-2');
    } finally {
      await provider.close();
    }
  });
});
