import { closeAuthorizationHeaderCache, getAuthorizationHeader, getAuthorizationHeaderBySecret, McaConfigError } from '../lib';
import { startTokenServer, type TokenServer } from './helpers/token-server';
import { expectNoSecrets } from './helpers/secrets';
import { waitFor } from './helpers/wait';

let server: TokenServer;
beforeEach(async () => {
  server = await startTokenServer({ clientId: 'clientId', secret: 'secret', tenantId: 'appId' });
});
afterEach(async () => {
  await closeAuthorizationHeaderCache();
  await server.close();
});

// The seed's documented option object, exactly (backend-communication.de.md), plus the two
// options that keep the test away from the machine's own environment. Object-valued options count
// by identity, so the empty environment is one shared object, as process.env would be.
const NO_ENV = {};
function seedOptions() {
  return { cacheSize: 100, appId: 'appId', clientId: 'clientId', secret: 'secret', serverUrl: server.serverUrl, env: NO_ENV, envFile: false as const };
}

describe('getAuthorizationHeader: the seed API as a drop-in', () => {
  it('resolves to "Bearer <access_token>" with the seed option object, byte-compatible on the wire', async () => {
    await expect(getAuthorizationHeader(seedOptions())).resolves.toBe('Bearer tok-1');
    const [req] = server.requests;
    expect(req!.url).toBe('/imf-authserver/authorization/v1/apps/appId/token');
    expect(req!.headers.authorization).toBe(`Basic ${Buffer.from('clientId:secret').toString('base64')}`);
    expect(req!.body).toBe('grant_type=client_credentials');
  });

  it('getAuthorizationHeaderBySecret (the 3.x name) is the same function', async () => {
    expect(getAuthorizationHeaderBySecret).toBe(getAuthorizationHeader);
    await expect(getAuthorizationHeaderBySecret(seedOptions())).resolves.toBe('Bearer tok-1');
  });

  it('caches across calls that pass a fresh options object each time (the seed pattern)', async () => {
    for (let i = 0; i < 20; i++) await expect(getAuthorizationHeader(seedOptions())).resolves.toBe('Bearer tok-1');
    expect(server.requests).toHaveLength(1);
  });

  it('coalesces 500 concurrent seed-style calls into one POST', async () => {
    server.script.push({ delayMs: 30 });
    const all = await Promise.all(Array.from({ length: 500 }, () => getAuthorizationHeader(seedOptions())));
    expect(new Set(all)).toEqual(new Set(['Bearer tok-1']));
    expect(server.requests).toHaveLength(1);
  });

  it('notices a mutated options object (a rotated secret) instead of serving the old token', async () => {
    const options = seedOptions();
    await getAuthorizationHeader(options);
    options.secret = 'rotated';
    await expect(getAuthorizationHeader(options)).rejects.toMatchObject({ code: 'ERR_MCA_INVALID_CLIENT' });
    expect(server.requests).toHaveLength(2);
  });

  it('rejects, never throws, on bad configuration, with no secret in the error', async () => {
    let result: Promise<string> | undefined;
    expect(() => {
      result = getAuthorizationHeader({ ...seedOptions(), appId: undefined, serverUrl: 'ftp://x' });
    }).not.toThrow();
    const error = await result!.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(McaConfigError);
    expect(error).toMatchObject({ code: 'ERR_MCA_INVALID_SERVER_URL' });
    expectNoSecrets(error, ['secret']);
    await expect(getAuthorizationHeader('nope' as never)).rejects.toMatchObject({ code: 'ERR_MCA_INVALID_OPTIONS' });
  });

  it('keeps at most cacheSize configurations: the least recently used one is evicted and refetches', async () => {
    const forClient = (n: number) => ({ ...seedOptions(), cacheSize: 2, clientId: `c${n}`, clientAuth: 'post' as const });
    // The test server checks one client id; answer every request from the script instead.
    server.script.push(...Array.from({ length: 10 }, () => ({})));
    await getAuthorizationHeader(forClient(1));
    await getAuthorizationHeader(forClient(2));
    await getAuthorizationHeader(forClient(1));
    expect(server.requests).toHaveLength(2);
    await getAuthorizationHeader(forClient(3));
    await getAuthorizationHeader(forClient(4));
    await getAuthorizationHeader(forClient(5));
    await getAuthorizationHeader(forClient(6));
    const before = server.requests.length;
    await getAuthorizationHeader(forClient(2));
    expect(server.requests.length).toBe(before + 1);
  });

  it('closes the providers it evicts: cacheSize bounds the open connections to the token server', async () => {
    const forClient = (n: number) => ({ ...seedOptions(), cacheSize: 2, clientId: `c${n}`, clientAuth: 'post' as const });
    server.script.push(...Array.from({ length: 6 }, () => ({})));
    for (let n = 1; n <= 6; n++) await getAuthorizationHeader(forClient(n));
    expect(server.requests).toHaveLength(6);
    // Each provider keeps one keep-alive connection; an evicted (closed) provider drops its own.
    await waitFor(() => server.connections() <= 2, 3000);
  });

  describe("a fresh literal of plain values on every call (the seed's documented style, no env object)", () => {
    // No `env` object: the literal holds only strings, numbers and booleans, as the seed's callers
    // write it, so it takes the literal path (what it leaves out comes from process.env).
    type SeedOptions = Parameters<typeof getAuthorizationHeader>[0];
    const literal = (over: Record<string, unknown> = {}): SeedOptions & Record<string, unknown> => ({
      cacheSize: 100,
      appId: 'appId',
      clientId: 'clientId',
      secret: 'secret',
      serverUrl: server.serverUrl,
      envFile: false,
      ...over,
    });

    it('makes one POST for many calls, and 500 concurrent calls share it', async () => {
      server.script.push({ delayMs: 30 });
      const all = await Promise.all(Array.from({ length: 500 }, () => getAuthorizationHeader(literal())));
      for (let i = 0; i < 20; i++) all.push(await getAuthorizationHeader(literal()));
      expect(new Set(all)).toEqual(new Set(['Bearer tok-1']));
      expect(server.requests).toHaveLength(1);
    });

    it("never hands one literal's token to another whose names and values run together alike", async () => {
      await expect(getAuthorizationHeader(literal())).resolves.toBe('Bearer tok-1');
      // A value that spells out another option, as a key without lengths would read it (the
      // secret last, so nothing follows it): the secret is wrong, so the token server must be
      // asked, and it refuses.
      const { secret: _secret, ...rest } = literal();
      await expect(getAuthorizationHeader({ ...rest, secret: 'secret', scope: 'x' })).resolves.toBe('Bearer tok-2');
      await expect(getAuthorizationHeader({ ...rest, secret: 'secret;5:scopesx' })).rejects.toMatchObject({ code: 'ERR_MCA_INVALID_CLIENT' });
      await expect(getAuthorizationHeader({ ...rest, secret: 'secret;5:scopes1:x' })).rejects.toMatchObject({ code: 'ERR_MCA_INVALID_CLIENT' });
      // The same value under another type is another literal: a string cacheSize is refused.
      await expect(getAuthorizationHeader(literal({ cacheSize: '100' }))).rejects.toMatchObject({ code: 'ERR_MCA_INVALID_CACHE_SIZE' });
      expect(server.requests).toHaveLength(4);
    });

    it('a rotated secret in the next literal is asked for, not served the old token', async () => {
      await getAuthorizationHeader(literal());
      await expect(getAuthorizationHeader(literal({ secret: 'rotated' }))).rejects.toMatchObject({ code: 'ERR_MCA_INVALID_CLIENT' });
      expect(server.requests).toHaveLength(2);
    });

    it('eviction never fails a caller: literals of more configurations than cacheSize all resolve', async () => {
      server.script.push(...Array.from({ length: 12 }, () => ({})));
      const forClient = (n: number) => literal({ cacheSize: 2, clientId: `c${n}`, clientAuth: 'post' });
      for (let round = 0; round < 2; round++) {
        const headers = await Promise.all([1, 2, 3, 4].map((n) => getAuthorizationHeader(forClient(n))));
        expect(headers.every((h) => h.startsWith('Bearer '))).toBe(true);
      }
      // The last two stayed cached; the first two were evicted and fetched again.
      expect(server.requests.length).toBeGreaterThanOrEqual(6);
      expect(server.requests.length).toBeLessThanOrEqual(8);
    });
  });

  it('reads what options leave out from the environment, as the seed did', async () => {
    const header = await getAuthorizationHeader({
      env: { MCA_CLIENT_ID: 'clientId', MCA_SECRET: 'secret', MCA_APP_ID: 'appId', MCA_SERVER_URL: server.serverUrl },
      envFile: false,
    });
    expect(header).toBe('Bearer tok-1');
  });
});
