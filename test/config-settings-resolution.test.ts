// How one resolution turns options, variables and the bound service into settings, as an operator
// sees it: a boolean variable read as written ("1", " TRUE ", "0"), each tuning number held to its
// bounds with a message that says the bounds and the default, blank strings refused with the fix,
// `tenantId` and its synonym `appId`, which variable a setting came from, and precedence between a
// setting given in code and its variable. Construction only: nothing here fetches a token.
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTokenProvider, mcaOAuth, type McaOAuthMiddleware } from '../lib';
import { resolveProviderConfig } from '../lib/settings/resolve-config';
import { thrown } from './helpers/thrown';

const SECRET = 'settings-resolution-s3cret';
const REMOTE_HTTP = 'http://auth.example.com/token';
const base = { env: {}, envFile: false as const, clientId: 'id', secret: SECRET, tokenUrl: 'https://auth.example.com/token' };

function resolve(options: Record<string, unknown>) {
  return resolveProviderConfig({ ...base, ...options });
}

const made: McaOAuthMiddleware[] = [];
afterEach(async () => {
  await Promise.all(made.splice(0).map((mw) => mw.close()));
});
function middleware(options: Record<string, unknown>): McaOAuthMiddleware {
  const mw = mcaOAuth({ ...base, ...options });
  made.push(mw);
  return mw;
}

function expectRefused(run: () => unknown, code: string, field: string, message: RegExp): void {
  const error = thrown(run);
  expect(error).toMatchObject({ name: 'McaConfigError', code, field });
  expect(error.message).toMatch(message);
  expect(error.message).not.toContain(SECRET);
}

describe('MCA_ALLOW_INSECURE_HTTP is read as written', () => {
  it.each(['1', ' true ', 'TRUE', 'True'])('%j allows a plain http: token URL to a remote host', (value) => {
    const config = resolve({ tokenUrl: REMOTE_HTTP, env: { MCA_ALLOW_INSECURE_HTTP: value } });
    expect(config.allowInsecureHttp).toBe(true);
    expect(config.tokenUrl).toBe(REMOTE_HTTP);
  });

  it.each(['0', 'false', ' FALSE '])('%j keeps plain http: to a remote host refused (and is no error of its own)', (value) => {
    expect(resolve({ env: { MCA_ALLOW_INSECURE_HTTP: value } }).allowInsecureHttp).toBe(false);
    const error = thrown(() => resolve({ tokenUrl: REMOTE_HTTP, env: { MCA_ALLOW_INSECURE_HTTP: value } }));
    expect(error).toMatchObject({ code: 'ERR_MCA_INVALID_TOKEN_URL', field: 'tokenUrl' });
    expect(error.message).toMatch(/in clear/);
  });

  it('any other value is refused, naming the variable and the values it takes', () => {
    expectRefused(
      () => createTokenProvider({ ...base, env: { MCA_ALLOW_INSECURE_HTTP: 'yes' } }),
      'ERR_MCA_INVALID_ALLOW_INSECURE_HTTP',
      'allowInsecureHttp',
      /^Invalid `allowInsecureHttp` \(from MCA_ALLOW_INSECURE_HTTP in the environment\): it must be "true" or "false"\.$/,
    );
  });

  it('the option takes a boolean only, and says so', () => {
    expectRefused(
      () => createTokenProvider({ ...base, allowInsecureHttp: 'true' as never }),
      'ERR_MCA_INVALID_ALLOW_INSECURE_HTTP',
      'allowInsecureHttp',
      /^Invalid `allowInsecureHttp`: it must be true or false\.$/,
    );
  });
});

describe('each tuning number is held to its bounds, and the message says them and the default', () => {
  it.each<[string, Record<string, unknown>, string]>([
    [
      'an infinite refreshSkewSeconds',
      { refreshSkewSeconds: Infinity },
      'Invalid `refreshSkewSeconds`: it must be a finite number of at least 0 (default 60).',
    ],
    ['NaN', { refreshSkewSeconds: NaN }, 'Invalid `refreshSkewSeconds`: it must be a finite number of at least 0 (default 60).'],
    ['a number in a string', { refreshSkewSeconds: '30' }, 'Invalid `refreshSkewSeconds`: it must be a finite number of at least 0 (default 60).'],
    ['a fractional cacheSize', { cacheSize: 1.5 }, 'Invalid `cacheSize`: it must be an integer of at least 1 (default 100).'],
    ['a zero defaultExpiresIn', { defaultExpiresIn: 0 }, 'Invalid `defaultExpiresIn`: it must be a finite number greater than 0 (default 300).'],
    [
      'an infinite maxTokenLifetimeSeconds',
      { maxTokenLifetimeSeconds: Infinity },
      'Invalid `maxTokenLifetimeSeconds`: it must be a finite number greater than 0 (default 86400).',
    ],
    ['a zero timeoutMs', { timeoutMs: 0 }, 'Invalid `timeoutMs`: it must be an integer of at least 1 and at most 2147483647 (default 10000).'],
    [
      'a deadlineMs past the longest timer',
      { deadlineMs: 2_147_483_648 },
      'Invalid `deadlineMs`: it must be an integer of at least 1 and at most 2147483647 (default 30000).',
    ],
    [
      'a negative refreshWindowSeconds (whose default is no fixed number)',
      { refreshWindowSeconds: -1 },
      'Invalid `refreshWindowSeconds`: it must be a finite number of at least 0 (default 20% of the lifetime, 30–300 s, ±10% jitter).',
    ],
  ])('%s is refused', (_name, options, message) => {
    const key = Object.keys(options)[0]!;
    const error = thrown(() => createTokenProvider({ ...base, ...options }));
    expect(error).toMatchObject({ name: 'McaConfigError', field: key });
    expect(error.message).toBe(message);
  });

  it('the longest timer Node honours is accepted for timeoutMs and deadlineMs', () => {
    const config = resolve({ timeoutMs: 2_147_483_647, deadlineMs: 2_147_483_647 });
    expect(config).toMatchObject({ timeoutMs: 2_147_483_647, deadlineMs: 2_147_483_647 });
  });
});

describe('a blank string is refused with the fix, whichever option holds it', () => {
  it.each([
    ['clientId', '   ', 'ERR_MCA_INVALID_CLIENT_ID'],
    ['clientId', '', 'ERR_MCA_INVALID_CLIENT_ID'],
    ['tenantId', ' ', 'ERR_MCA_INVALID_TENANT_ID'],
    ['appId', '  ', 'ERR_MCA_INVALID_APP_ID'],
  ])('%s %j', (key, value, code) => {
    expectRefused(() => createTokenProvider({ ...base, [key]: value }), code, key, new RegExp(`^Invalid \`${key}\`: it must be a non-empty string\\.$`));
  });

  it.each(['privateKeyFile'])('%s "  "', (key) => {
    const code = `ERR_MCA_INVALID_${key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;
    expectRefused(() => createTokenProvider({ ...base, [key]: '  ' }), code, key, new RegExp(`^Invalid \`${key}\`: it must be a non-empty string\\.$`));
  });
});

describe('tenantId and its synonym appId', () => {
  const mca = { tokenUrl: undefined, serverUrl: 'https://imf.example.com/imf-authserver' };

  it('the same value under both is accepted', () => {
    const config = resolve({ ...mca, tenantId: 'tenant-1', appId: 'tenant-1' });
    expect(config.tokenUrl).toBe('https://imf.example.com/imf-authserver/authorization/v1/apps/tenant-1/token');
  });

  it('two different values are refused: pass only one', () => {
    expectRefused(
      () => createTokenProvider({ ...base, ...mca, tenantId: 'tenant-1', appId: 'tenant-2' }),
      'ERR_MCA_CONFLICTING_OPTIONS',
      'tenantId',
      /^`tenantId` and `appId` are synonyms but were given different values\. Pass only one of them\.$/,
    );
  });

  it('the configuration records which of the two options was given (for check)', () => {
    expect(resolve({ ...mca, appId: 'tenant-1' }).provenance.tenantId).toEqual({ source: 'option', name: 'appId' });
    expect(resolve({ ...mca, tenantId: 'tenant-1' }).provenance.tenantId).toEqual({ source: 'option', name: 'tenantId' });
  });
});

describe('the bound service', () => {
  const vcap = (credentials: Record<string, unknown>) =>
    JSON.stringify({ AdvancedMobileAccess: [{ name: 'mca-1', label: 'AdvancedMobileAccess', credentials }] });
  const server = 'https://imf.example.com/imf-authserver';

  it("a tenantId given as an option wins over the application's id", () => {
    const config = resolve({
      tokenUrl: undefined,
      tenantId: 'own-tenant',
      env: { VCAP_SERVICES: vcap({ serverUrl: server }), VCAP_APPLICATION: JSON.stringify({ application_id: 'app-guid' }) },
    });
    expect(config.tokenUrl).toBe(`${server}/authorization/v1/apps/own-tenant/token`);
    expect(config.provenance.tenantId).toEqual({ source: 'option', name: 'tenantId' });
  });

  it("the application's id, used as tenantId, is checked like any value and named by its path", () => {
    const env = { VCAP_SERVICES: vcap({ serverUrl: server }), VCAP_APPLICATION: JSON.stringify({ application_id: ' app-guid' }) };
    expectRefused(
      () => createTokenProvider({ ...base, tokenUrl: undefined, env }),
      'ERR_MCA_INVALID_TENANT_ID',
      'tenantId',
      /^Invalid `tenantId` \(from VCAP_APPLICATION\.application_id\): it has leading or trailing whitespace\./,
    );
  });

  it('records the VCAP path of each field it gives (for check)', () => {
    const config = resolve({
      tokenUrl: undefined,
      env: { VCAP_SERVICES: vcap({ serverUrl: server }), VCAP_APPLICATION: JSON.stringify({ application_id: 'app-guid' }) },
    });
    expect(config.provenance.serverUrl).toMatchObject({ source: 'VCAP_SERVICES', name: 'credentials.serverUrl' });
    expect(config.provenance.tenantId).toEqual({ source: 'VCAP_APPLICATION', name: 'application_id' });
  });
});

describe('a setting given in code outranks its variable; a variable fills in when none is', () => {
  it('MCA_PRIVATE_KEY is read (and named when it is no key)', () => {
    expectRefused(
      () => createTokenProvider({ ...base, secret: undefined, env: { MCA_PRIVATE_KEY: 'not a key' } }),
      'ERR_MCA_INVALID_PRIVATE_KEY',
      'privateKey',
      /MCA_PRIVATE_KEY in the environment/,
    );
  });

  it('dpopKey and dpopKeyFile both given as options are refused', () => {
    const error = thrown(() => middleware({ dpopKey: 'k', dpopKeyFile: '/nonexistent/dpop.pem' }));
    expect(error).toMatchObject({ code: 'ERR_MCA_CONFLICTING_OPTIONS', field: 'dpopKey' });
  });

  it('MCA_PROTECTED_BACKENDS is the list when no option gives one', () => {
    const mw = middleware({ env: { MCA_PROTECTED_BACKENDS: 'https://orders.example.com' } });
    expect(mw).toBeDefined();
  });

  it('MCA_PROTECTED_BACKENDS and MCA_PROTECTED_BACKENDS_FILE both set are refused', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mca-list-'));
    const file = join(dir, 'backends.json');
    writeFileSync(file, JSON.stringify(['https://orders.example.com']));
    const error = thrown(() => middleware({ env: { MCA_PROTECTED_BACKENDS: 'https://orders.example.com', MCA_PROTECTED_BACKENDS_FILE: file } }));
    expect(error).toMatchObject({ code: 'ERR_MCA_CONFLICTING_OPTIONS', field: 'protectedBackendsFile' });
    expect(error.message).toMatch(/Both MCA_PROTECTED_BACKENDS and MCA_PROTECTED_BACKENDS_FILE are set/);
  });
});

describe('a protectedBackends entry without a client of its own borrows the middleware’s', () => {
  it("the middleware's private key signs for it (private_key_jwt)", () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    const mw = middleware({ secret: undefined, privateKey: pem, protectedBackends: [{ match: 'https://orders.example.com', audience: 'orders-api' }] });
    expect(mw).toBeDefined();
  });

  it("the bound service's IAM API key is its credential too", () => {
    const vcap = JSON.stringify({ 'cloud-object-storage': [{ name: 'cos-1', label: 'cloud-object-storage', credentials: { apikey: 'vcap-api-key' } }] });
    const mw = middleware({
      clientId: undefined,
      secret: undefined,
      tokenUrl: undefined,
      env: { VCAP_SERVICES: vcap, MCA_SERVICE_NAME: 'cos-1' },
      protectedBackends: [{ match: 'https://orders.example.com', scope: 'orders' }],
    });
    expect(mw).toBeDefined();
  });
});

describe('a protectedBackends entry with a client of its own', () => {
  // The binding's secret is malformed, and the middleware's own secret option overrides it.
  const vcap = JSON.stringify({ AdvancedMobileAccess: [{ name: 'mca-1', label: 'AdvancedMobileAccess', credentials: { secret: ' bound-secret ' } }] });

  it.each<[string, Record<string, unknown>]>([
    ['an OAuth client', { clientId: 'orders-client', secret: 'orders-s3cret', tokenUrl: 'https://orders-auth.example.com/token' }],
    ['an IAM API key', { apikey: 'orders-api-key', iamUrl: 'https://iam.example.com' }],
  ])('%s is not refused for a bound value the middleware overrode and the entry does not use', (_name, own) => {
    expect(() => middleware({ env: { VCAP_SERVICES: vcap } })).not.toThrow();
    expect(() => middleware({ env: { VCAP_SERVICES: vcap }, protectedBackends: [{ match: 'https://orders.example.com', ...own }] })).not.toThrow();
  });
});

describe('a flag or default polluted onto Object.prototype is no setting’s', () => {
  function polluted<T>(key: string, value: unknown, run: () => T): T {
    Object.defineProperty(Object.prototype, key, { value, configurable: true, writable: true });
    try {
      return run();
    } finally {
      delete (Object.prototype as Record<string, unknown>)[key];
    }
  }

  it('a polluted variablesReadWhereUsed does not stop MCA_ALLOW_INSECURE_HTTP from being read', () => {
    const config = polluted('variablesReadWhereUsed', true, () => resolve({ tokenUrl: REMOTE_HTTP, env: { MCA_ALLOW_INSECURE_HTTP: 'true' } }));
    expect(config.tokenUrl).toBe(REMOTE_HTTP);
  });

  it('a polluted fallback gives refreshWindowSeconds (which has no fixed default) no value', () => {
    const config = polluted('fallback', 5, () => resolve({}));
    expect(config.refreshWindowMs).toBeUndefined();
    expect(config.cacheSize).toBe(100);
  });
});

describe("an entry's own key is checked as a setting given in code", () => {
  it('a privateKey that is a number is refused with the forms a key takes', () => {
    const error = thrown(() => middleware({ protectedBackends: [{ match: 'https://orders.example.com', clientId: 'orders-client', privateKey: 42 }] }));
    expect(error).toMatchObject({ name: 'McaConfigError', code: 'ERR_MCA_INVALID_PRIVATE_KEY', field: 'protectedBackends[0].privateKey' });
    expect(error.message).toMatch(/it must be a PEM string, a JWK \(object or JSON text\) or a KeyObject\./);
  });
});
