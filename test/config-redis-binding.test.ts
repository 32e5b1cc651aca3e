import { isMcaConfigError } from '../lib';
import { resolveProviderConfig } from '../lib/settings/resolve-config';

// Which Redis the environment binds, as the provider will connect to it: parsed at startup, no
// redis-server needed (what connects is exactly this parse, see lib/redis/redis-client.ts).

const SECRET = 'a-client-secret-that-is-long-enough';
const PASSWORD = 'red-pa55-word';

function redisOf(env: Record<string, string>) {
  return resolveProviderConfig({ envFile: false, clientId: 'c', secret: SECRET, tokenUrl: 'http://127.0.0.1:1/token', env }).redis;
}

function configError(env: Record<string, string>): { code: string; field: string; message: string } {
  try {
    redisOf(env);
  } catch (error) {
    expect(isMcaConfigError(error)).toBe(true);
    return error as { code: string; field: string; message: string };
  }
  throw new Error('no error thrown');
}

function vcapWith(...instances: unknown[]): string {
  return JSON.stringify({ 'p-redis': instances });
}

describe('the Redis a token store connects to, read from the environment', () => {
  it('rediss:// with a user, a percent-encoded password and a database: TLS, the decoded password and that database', () => {
    const password = `p@ss/${PASSWORD}#%`;
    expect(redisOf({ MCA_REDIS_URL: `rediss://app:${encodeURIComponent(password)}@cache.example:6380/3` })?.target).toEqual({
      kind: 'single',
      node: { host: 'cache.example', port: 6380, username: 'app', password, db: 3, tls: true },
    });
  });

  it('redis:// with neither user, password, port nor database: no auth, no TLS, port 6379, the default database', () => {
    const target = redisOf({ MCA_REDIS_URL: 'redis://cache.example' })?.target;
    expect(target).toEqual({ kind: 'single', node: { host: 'cache.example', port: 6379, tls: false } });
    if (target?.kind !== 'single') throw new Error('not single');
    expect(target.node.username).toBeUndefined();
    expect(target.node.password).toBeUndefined();
    expect(target.node.db).toBeUndefined();
  });

  it('a password without a user is sent as the password, with no user name', () => {
    const target = redisOf({ MCA_REDIS_URL: `redis://:${PASSWORD}@127.0.0.1:6379/0` })?.target;
    expect(target).toEqual({ kind: 'single', node: { host: '127.0.0.1', port: 6379, username: undefined, password: PASSWORD, db: 0, tls: false } });
  });

  it('a user without a password keeps the user and sends no password', () => {
    const target = redisOf({ MCA_REDIS_URL: 'redis://app@127.0.0.1:6379' })?.target;
    expect(target).toEqual({ kind: 'single', node: { host: '127.0.0.1', port: 6379, username: 'app', password: undefined, db: undefined, tls: false } });
  });

  it('databases /0 to /15 are read as numbers; an IPv6 host loses its brackets', () => {
    expect(redisOf({ MCA_REDIS_URL: 'redis://[::1]:7000/15' })?.target).toEqual({ kind: 'single', node: { host: '::1', port: 7000, db: 15, tls: false } });
    expect(redisOf({ MCA_REDIS_URL: 'redis://10.0.0.1/7' })?.target).toEqual({ kind: 'single', node: { host: '10.0.0.1', port: 6379, db: 7, tls: false } });
  });

  it.each([
    ['a path that is no database', `redis://:${PASSWORD}@127.0.0.1:6379/x1`, /its path must be a database number/],
    ['a three-digit database', `redis://:${PASSWORD}@127.0.0.1:6379/123`, /its path must be a database number/],
    ['no host', 'redis:///0', /it has no host/],
    ['a query', `redis://:${PASSWORD}@127.0.0.1:6379?db=1`, /it has a query or fragment/],
    ['a fragment', `redis://:${PASSWORD}@127.0.0.1:6379#x`, /it has a query or fragment/],
  ])('MCA_REDIS_URL with %s fails at startup, names the variable and the fix, never the password', (_case, url, reason) => {
    const error = configError({ MCA_REDIS_URL: url });
    expect(error.code).toBe('ERR_MCA_INVALID_MCA_REDIS_URL');
    expect(error.field).toBe('MCA_REDIS_URL');
    expect(error.message).toMatch(reason);
    expect(error.message).toMatch(/Give redis:\/\/\[user:password@\]host:port\[\/db\] \(rediss:\/\/ for TLS\)/);
    expect(error.message).not.toContain(PASSWORD);
  });

  it('MCA_REDIS_CLUSTER_NODES lists the cluster nodes, host:port alone meaning redis://', () => {
    expect(redisOf({ MCA_REDIS_CLUSTER_NODES: `10.0.0.1:7000, rediss://:${PASSWORD}@10.0.0.2:7001` })?.target).toEqual({
      kind: 'cluster',
      nodes: [
        { host: '10.0.0.1', port: 7000, tls: false },
        { host: '10.0.0.2', port: 7001, password: PASSWORD, tls: true },
      ],
    });
  });

  it('blank entries in a node list (a trailing comma, an empty slot) are skipped', () => {
    expect(redisOf({ MCA_REDIS_CLUSTER_NODES: '10.0.0.1:7000, ,10.0.0.2:7001,' })?.target).toEqual({
      kind: 'cluster',
      nodes: [
        { host: '10.0.0.1', port: 7000, tls: false },
        { host: '10.0.0.2', port: 7001, tls: false },
      ],
    });
  });

  it('a node list with no node fails at startup and says what to give', () => {
    const error = configError({ MCA_REDIS_CLUSTER_NODES: ' , ' });
    expect(error.code).toBe('ERR_MCA_INVALID_MCA_REDIS_CLUSTER_NODES');
    expect(error.field).toBe('MCA_REDIS_CLUSTER_NODES');
    expect(error.message).toMatch(/it lists no node\. Give comma-separated redis:\/\/host:port URLs\./);
  });

  it('MCA_REDIS_SENTINELS with MCA_REDIS_SENTINEL_MASTER: the sentinels and the master they monitor', () => {
    expect(redisOf({ MCA_REDIS_SENTINELS: '10.0.0.1:26379,10.0.0.2:26379', MCA_REDIS_SENTINEL_MASTER: 'mymaster' })?.target).toEqual({
      kind: 'sentinel',
      sentinels: [
        { host: '10.0.0.1', port: 26379, tls: false },
        { host: '10.0.0.2', port: 26379, tls: false },
      ],
      masterName: 'mymaster',
    });
  });

  it('sentinels without a master name: the error names MCA_REDIS_SENTINEL_MASTER and says it goes with MCA_REDIS_SENTINELS', () => {
    const error = configError({ MCA_REDIS_SENTINELS: '10.0.0.1:26379' });
    expect(error.code).toBe('ERR_MCA_INVALID_MCA_REDIS_SENTINEL_MASTER');
    expect(error.field).toBe('MCA_REDIS_SENTINEL_MASTER');
    expect(error.message).toMatch(/it is needed with MCA_REDIS_SENTINELS: the master name the sentinels monitor \(e\.g\. mymaster\)/);
  });

  it('two ways of naming a Redis store: the error names both variables and says to keep one', () => {
    const error = configError({ MCA_REDIS_URL: 'redis://127.0.0.1:6379', MCA_REDIS_CLUSTER_NODES: '127.0.0.1:7000' });
    expect(error.code).toBe('ERR_MCA_CONFLICTING_OPTIONS');
    expect(error.field).toBe('MCA_REDIS_URL');
    expect(error.message).toMatch(/MCA_REDIS_URL and MCA_REDIS_CLUSTER_NODES are all set; each names a Redis store\. Keep one\./);
  });
});

describe('the Redis service bound in VCAP_SERVICES (MCA_REDIS_SERVICE_NAME)', () => {
  it('a binding with a redis:// uri is read like MCA_REDIS_URL', () => {
    const vcap = vcapWith({ name: 'tokens', credentials: { uri: `rediss://:${PASSWORD}@redis.internal:6380/2` } });
    expect(redisOf({ MCA_REDIS_SERVICE_NAME: 'tokens', VCAP_SERVICES: vcap })?.target).toEqual({
      kind: 'single',
      node: { host: 'redis.internal', port: 6380, password: PASSWORD, db: 2, tls: true },
    });
  });

  it('a binding with a redis:// `url` (not `uri`) is read too', () => {
    const vcap = vcapWith({ name: 'tokens', credentials: { url: `redis://:${PASSWORD}@redis.internal:6379` } });
    expect(redisOf({ MCA_REDIS_SERVICE_NAME: 'tokens', VCAP_SERVICES: vcap })?.target).toEqual({
      kind: 'single',
      node: { host: 'redis.internal', port: 6379, password: PASSWORD, tls: false },
    });
  });

  it('a `uri` that is no redis:// URL (a dashboard link) is passed over for host and port', () => {
    const vcap = vcapWith({ name: 'tokens', credentials: { uri: 'https://dashboard.example/redis', host: 'redis.internal', port: 6379, password: PASSWORD } });
    expect(redisOf({ MCA_REDIS_SERVICE_NAME: 'tokens', VCAP_SERVICES: vcap })?.target).toEqual({
      kind: 'single',
      node: { host: 'redis.internal', port: 6379, password: PASSWORD, tls: false },
    });
  });

  it('a `uri` that is not a string (a list holding a URL) is passed over for host and port', () => {
    const vcap = vcapWith({ name: 'tokens', credentials: { uri: ['redis://elsewhere.example:6379'], host: 'redis.internal', port: 6379 } });
    expect(redisOf({ MCA_REDIS_SERVICE_NAME: 'tokens', VCAP_SERVICES: vcap })?.target).toEqual({
      kind: 'single',
      node: { host: 'redis.internal', port: 6379, password: undefined, tls: false },
    });
  });

  it('a bad redis:// uri in the binding fails at startup, naming the service and credentials.uri, never the password', () => {
    const vcap = vcapWith({ name: 'tokens', credentials: { uri: `redis://:${PASSWORD}@redis.internal:6379/cache` } });
    const error = configError({ MCA_REDIS_SERVICE_NAME: 'tokens', VCAP_SERVICES: vcap });
    expect(error.field).toBe('VCAP_SERVICES service "tokens" credentials.uri');
    expect(error.message).toMatch(/VCAP_SERVICES service "tokens" credentials\.uri.*its path must be a database number/);
    expect(error.message).not.toContain(PASSWORD);
  });

  it('a service whose value is not a list of instances is passed over', () => {
    const vcap = JSON.stringify({ 'user-provided': { name: 'tokens' }, 'p-redis': [{ name: 'tokens', credentials: { host: 'redis.internal', port: 6379 } }] });
    expect(redisOf({ MCA_REDIS_SERVICE_NAME: 'tokens', VCAP_SERVICES: vcap })?.target).toEqual({
      kind: 'single',
      node: { host: 'redis.internal', port: 6379, password: undefined, tls: false },
    });
  });

  it('a null password in the binding means no password, not a null one', () => {
    const vcap = vcapWith({ name: 'tokens', credentials: { host: 'redis.internal', port: 6379, password: null } });
    const target = redisOf({ MCA_REDIS_SERVICE_NAME: 'tokens', VCAP_SERVICES: vcap })?.target;
    if (target?.kind !== 'single') throw new Error('not single');
    expect(target.node.password).toBeUndefined();
  });

  it('host, port, password and tls credentials: the named instance is used, not another Redis bound beside it', () => {
    const vcap = JSON.stringify({
      'user-provided': 'not a list',
      'p-redis': [
        'not an instance',
        { name: 'sessions', credentials: { host: 'sessions.internal', port: 6379, password: 'other' } },
        { name: 'tokens', credentials: { host: 'redis.internal', port: '6380', password: PASSWORD, tls: true } },
      ],
    });
    expect(redisOf({ MCA_REDIS_SERVICE_NAME: 'tokens', VCAP_SERVICES: vcap })?.target).toEqual({
      kind: 'single',
      node: { host: 'redis.internal', port: 6380, password: PASSWORD, tls: true },
    });
  });

  it('a binding without a password or tls: no auth and no TLS (tls must be true, not just present)', () => {
    const vcap = vcapWith({ name: 'tokens', credentials: { hostname: 'redis.internal', port: 1, password: '', tls: 'yes' } });
    const target = redisOf({ MCA_REDIS_SERVICE_NAME: 'tokens', VCAP_SERVICES: vcap })?.target;
    expect(target).toEqual({ kind: 'single', node: { host: 'redis.internal', port: 1, password: undefined, tls: false } });
    const highest = vcapWith({ name: 'tokens', credentials: { host: 'redis.internal', port: 65_535 } });
    expect(redisOf({ MCA_REDIS_SERVICE_NAME: 'tokens', VCAP_SERVICES: highest })?.target).toEqual({
      kind: 'single',
      node: { host: 'redis.internal', port: 65_535, password: undefined, tls: false },
    });
  });

  it.each([
    ['0', 0],
    ['65536', 65_536],
    ['1.5', 1.5],
  ])('a bound port of %s is refused, naming the service and its credentials.port', (_case, port) => {
    const vcap = vcapWith({ name: 'tokens', credentials: { host: 'redis.internal', port, password: PASSWORD } });
    const error = configError({ MCA_REDIS_SERVICE_NAME: 'tokens', VCAP_SERVICES: vcap });
    // The code carries the service's name (known and left as is, see test/error-codes.test.ts).
    expect(error.code).toMatch(/^ERR_MCA_INVALID_VCAP_SERVICES SERVICE "TOKENS" CREDENTIALS\.PORT$/);
    expect(error.field).toBe('VCAP_SERVICES service "tokens" credentials.port');
    expect(error.message).toMatch(/VCAP_SERVICES service "tokens" credentials\.port.*it must be a port number\. Fix the binding\./);
    expect(error.message).not.toContain(PASSWORD);
  });

  it.each([
    ['a port but no host', { port: 6379, password: PASSWORD }],
    ['a host but no port', { host: 'redis.internal', password: PASSWORD }],
  ])('a binding with %s is no usable binding: the error says so, not that the port is bad', (_case, credentials) => {
    const error = configError({ MCA_REDIS_SERVICE_NAME: 'tokens', VCAP_SERVICES: vcapWith({ name: 'tokens', credentials }) });
    expect(error.code).toBe('ERR_MCA_REDIS_BINDING');
    expect(error.field).toBe('MCA_REDIS_SERVICE_NAME');
    expect(error.message).not.toContain(PASSWORD);
  });

  it('a binding with neither a uri nor host and port: the error names the service and says to fix it or set MCA_REDIS_URL', () => {
    const vcap = vcapWith({ name: 'tokens', credentials: { password: PASSWORD } });
    const error = configError({ MCA_REDIS_SERVICE_NAME: 'tokens', VCAP_SERVICES: vcap });
    expect(error.code).toBe('ERR_MCA_REDIS_BINDING');
    expect(error.field).toBe('MCA_REDIS_SERVICE_NAME');
    expect(error.message).toBe(
      'MCA_REDIS_SERVICE_NAME names VCAP_SERVICES service "tokens", but its credentials hold neither a redis:// `uri` nor `host` and `port`. Fix the binding, or set MCA_REDIS_URL.',
    );
  });

  it.each([
    ['VCAP_SERVICES is not set', undefined],
    ['no service has that name', vcapWith({ name: 'sessions', credentials: { uri: 'redis://sessions.internal:6379' } })],
  ])('a service name that is not bound (%s): the error names it (capped) and says to bind it', (_case, vcap) => {
    const name = `tokens-${'x'.repeat(80)}`;
    const error = configError({ MCA_REDIS_SERVICE_NAME: name, ...(vcap === undefined ? {} : { VCAP_SERVICES: vcap }) });
    expect(error.code).toBe('ERR_MCA_REDIS_BINDING');
    expect(error.field).toBe('MCA_REDIS_SERVICE_NAME');
    expect(error.message).toBe(
      `MCA_REDIS_SERVICE_NAME is "${name.slice(0, 64)}", but VCAP_SERVICES binds no service of that name. Bind it (cf bind-service), or fix the name.`,
    );
  });
});
