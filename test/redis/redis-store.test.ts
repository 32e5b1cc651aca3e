import { fork, execFileSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import Redis from 'ioredis';
import { createTokenProvider, type TokenProvider } from '../../lib';
import { redisTokenStore, type RedisTokenStore } from '../../lib/redis';
import { startTokenServer, type TokenServer } from '../helpers/token-server';
import { describeWithRedis, startRedisServer, type RedisServer } from '../helpers/redis-server';
import { waitFor } from '../helpers/wait';

const SECRET = 's3cr3t-value';
const credentials = (server: TokenServer) => ({
  clientId: 'client-1',
  secret: SECRET,
  tenantId: 'tenant-1',
  serverUrl: server.serverUrl,
  env: {},
  envFile: false as const,
});

describeWithRedis('the Redis token store, against a real redis-server', () => {
  let redis: RedisServer;
  let tokens: TokenServer;
  let raw: Redis;
  const cleanup: (() => Promise<unknown> | unknown)[] = [];

  beforeAll(async () => {
    redis = await startRedisServer();
  });
  afterAll(async () => {
    await redis.stop();
  });
  beforeEach(async () => {
    tokens = await startTokenServer();
    raw = new Redis(redis.url, { lazyConnect: true });
    await raw.connect();
    await raw.flushall();
  });
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
    raw.disconnect();
    await tokens.close();
  });

  function store(extra: Record<string, unknown> = {}): RedisTokenStore {
    const s = redisTokenStore({ url: redis.url, ...extra });
    cleanup.push(() => s.close());
    return s;
  }
  function provider(s: RedisTokenStore, extra: Record<string, unknown> = {}): TokenProvider {
    const p = createTokenProvider({ ...credentials(tokens), store: s, ...extra });
    cleanup.push(() => p.close());
    return p;
  }
  async function allValues(): Promise<{ keys: string[]; values: string[] }> {
    const keys = await raw.keys('*');
    const values = await Promise.all(keys.map((k) => raw.get(k).then((v) => v ?? '')));
    return { keys, values };
  }

  it('shares a token between two providers with separate stores and connections', async () => {
    const a = provider(store());
    // The README's way: the application's own ioredis client, which the store never closes.
    const client = new Redis(redis.url);
    cleanup.push(() => client.quit());
    const b = provider(redisTokenStore({ client }));
    const sources: string[] = [];
    b.on('token', (e) => sources.push(e.source));
    await expect(a.getAuthorizationHeader()).resolves.toBe('Bearer tok-1');
    await expect(b.getAuthorizationHeader()).resolves.toBe('Bearer tok-1');
    expect(tokens.requests).toHaveLength(1);
  });

  it('serves hits from L1 without touching Redis', async () => {
    const s = store();
    const a = provider(s);
    await a.getAuthorizationHeader();
    await redis.stop();
    try {
      for (let i = 0; i < 100; i++) await expect(a.getAuthorizationHeader()).resolves.toBe('Bearer tok-1');
    } finally {
      await redis.restart();
    }
  });

  it('writes the token with PX = (exp − skew) − now', async () => {
    const a = provider(store(), { refreshSkewSeconds: 60 });
    await a.getAuthorizationHeader();
    const [key] = (await raw.keys('mca:token:*')) as [string];
    const pttl = await raw.pttl(key);
    expect(pttl).toBeGreaterThan(3_540_000 - 2_000);
    expect(pttl).toBeLessThanOrEqual(3_540_000);
  });

  it('single flight across 4 processes on a cold cache: 1 token POST in all', async () => {
    tokens.script.push({ delayMs: 300 });
    // A barrier, not a clock: all four are loaded and connected before any of them asks.
    const children = Array.from({ length: 4 }, () => runChild({ redisUrl: redis.url, credentials: credentials(tokens), barrier: true }));
    await Promise.all(children.map((c) => c.ready));
    for (const c of children) c.child.send({ type: 'go' });
    const outputs = await Promise.all(children.map((c) => c.done));
    const parsed = outputs.map((o) => JSON.parse(o) as { header: string; source: string });
    expect(new Set(parsed.map((p) => p.header))).toEqual(new Set(['Bearer tok-1']));
    expect(parsed.filter((p) => p.source === 'endpoint')).toHaveLength(1);
    expect(tokens.requests).toHaveLength(1);
  }, 30_000);

  it('a lock holder killed mid-fetch: another process takes over within the lock TTL', async () => {
    tokens.script.push({ hang: true });
    const lockTtlMs = 1000;
    const holder = runChild({ redisUrl: redis.url, credentials: credentials(tokens), lockTtlMs });
    await waitFor(() => tokens.requests.length === 1);
    const waiter = runChild({ redisUrl: redis.url, credentials: credentials(tokens), lockTtlMs });
    await waiter.asking;
    const killedAt = Date.now();
    holder.child.kill('SIGKILL');
    const out = JSON.parse(await waiter.done) as { header: string; source: string };
    expect(out).toEqual({ header: 'Bearer tok-1', source: 'endpoint' });
    expect(Date.now() - killedAt).toBeLessThan(lockTtlMs + 1500);
    expect(tokens.requests).toHaveLength(2);
  }, 30_000);

  it('a tampered value is a miss, and is overwritten', async () => {
    await provider(store()).getAuthorizationHeader();
    const [key] = (await raw.keys('mca:token:*')) as [string];
    const value = (await raw.get(key))!;
    const flipped = value.slice(0, -2) + (value.endsWith('A') ? 'B' : 'A') + value.slice(-1);
    await raw.set(key, flipped, 'PX', 60_000);
    await expect(provider(store()).getAuthorizationHeader()).resolves.toBe('Bearer tok-2');
    expect(tokens.requests).toHaveLength(2);
    expect(await raw.get(key)).not.toBe(flipped);
  });

  it('a value sealed under another secret is a miss', async () => {
    tokens.script.push({}, {});
    const first = provider(store());
    await first.getAuthorizationHeader();
    const other = provider(store(), { secret: 'another-secret' });
    // Put the first secret's value under the other configuration's key.
    const value = (await raw.get(`mca:token:${first.cacheKey}`))!;
    await raw.set(`mca:token:${other.cacheKey}`, value, 'PX', 60_000);
    await expect(other.getAuthorizationHeader()).resolves.toBe('Bearer tok-2');
    expect(tokens.requests).toHaveLength(2);
  });

  it('Redis stopped mid-run: requests still succeed; the cache works again after a restart', async () => {
    const s = store({ storeTimeoutMs: 100 });
    const a = provider(s);
    const storeErrors: Error[] = [];
    a.on('store-error', (e) => storeErrors.push(e));
    await a.getAuthorizationHeader();
    await redis.stop();
    try {
      a.invalidate();
      await expect(a.getAuthorizationHeader()).resolves.toBe('Bearer tok-2');
      expect(storeErrors.length).toBeGreaterThan(0);
      expect(storeErrors.map((e) => e.message).join('\n')).not.toContain('tok-');
    } finally {
      await redis.restart();
    }
    await raw.connect().catch(() => undefined);
    // ioredis reconnects by itself; wait until a write lands again.
    const until = Date.now() + 10_000;
    let n = 2;
    while (Date.now() < until) {
      a.invalidate();
      await a.getAuthorizationHeader();
      n++;
      if ((await raw.keys('mca:token:*')).length === 1) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(await raw.keys('mca:token:*')).toHaveLength(1);
    const b = provider(store());
    await expect(b.getAuthorizationHeader()).resolves.toBe(`Bearer tok-${n}`);
  }, 30_000);

  it('no secret, Basic credential or plaintext token in any Redis key or value', async () => {
    tokens.script.push({}, {}, {});
    const a = provider(store());
    await a.getAuthorizationHeader();
    a.invalidate();
    await a.getAuthorizationHeader();
    await provider(store(), { scope: 'orders' }).getAuthorizationHeader();
    const { keys, values } = await allValues();
    expect(keys.length).toBeGreaterThan(0);
    const everything = [...keys, ...values].join('\n');
    for (const forbidden of [SECRET, Buffer.from(`client-1:${SECRET}`).toString('base64'), 'client-1', ...tokens.issued]) {
      expect(everything).not.toContain(forbidden);
    }
    expect(keys.every((k) => /^mca:(token|lock):[0-9a-f]{64}$/.test(k))).toBe(true);
  });

  it('encrypt: false stores plaintext (debugging only)', async () => {
    await provider(store({ encrypt: false })).getAuthorizationHeader();
    const { values } = await allValues();
    expect(values.join('')).toContain('tok-1');
    await expect(provider(store({ encrypt: false })).getAuthorizationHeader()).resolves.toBe('Bearer tok-1');
  });

  it('is configured from MCA_REDIS_URL without code, and the main entry never loads ioredis', async () => {
    const p = createTokenProvider({ ...credentials(tokens), env: { MCA_REDIS_URL: redis.url } });
    cleanup.push(() => p.close());
    await p.getAuthorizationHeader();
    expect(await raw.keys('mca:token:*')).toHaveLength(1);
    const loaded = execFileSync(
      process.execPath,
      ['-e', `require(${JSON.stringify(join(__dirname, '..', '..', 'dist'))}); console.log(Object.keys(require.cache).some((k) => k.includes('ioredis')))`],
      { encoding: 'utf8' },
    );
    expect(loaded.trim()).toBe('false');
  });

  it('finds a Redis service bound in VCAP_SERVICES', async () => {
    const VCAP_SERVICES = JSON.stringify({ 'rediscloud': [{ name: 'cache', label: 'rediscloud', credentials: { hostname: '127.0.0.1', port: String(redis.port) } }] });
    const p = createTokenProvider({ ...credentials(tokens), env: { VCAP_SERVICES } });
    cleanup.push(() => p.close());
    await p.getAuthorizationHeader();
    expect(await raw.keys('mca:token:*')).toHaveLength(1);
  });
});

function runChild(settings: Record<string, unknown>): { child: ChildProcess; done: Promise<string>; asking: Promise<void>; ready: Promise<void> } {
  const child = fork(join(__dirname, 'fleet-child.js'), [JSON.stringify(settings)], { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  const done = new Promise<string>((resolve, reject) => {
    child.once('exit', (code, signal) => (code === 0 ? resolve(out.trim()) : reject(new Error(`child exited ${code ?? signal}: ${out}`))));
  });
  const asking = new Promise<void>((resolve) => child.on('message', (m: { type?: string }) => m.type === 'asking' && resolve()));
  const ready = new Promise<void>((resolve) => child.on('message', (m: { type?: string }) => m.type === 'ready' && resolve()));
  done.catch(() => undefined);
  return { child, done, asking, ready };
}
