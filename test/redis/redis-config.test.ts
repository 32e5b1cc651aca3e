import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Redis from 'ioredis';
import { createTokenProvider, isMcaConfigError, mcaOAuth } from '../../lib';
import { redisTokenStore } from '../../lib/redis';
import { runCli } from '../helpers/run-cli';
import { startTokenServer, type TokenServer } from '../helpers/token-server';
import { describeWithRedis, startRedisServer, type RedisServer } from '../helpers/redis-server';
import { FLEET_KEY, SECRET, credentials } from '../helpers/redis-fleet';
import { captureRedisStoreWarnings } from '../helpers/process-warnings';

// Redis refuses or fails the store on purpose here: its warnings are checked, not printed.
const storeWarnings = captureRedisStoreWarnings();

const PASSWORD = 'red-pa55-word';
const OTHER_KEY = randomBytes(32).toString('base64');

function configError(run: () => unknown): { code: string; message: string } {
  try {
    run();
  } catch (error) {
    expect(isMcaConfigError(error)).toBe(true);
    return error as { code: string; message: string };
  }
  throw new Error('no error thrown');
}

describe('Redis configuration errors at startup', () => {
  const base = { clientId: 'c', secret: SECRET, tokenUrl: 'http://127.0.0.1:1/token', envFile: false as const };

  it.each([
    ['a port out of range', 'redis://127.0.0.1:99999'],
    ['a raw % in the password', `redis://:p%zz${PASSWORD}@127.0.0.1:6379`],
    ['a raw # in the password', `redis://:pa#${PASSWORD}@127.0.0.1:6379`],
    ['a raw ? in the password', `redis://:pa?${PASSWORD}@127.0.0.1:6379`],
    ['another scheme', `http://:${PASSWORD}@127.0.0.1:6379`],
    ['a path that is no database', `redis://:${PASSWORD}@127.0.0.1:6379/cache`],
  ])('MCA_REDIS_URL with %s is a config error that does not echo the URL', (_case, url) => {
    const error = configError(() => createTokenProvider({ ...base, env: { MCA_REDIS_URL: url, MCA_REDIS_FLEET_KEY: FLEET_KEY } }));
    expect(error.code).toBe('ERR_MCA_INVALID_MCA_REDIS_URL');
    expect(error.message).not.toContain(PASSWORD);
    expect(error.message).not.toContain('ioredis is not installed');
    expect(error.message).toContain('encodeURIComponent');
  });

  it.each([
    ['MCA_REDIS_TIMEOUT_MS', 'abc', 'ERR_MCA_INVALID_STORE_TIMEOUT_MS'],
    ['MCA_REDIS_CONNECT_TIMEOUT_MS', '0', 'ERR_MCA_INVALID_CONNECT_TIMEOUT_MS'],
    ['MCA_REDIS_LOCK_WAIT_MS', '1.5', 'ERR_MCA_INVALID_LOCK_WAIT_MS'],
    ['MCA_REDIS_BACKOFF_MS', '99999999999', 'ERR_MCA_INVALID_BACKOFF_MS'],
  ])('%s=%s is a config error naming the setting and the variable', (variable, value, code) => {
    const error = configError(() =>
      createTokenProvider({ ...base, env: { MCA_REDIS_URL: 'redis://127.0.0.1:1', MCA_REDIS_FLEET_KEY: FLEET_KEY, [variable]: value } }),
    );
    expect(error.code).toBe(code);
    expect(error.message).toContain(variable);
  });

  it('the store settings come from MCA_REDIS_* when code builds the store without them; an option wins', () => {
    const saved = { ...process.env };
    process.env.MCA_REDIS_TIMEOUT_MS = 'nope';
    try {
      expect(configError(() => redisTokenStore({ url: 'redis://127.0.0.1:1', fleetKey: FLEET_KEY })).code).toBe('ERR_MCA_INVALID_STORE_TIMEOUT_MS');
    } finally {
      process.env = saved;
    }
  });

  it('a Redis store without a fleet key is refused, and says how to make one', () => {
    const error = configError(() => createTokenProvider({ ...base, env: { MCA_REDIS_URL: 'redis://127.0.0.1:6379' } }));
    expect(error.code).toBe('ERR_MCA_MISSING_FLEET_KEY');
    expect(error.message).toContain('openssl rand -base64 32');
    expect(configError(() => redisTokenStore({ url: 'redis://127.0.0.1:6379' })).code).toBe('ERR_MCA_MISSING_FLEET_KEY');
  });

  it.each([
    ['too short', 'c2hvcnQ='],
    ['a password, not random bytes', 'correct horse battery staple!'],
    ['one byte repeated', 'a'.repeat(64)],
    ['a short pattern repeated (hex)', 'deadbeef'.repeat(8)],
    ['a counting pattern repeated (hex)', '0123456789abcdef'.repeat(4)],
  ])('a fleet key that is %s is refused without being echoed', (_case, fleetKey) => {
    const error = configError(() => createTokenProvider({ ...base, env: { MCA_REDIS_URL: 'redis://127.0.0.1:6379', MCA_REDIS_FLEET_KEY: fleetKey } }));
    expect(error.code).toBe('ERR_MCA_INVALID_FLEET_KEY');
    expect(error.message).not.toContain(fleetKey);
  });

  it('a fleet key planted on Object.prototype (prototype pollution) is not read as MCA_REDIS_FLEET_KEY', () => {
    // In a child: Jest's process.env does not fall back to the test realm's Object.prototype, Node's does.
    const script = `
      const { redisTokenStore } = require(${JSON.stringify(join(__dirname, '..', '..', 'dist', 'redis'))});
      Object.prototype.MCA_REDIS_FLEET_KEY = ${JSON.stringify(FLEET_KEY)};
      try { redisTokenStore({ url: 'redis://127.0.0.1:1' }).close(); console.log('built'); } catch (e) { console.log(e.code); }`;
    const env = { ...process.env };
    delete env.MCA_REDIS_FLEET_KEY;
    const result = spawnSync(process.execPath, ['-e', script], { env, encoding: 'utf8', timeout: 20_000 });
    expect(result.stdout.trim()).toBe('ERR_MCA_MISSING_FLEET_KEY');
  });

  it.each([
    ['l1Size', 0.4],
    ['lockTtlMs', 0.4],
    ['storeTimeoutMs', 1e12],
    ['backoffMs', 2 ** 31],
  ])('%s: %p is a config error, not a TypeError from the LRU, a PX 0, or a timer that fires after 1 ms', (name, value) => {
    const client = new Redis({ lazyConnect: true });
    const error = configError(() => redisTokenStore({ client, fleetKey: FLEET_KEY, [name]: value }));
    expect(error.code).toBe(
      `ERR_MCA_INVALID_${name
        .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
        .replace(/([a-zA-Z])([0-9])/g, '$1_$2')
        .toUpperCase()}`,
    );
    client.disconnect();
  });

  it('two ways of naming a Redis store at once is an error', () => {
    const error = configError(() =>
      createTokenProvider({ ...base, env: { MCA_REDIS_URL: 'redis://127.0.0.1:6379', MCA_REDIS_CLUSTER_NODES: '127.0.0.1:7000' } }),
    );
    expect(error.code).toBe('ERR_MCA_CONFLICTING_OPTIONS');
  });

  it('sentinels without a master name, and a service name with no such binding, are errors', () => {
    expect(configError(() => createTokenProvider({ ...base, env: { MCA_REDIS_SENTINELS: '127.0.0.1:26379' } })).code).toBe(
      'ERR_MCA_INVALID_MCA_REDIS_SENTINEL_MASTER',
    );
    expect(configError(() => createTokenProvider({ ...base, env: { MCA_REDIS_SERVICE_NAME: 'cache', VCAP_SERVICES: '{}' } })).code).toBe(
      'ERR_MCA_REDIS_BINDING',
    );
  });

  it('a Redis bound for sessions (not named) does not switch the store on', () => {
    const VCAP_SERVICES = JSON.stringify({
      rediscloud: [{ name: 'sessions', label: 'rediscloud', credentials: { hostname: '127.0.0.1', port: '6379', password: PASSWORD } }],
    });
    const middleware = mcaOAuth({ ...base, env: { VCAP_SERVICES } });
    expect(middleware.provider.stats().size).toBe(0);
    return middleware.close();
  });
});

describeWithRedis('a misconfigured Redis is loud and names its real cause', () => {
  let redis: RedisServer;
  let tokens: TokenServer;

  beforeAll(async () => {
    redis = await startRedisServer(['--requirepass', PASSWORD]);
  });
  afterAll(() => redis.stop());
  beforeEach(async () => {
    tokens = await startTokenServer();
  });
  afterEach(() => tokens.close());

  it.each([
    ['a wrong password', `redis://:wrong-${PASSWORD}@127.0.0.1`, /WRONGPASS/],
    ['no password', 'redis://127.0.0.1', /NOAUTH/],
  ])('%s: the store-error names it and the fix; callers still get tokens', async (_case, url, cause) => {
    const store = redisTokenStore({ url: url.replace('127.0.0.1', `127.0.0.1:${redis.port}`), fleetKey: FLEET_KEY });
    const provider = createTokenProvider({ ...credentials(tokens), store });
    const errors: Error[] = [];
    provider.on('store-error', (e) => errors.push(e));
    try {
      // The client reports its error as it connects; give it that moment.
      await new Promise((r) => setTimeout(r, 200));
      await expect(provider.getAuthorizationHeader()).resolves.toBe('Bearer tok-1');
    } finally {
      await provider.close();
      await store.close();
    }
    const messages = errors.map((e) => e.message).join('\n');
    expect(messages).toMatch(cause);
    expect(messages).toContain('check the user and password');
    expect(messages).not.toContain(PASSWORD);
    // The same cause and fix as a process warning, without the password either.
    const warned = storeWarnings
      .take()
      .map((w) => w.message)
      .join('\n');
    expect(warned).toMatch(cause);
    expect(warned).toContain('check the user and password');
    expect(warned).not.toContain(PASSWORD);
  });

  async function cli(env: Record<string, string>): Promise<{ status: number; out: string; err: string }> {
    const saved = { ...process.env };
    Object.assign(
      process.env,
      { MCA_CLIENT_ID: 'client-1', MCA_SECRET: SECRET, MCA_TENANT_ID: 'tenant-1', MCA_SERVER_URL: tokens.serverUrl, MCA_REDIS_FLEET_KEY: FLEET_KEY },
      env,
    );
    try {
      const { status, out, err } = await runCli(['check', '--no-env-file']);
      return { status, out, err };
    } finally {
      process.env = saved;
    }
  }

  it('DEBUG=* does not print the Redis password (ioredis:* is turned off, with a warning)', () => {
    const script = `
      const { redisTokenStore } = require(${JSON.stringify(join(__dirname, '..', '..', 'dist', 'redis'))});
      const store = redisTokenStore({ url: process.env.URL, fleetKey: process.env.KEY });
      store.check().then(() => store.close()).then(() => console.log('checked'));`;
    const result = spawnSync(process.execPath, ['-e', script], {
      env: { ...process.env, DEBUG: '*', URL: `redis://:${PASSWORD}@127.0.0.1:${redis.port}`, KEY: FLEET_KEY },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(result.stdout).toContain('checked');
    expect(result.stderr).toContain('MCA_REDIS_DEBUG_SILENCED');
    expect(result.stdout + result.stderr).not.toContain(PASSWORD);
  });

  it('`check` tests the store: connect, auth, write, read', async () => {
    const ok = await cli({ MCA_REDIS_URL: `redis://:${PASSWORD}@127.0.0.1:${redis.port}` });
    expect(ok.status).toBe(0);
    expect(ok.out).toMatch(/^store\s+Redis 127\.0\.0\.1:\d+: connect, auth, write, read OK in \d+ ms$/m);
    // A fingerprint per key (not the key), so two processes can be compared.
    const rotating = await cli({ MCA_REDIS_URL: `redis://:${PASSWORD}@127.0.0.1:${redis.port}`, MCA_REDIS_FLEET_KEY: `${OTHER_KEY},${FLEET_KEY}` });
    expect(rotating.out).toMatch(/^fleet key\s+[\w-]{12} \(seals and opens\)\nfleet key\s+[\w-]{12} \(opens only\)$/m);
    expect(rotating.out.match(/^fleet key\s+([\w-]{12})/gm)![1]!.slice(-12)).toBe(ok.out.match(/^fleet key\s+([\w-]{12})/m)![1]);
    expect(rotating.out).not.toContain(FLEET_KEY);
    expect(rotating.out).not.toContain(OTHER_KEY);
    const raw = new Redis({ port: redis.port, password: PASSWORD });
    try {
      expect(await raw.keys('*')).toEqual([]);
    } finally {
      raw.disconnect();
    }
    const bad = await cli({ MCA_REDIS_URL: `redis://:wrong@127.0.0.1:${redis.port}` });
    expect(bad.status).toBe(1);
    expect(bad.err).toMatch(/ERR_MCA_STORE_CHECK.*WRONGPASS/);
    expect(bad.out + bad.err).not.toContain(PASSWORD);
  });
});

describeWithRedis('a single-node URL pointed at a replica', () => {
  it('READONLY is reported once, with the fix; callers still get tokens', async () => {
    const master = await startRedisServer();
    const replica = await startRedisServer(['--replicaof', '127.0.0.1', String(master.port)]);
    const tokens = await startTokenServer();
    const store = redisTokenStore({ url: replica.url, fleetKey: FLEET_KEY });
    const providers = ['a', 'b', 'c'].map((scope) => createTokenProvider({ ...credentials(tokens), scope, store }));
    const errors = new Set<Error>();
    providers.forEach((p) => p.on('store-error', (e) => errors.add(e)));
    try {
      await Promise.all(providers.map((p) => p.getAuthorizationHeader()));
      // Writes run after the answer: wait for the one report.
      for (let i = 0; i < 200 && errors.size === 0; i++) await new Promise((r) => setTimeout(r, 10));
    } finally {
      await Promise.all(providers.map((p) => p.close()));
      await store.close();
      await tokens.close();
      await replica.stop();
      await master.stop();
    }
    const readonly = [...errors].filter((e) => e.message.includes('READONLY'));
    expect(readonly).toHaveLength(1);
    expect(readonly[0]!.message).toContain('Fix: this Redis is a replica');
    expect(storeWarnings.take().filter((w) => w.message.includes('(READONLY: '))).toHaveLength(1);
  });
});

describeWithRedis('Redis over TLS with a private CA', () => {
  const dir = join(__dirname, '..', 'fixtures', 'redis-tls');
  let redis: RedisServer;
  let tokens: TokenServer;

  beforeAll(async () => {
    // A self-signed test certificate (fixture, no secret): TLS only, no plaintext port.
    const files = [
      '--tls-cert-file',
      join(dir, 'cert.pem'),
      '--tls-key-file',
      join(dir, 'key.pem'),
      '--tls-ca-cert-file',
      join(dir, 'cert.pem'),
      '--tls-auth-clients',
      'no',
    ];
    redis = await startRedisServer(files, undefined, true);
  });
  afterAll(() => redis.stop());
  beforeEach(async () => {
    tokens = await startTokenServer();
  });
  afterEach(() => tokens.close());

  /**
   * The store-errors a provider over this store reports, once the header resolved (from a local
   * fetch, Redis being unusable) and `done` holds for them: the client names its cause (a
   * certificate, a reset) when its connection fails, which on a loaded machine can come after the
   * fallback fetch. Waited for as an event, not a time.
   */
  async function errorsOf(options: Record<string, unknown>, done: (messages: string) => boolean): Promise<string> {
    const store = redisTokenStore({ fleetKey: FLEET_KEY, ...options });
    const provider = createTokenProvider({ ...credentials(tokens), store });
    const errors: string[] = [];
    let wake = (): void => undefined;
    provider.on('store-error', (e) => {
      errors.push(e.message);
      wake();
    });
    try {
      await expect(provider.getAuthorizationHeader()).resolves.toMatch(/^Bearer tok-/);
      while (!done(errors.join('\n'))) await new Promise<void>((resolve) => (wake = resolve));
    } finally {
      await provider.close();
      await store.close();
    }
    return errors.join('\n');
  }

  it('rediss:// to a server whose CA is not trusted: the store-error names the certificate and the fix', async () => {
    const messages = await errorsOf({ url: `rediss://127.0.0.1:${redis.port}` }, (m) => /certificate/i.test(m));
    expect(messages).toMatch(/certificate/i);
    expect(messages).toContain('NODE_EXTRA_CA_CERTS');
    expect(storeWarnings.take().some((w) => /certificate/i.test(w.message) && w.message.includes('NODE_EXTRA_CA_CERTS'))).toBe(true);
  });

  it('redis:// (plaintext) to a TLS port: the store-error says to use rediss://', async () => {
    const messages = await errorsOf({ url: `redis://127.0.0.1:${redis.port}` }, (m) => m.includes('ECONNRESET'));
    expect(messages).toContain('ECONNRESET');
    expect(messages).toContain('if it requires TLS, use rediss://');
  });

  it('rediss:// with an untrusted CA, many connections at once: the socket’s second error (the server’s alert) is no uncaught exception', async () => {
    // ioredis listens for a socket's first error only; the refused certificate is the first, and the
    // server's answer to the abort (a TLS alert) often a second. Uncaught, it ends the process.
    const uncaught: unknown[] = [];
    const onUncaught = (error: unknown): void => void uncaught.push(error);
    process.on('uncaughtException', onUncaught);
    try {
      const all = await Promise.all(Array.from({ length: 24 }, () => errorsOf({ url: `rediss://127.0.0.1:${redis.port}` }, (m) => /certificate/i.test(m))));
      expect(all.every((m) => /certificate/i.test(m))).toBe(true);
      // A raw socket's round trip to the same server: an alert sent to any of the 24 has arrived.
      const probe = new Redis({ host: '127.0.0.1', port: redis.port, tls: { ca: readFileSync(join(dir, 'cert.pem')) } });
      try {
        expect(await probe.ping()).toBe('PONG');
      } finally {
        probe.disconnect();
      }
      expect(uncaught).toEqual([]);
    } finally {
      process.off('uncaughtException', onUncaught);
    }
  });

  it('a client with tls.ca: the fleet shares tokens over TLS', async () => {
    const client = new Redis({ host: '127.0.0.1', port: redis.port, tls: { ca: readFileSync(join(dir, 'cert.pem')) } });
    try {
      // Connected first, and a generous bound: a handshake or an answer slowed by a loaded CPU is
      // not what this test is about, and would show as a timeout store-error.
      if (client.status !== 'ready') await once(client, 'ready');
      const messages = await errorsOf({ client, storeTimeoutMs: 10_000 }, () => true);
      expect(messages).toBe('');
      expect(await client.keys('mca:*:token')).toHaveLength(1);
    } finally {
      client.disconnect();
    }
  });
});
