import { createTokenProvider, MemoryTokenStore, McaOAuthError, type StoredToken } from '../lib';
import { startTokenServer, type TokenServer } from './helpers/token-server';
import { waitFor } from './helpers/wait';

let server: TokenServer;
beforeEach(async () => {
  server = await startTokenServer({ expiresIn: 3600 });
});
afterEach(() => server.close());

function provider(extra: Record<string, unknown> = {}) {
  return createTokenProvider({
    env: {},
    envFile: false,
    clientId: 'client-1',
    secret: 's3cr3t-value',
    tenantId: 'tenant-1',
    serverUrl: server.serverUrl,
    ...extra,
  });
}

describe('the cached provider', () => {
  it('fetches once and answers later calls from the cache', async () => {
    const p = provider();
    for (let i = 0; i < 50; i++) await expect(p.getAuthorizationHeader()).resolves.toBe('Bearer tok-1');
    expect(server.requests).toHaveLength(1);
    expect(p.stats()).toEqual({ hits: 49, misses: 1, fetches: 1, fromStore: 0, failures: 0, inflight: 0, size: 1 });
    await p.close();
  });

  it('makes callers wait at exp − refreshSkewSeconds, measured from before the request (injected clock)', async () => {
    let now = 5_000_000;
    // A zero refresh window isolates the skew: no background refresh before it.
    const p = provider({ now: () => now, refreshSkewSeconds: 60, refreshWindowSeconds: 0 });
    await p.getAuthorizationHeader();
    now += (3600 - 60) * 1000 - 1;
    await expect(p.getAuthorizationHeader()).resolves.toBe('Bearer tok-1');
    now += 1;
    await expect(p.getAuthorizationHeader()).resolves.toBe('Bearer tok-2');
    expect(server.requests).toHaveLength(2);
    await p.close();
  });

  it('caps the skew at half of a short lifetime, so a short token is not refetched on every call', async () => {
    await server.close();
    server = await startTokenServer({ expiresIn: 10 });
    let now = 0;
    const p = provider({ now: () => now, refreshSkewSeconds: 60 });
    await p.getAuthorizationHeader();
    now = 4_999;
    await p.getAuthorizationHeader();
    await p.getAuthorizationHeader();
    expect(server.requests).toHaveLength(1);
    now = 5_000;
    await expect(p.getAuthorizationHeader()).resolves.toBe('Bearer tok-2');
    expect(server.requests).toHaveLength(2);
    await p.close();
  });

  it('single flight: 1000 concurrent callers on a cold cache make exactly one POST', async () => {
    server.script.push({ delayMs: 50 });
    const p = provider();
    const headers = await Promise.all(Array.from({ length: 1000 }, () => p.getAuthorizationHeader()));
    expect(new Set(headers)).toEqual(new Set(['Bearer tok-1']));
    expect(server.requests).toHaveLength(1);
    expect(p.stats()).toMatchObject({ misses: 1000, fetches: 1, inflight: 0 });
    await p.close();
  });

  it('single flight shares a failure too, and the next call tries again', async () => {
    server.script.push({ status: 500, body: 'boom', delayMs: 20 });
    const p = provider({ retries: 0, failureCooldownMs: 0 });
    const results = await Promise.allSettled(Array.from({ length: 100 }, () => p.getAuthorizationHeader()));
    expect(results.every((r) => r.status === 'rejected')).toBe(true);
    expect(server.requests).toHaveLength(1);
    await expect(p.getAuthorizationHeader()).resolves.toBe('Bearer tok-1');
    expect(p.stats()).toMatchObject({ fetches: 2, failures: 1 });
    await p.close();
  });

  it('invalidate() drops the token; invalidate(header) only if it is still the cached one', async () => {
    const p = provider();
    const first = await p.getAuthorizationHeader();
    expect(p.invalidate('Bearer not-the-cached-one')).toBe(false);
    expect(p.invalidate(first)).toBe(true);
    expect(p.invalidate(first)).toBe(false);
    await expect(p.getAuthorizationHeader()).resolves.toBe('Bearer tok-2');
    expect(p.invalidate()).toBe(true);
    await expect(p.getAuthorizationHeader()).resolves.toBe('Bearer tok-3');
    await p.close();
  });

  it('close() rejects callers of a request under way with ERR_MCA_CLOSED, then refuses new calls', async () => {
    server.script.push({ hang: true });
    const p = provider();
    const pending = p.getAuthorizationHeader();
    await waitFor(() => server.requests.length === 1);
    const closing = p.close();
    // Aborted: the server sees the connection dropped within 3 s, not at the 10 s default timeout.
    await waitFor(() => server.abortedHangs === 1, 3000);
    await closing;
    await expect(pending).rejects.toMatchObject({ code: 'ERR_MCA_CLOSED' });
    expect(p.closed).toBe(true);
    await expect(p.getAuthorizationHeader()).rejects.toMatchObject({ code: 'ERR_MCA_CLOSED' });
    await expect(p.getAuthorizationHeader()).rejects.toBeInstanceOf(McaOAuthError);
  });

  it('a new secret gets a new cache key, and the key holds no secret', () => {
    const a = provider();
    const b = provider({ secret: 'rotated-secret' });
    expect(a.cacheKey).not.toBe(b.cacheKey);
    expect(a.cacheKey).not.toContain('s3cr3t');
    expect(a.cacheKey).toMatch(/^[0-9a-f]{64}$/);
    void a.close();
    void b.close();
  });

  it('shares tokens through a store passed in, and leaves that store open on close()', async () => {
    const store = new MemoryTokenStore({ maxSize: 10 });
    const a = provider({ store });
    const b = provider({ store });
    await a.getAuthorizationHeader();
    await expect(b.getAuthorizationHeader()).resolves.toBe('Bearer tok-1');
    expect(server.requests).toHaveLength(1);
    await a.close();
    expect(store.size).toBe(1);
    await b.close();
  });

  it('accepts an async store', async () => {
    const map = new Map<string, StoredToken>();
    const store = {
      get: async (k: string) => map.get(k),
      set: async (k: string, t: StoredToken) => void map.set(k, t),
      delete: async (k: string) => void map.delete(k),
    };
    const a = provider({ store });
    await a.getAuthorizationHeader();
    await expect(a.getAuthorizationHeader()).resolves.toBe('Bearer tok-1');
    expect(server.requests).toHaveLength(1);
    await a.close();
  });
});

describe('MemoryTokenStore', () => {
  it('evicts the least recently used token beyond maxSize', () => {
    const store = new MemoryTokenStore({ maxSize: 2 });
    const t = (n: string): StoredToken => ({ accessToken: n, obtainedAt: 0, expiresAt: 1 });
    store.set('a', t('a'));
    store.set('b', t('b'));
    store.get('a');
    store.set('c', t('c'));
    store.set('d', t('d'));
    // quick-lru keeps up to 2×maxSize across its two generations; the bound still holds.
    expect(store.size).toBeLessThanOrEqual(4);
    store.set('e', t('e'));
    store.set('f', t('f'));
    expect(store.get('b')).toBeUndefined();
    expect(store.get('f')?.accessToken).toBe('f');
  });
});
