import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTokenProvider, mcaOAuth, McaConfigError, isMcaConfigError, isMcaOAuthError } from '../lib';
import { resolveProviderConfig } from '../lib/settings/resolve-config';
import { expectNoSecrets } from './helpers/secrets';
import { thrown } from './helpers/thrown';

const SECRET = 'top-secret-42';
const SERVER = 'https://imf-authserver.example.com/imf-authserver';

function mcaVcap(credentials: Record<string, unknown>, key = 'AdvancedMobileAccess', name = 'Mobile Client Access-ag') {
  return JSON.stringify({ [key]: [{ name, label: key, plan: 'Gold', credentials }] });
}

function resolve(options: Record<string, unknown>) {
  return resolveProviderConfig({ envFile: false, ...options });
}

function dirWithEnvFile(text: string, name = '.env'): string {
  const dir = mkdtempSync(join(tmpdir(), 'mca-env-'));
  writeFileSync(join(dir, name), text);
  return dir;
}

describe('resolution: each field on its own, option > env > .env > VCAP_SERVICES', () => {
  it('reads everything from options', () => {
    const c = resolve({ env: {}, clientId: 'o-id', secret: SECRET, appId: 'o-tenant', serverUrl: SERVER });
    expect(c).toMatchObject({ clientId: 'o-id', secret: SECRET, tenantId: 'o-tenant', endpointKind: 'mca' });
    expect(c.tokenUrl).toBe(`${SERVER}/authorization/v1/apps/o-tenant/token`);
    expect(c.sources).toEqual({ clientId: 'option', secret: 'option', tenantId: 'option', serverUrl: 'option' });
  });

  it('reads everything from environment variables (MCA_APP_ID is an alias)', () => {
    const c = resolve({
      env: { MCA_CLIENT_ID: 'e-id', MCA_SECRET: SECRET, MCA_APP_ID: 'e-tenant', MCA_SERVER_URL: SERVER },
    });
    expect(c).toMatchObject({ clientId: 'e-id', tenantId: 'e-tenant' });
    expect(c.sources.clientId).toBe('env');
  });

  it('reads everything from VCAP_SERVICES (the docs/protocol.md shape)', () => {
    const c = resolve({
      env: { VCAP_SERVICES: mcaVcap({ clientId: 'appGUID', secret: SECRET, serverUrl: SERVER, tenantId: 'appGUID', admin_url: 'x' }) },
    });
    expect(c).toMatchObject({ clientId: 'appGUID', secret: SECRET, tenantId: 'appGUID' });
    expect(c.sources).toMatchObject({ clientId: 'VCAP_SERVICES', serverUrl: 'VCAP_SERVICES' });
  });

  it('mixes sources field by field, in precedence order', () => {
    const dir = dirWithEnvFile(`MCA_SECRET=from-dotenv\nMCA_TENANT_ID=dotenv-tenant\nMCA_CLIENT_ID=dotenv-id\n`);
    const c = resolveProviderConfig({
      envFile: join(dir, '.env'),
      clientId: 'option-id',
      env: {
        MCA_TENANT_ID: 'env-tenant',
        VCAP_SERVICES: mcaVcap({ clientId: 'vcap-id', secret: 'vcap-secret', serverUrl: SERVER, tenantId: 'vcap-tenant' }),
      },
    });
    expect(c).toMatchObject({ clientId: 'option-id', secret: 'from-dotenv', tenantId: 'env-tenant' });
    expect(c.sources).toEqual({
      clientId: 'option',
      secret: '.env',
      tenantId: 'env',
      serverUrl: 'VCAP_SERVICES',
    });
  });

  it('falls back to VCAP_APPLICATION.application_id for tenantId', () => {
    const c = resolve({
      env: {
        VCAP_SERVICES: mcaVcap({ clientId: 'id', secret: SECRET, serverUrl: SERVER }),
        VCAP_APPLICATION: JSON.stringify({ application_id: 'app-guid', name: 'x' }),
      },
    });
    expect(c.tenantId).toBe('app-guid');
    expect(c.sources.tenantId).toBe('VCAP_APPLICATION');
  });

  it('reads App ID bindings (oauthServerUrl and the oAuthServerUrl spelling) and needs no tenant', () => {
    for (const key of ['oauthServerUrl', 'oAuthServerUrl']) {
      const c = resolve({
        env: { VCAP_SERVICES: mcaVcap({ clientId: 'id', secret: SECRET, [key]: 'https://us-south.appid.cloud.ibm.com/oauth/v4/t1' }, 'AppID', 'my-appid') },
      });
      expect(c.tokenUrl).toBe('https://us-south.appid.cloud.ibm.com/oauth/v4/t1/token');
      expect(c.endpointKind).toBe('appid');
    }
  });

  it('prefers tokenUrl, then oauthServerUrl, then serverUrl', () => {
    const base = { env: {}, clientId: 'id', secret: SECRET, tenantId: 't', serverUrl: SERVER };
    expect(resolve(base).endpointKind).toBe('mca');
    expect(resolve({ ...base, oauthServerUrl: 'https://a.example/oauth/v4/t' }).tokenUrl).toBe('https://a.example/oauth/v4/t/token');
    expect(resolve({ ...base, oauthServerUrl: 'https://a.example/o', tokenUrl: 'https://b.example/tok' }).tokenUrl).toBe('https://b.example/tok');
  });

  it('picks the first AdvancedMobileAccess/AppID service, or the one named by serviceName', () => {
    const vcap = JSON.stringify({
      cloudantNoSQLDB: [{ name: 'db', credentials: { url: 'https://db' } }],
      'AdvancedMobileAccess-dev': [{ name: 'first', credentials: { clientId: 'first-id', secret: SECRET, serverUrl: SERVER, tenantId: 't' } }],
      AppID: [
        { name: 'second', credentials: { clientId: 'second-id', secret: SECRET, oauthServerUrl: 'https://x.example/oauth/v4/t' } },
        { name: 'third', credentials: { clientId: 'third-id', secret: SECRET, oauthServerUrl: 'https://x.example/oauth/v4/t' } },
      ],
    });
    expect(resolve({ env: { VCAP_SERVICES: vcap } }).clientId).toBe('first-id');
    expect(resolve({ env: { VCAP_SERVICES: vcap }, serviceName: 'third' }).clientId).toBe('third-id');
    expect(resolve({ env: { VCAP_SERVICES: vcap, MCA_SERVICE_NAME: 'second' } }).clientId).toBe('second-id');
  });

  it('reads .env from the working directory by default, without touching process.env', () => {
    const dir = dirWithEnvFile(`MCA_CLIENT_ID=dotenv-id\nMCA_SECRET=${SECRET}\nMCA_TOKEN_URL=https://t.example/token\n`);
    const cwd = process.cwd();
    const before = { ...process.env };
    try {
      process.chdir(dir);
      const c = resolveProviderConfig({ env: { MCA_CLIENT_ID: 'real-env-wins' } });
      expect(c).toMatchObject({ clientId: 'real-env-wins', secret: SECRET, tokenUrl: 'https://t.example/token' });
      expect(c.sources).toMatchObject({ clientId: 'env', secret: '.env', tokenUrl: '.env' });
      expect(() => resolveProviderConfig({ env: {}, envFile: false })).toThrow(McaConfigError);
    } finally {
      process.chdir(cwd);
    }
    expect(process.env).toEqual(before);
    expect(process.env.MCA_SECRET).toBeUndefined();
  });

  it('uses process.env when no env option is given', () => {
    process.env.MCA_CLIENT_ID = 'process-id';
    try {
      const c = resolveProviderConfig({ envFile: false, secret: SECRET, tokenUrl: 'https://t.example/token' });
      expect(c.clientId).toBe('process-id');
    } finally {
      delete process.env.MCA_CLIENT_ID;
    }
  });

  it('applies defaults and reads tuning options', () => {
    const c = resolve({ env: {}, clientId: 'id', secret: SECRET, tokenUrl: 'http://127.0.0.1:1/token' });
    expect(c).toMatchObject({ cacheSize: 100, refreshSkewMs: 60_000, defaultExpiresInMs: 300_000, timeoutMs: 10_000, clientAuth: 'basic' });
    expect(c.scope).toBeUndefined();
    expect(c.audience).toBeUndefined();
  });
});

const full = { env: {}, envFile: false as const, clientId: 'id', secret: SECRET, tenantId: 't', serverUrl: SERVER };
const badCases: [string, Record<string, unknown>, string][] = [
  ['no clientId', { ...full, clientId: undefined }, 'ERR_MCA_MISSING_CLIENT_ID'],
  ['no secret', { ...full, secret: undefined }, 'ERR_MCA_MISSING_SECRET'],
  ['no tenantId in MCA mode', { ...full, tenantId: undefined }, 'ERR_MCA_MISSING_TENANT_ID'],
  ['no server URL at all', { ...full, serverUrl: undefined }, 'ERR_MCA_MISSING_SERVER_URL'],
  ['an empty clientId', { ...full, clientId: '' }, 'ERR_MCA_INVALID_CLIENT_ID'],
  ['a numeric secret', { ...full, secret: 1234 }, 'ERR_MCA_INVALID_SECRET'],
  ['a clientId with a colon (Basic)', { ...full, clientId: 'a:b' }, 'ERR_MCA_INVALID_CLIENT_ID'],
  ['a tenantId with a slash', { ...full, tenantId: '../admin' }, 'ERR_MCA_INVALID_TENANT_ID'],
  ['tenantId and appId that differ', { ...full, appId: 'other' }, 'ERR_MCA_CONFLICTING_OPTIONS'],
  ['a serverUrl that is not a URL', { ...full, serverUrl: 'imf-authserver' }, 'ERR_MCA_INVALID_SERVER_URL'],
  ['an ftp serverUrl', { ...full, serverUrl: 'ftp://x.example/' }, 'ERR_MCA_INVALID_SERVER_URL'],
  ['a file: oauthServerUrl', { ...full, oauthServerUrl: 'file:///etc/passwd' }, 'ERR_MCA_INVALID_OAUTH_SERVER_URL'],
  ['a javascript: tokenUrl', { ...full, tokenUrl: 'javascript:alert(1)' }, 'ERR_MCA_INVALID_TOKEN_URL'],
  ['cacheSize 0', { ...full, cacheSize: 0 }, 'ERR_MCA_INVALID_CACHE_SIZE'],
  ['cacheSize 1.5', { ...full, cacheSize: 1.5 }, 'ERR_MCA_INVALID_CACHE_SIZE'],
  ['cacheSize "100"', { ...full, cacheSize: '100' }, 'ERR_MCA_INVALID_CACHE_SIZE'],
  ['cacheSize -1', { ...full, cacheSize: -1 }, 'ERR_MCA_INVALID_CACHE_SIZE'],
  ['a negative refreshSkewSeconds', { ...full, refreshSkewSeconds: -1 }, 'ERR_MCA_INVALID_REFRESH_SKEW_SECONDS'],
  ['defaultExpiresIn 0', { ...full, defaultExpiresIn: 0 }, 'ERR_MCA_INVALID_DEFAULT_EXPIRES_IN'],
  ['timeoutMs NaN', { ...full, timeoutMs: Number.NaN }, 'ERR_MCA_INVALID_TIMEOUT_MS'],
  // Past 2^31 - 1 ms Node's timer fires after 1 ms: "no timeout" as 1e12 timed every request out at once.
  ['timeoutMs 1e12', { ...full, timeoutMs: 1e12, deadlineMs: 1e12 }, 'ERR_MCA_INVALID_TIMEOUT_MS'],
  ['deadlineMs 2^31', { ...full, deadlineMs: 2 ** 31 }, 'ERR_MCA_INVALID_DEADLINE_MS'],
  ['clientAuth "jwt"', { ...full, clientAuth: 'jwt' }, 'ERR_MCA_INVALID_CLIENT_AUTH'],
  ['a store without get/set', { ...full, store: {} }, 'ERR_MCA_INVALID_STORE'],
  ['now that is not a function', { ...full, now: 5 }, 'ERR_MCA_INVALID_NOW'],
  ['a misspelled option', { ...full, clientSecret: SECRET }, 'ERR_MCA_UNKNOWN_OPTION'],
  [
    'an unparseable VCAP_SERVICES',
    { ...full, env: { VCAP_SERVICES: `{"AdvancedMobileAccess":[{"credentials":{"secret":"${SECRET}"` } },
    'ERR_MCA_BAD_VCAP_SERVICES',
  ],
  ['a VCAP_SERVICES that is an array', { ...full, env: { VCAP_SERVICES: '[]' } }, 'ERR_MCA_BAD_VCAP_SERVICES'],
  ['a VCAP service that is not an array', { ...full, env: { VCAP_SERVICES: '{"AppID":{}}' } }, 'ERR_MCA_BAD_VCAP_SERVICES'],
  ['VCAP credentials that are not an object', { ...full, env: { VCAP_SERVICES: '{"AppID":[{"credentials":"x"}]}' } }, 'ERR_MCA_BAD_VCAP_SERVICES'],
  ['a VCAP clientId that is a number', { ...full, env: { VCAP_SERVICES: '{"AppID":[{"credentials":{"clientId":5}}]}' } }, 'ERR_MCA_BAD_VCAP_SERVICES'],
  ['an unparseable VCAP_APPLICATION', { ...full, env: { VCAP_APPLICATION: '{' } }, 'ERR_MCA_BAD_VCAP_APPLICATION'],
  ['a serviceName that is not bound', { ...full, serviceName: 'nope', env: { VCAP_SERVICES: mcaVcap({}) } }, 'ERR_MCA_SERVICE_NOT_FOUND'],
  ['an envFile that does not exist', { ...full, envFile: '/nonexistent/.env' }, 'ERR_MCA_INVALID_ENV_FILE'],
];

describe('bad configuration fails at startup with a coded McaConfigError', () => {
  it.each(badCases)('%s', (_name, options, code) => {
    let thrown: unknown;
    try {
      createTokenProvider(options);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(McaConfigError);
    expect(isMcaConfigError(thrown)).toBe(true);
    expect(isMcaOAuthError(thrown)).toBe(true);
    expect(thrown).toMatchObject({ name: 'McaConfigError', code });
    expect((thrown as Error).stack).toMatch(/^McaConfigError: /);
    expectNoSecrets(thrown, [SECRET, Buffer.from(`id:${SECRET}`).toString('base64')]);
  });

  it('names the field and the three places it may come from', () => {
    expect(() => createTokenProvider({ ...full, secret: undefined })).toThrow(
      /`secret`.*the `secret` option.*MCA_SECRET in the environment or \.env.*VCAP_SERVICES credentials\.secret/,
    );
  });

  it('suggests the right name for a typo', () => {
    expect(() => createTokenProvider({ ...full, clientid: 'x' } as never)).toThrow(/Did you mean `clientId`\?/);
    expect(() => createTokenProvider({ ...full, cachesize: 5 } as never)).toThrow(/Did you mean `cacheSize`\?/);
  });

  it('is thrown by mcaOAuth() itself, before any request', () => {
    expect(() => mcaOAuth({ ...full, clientId: undefined })).toThrow(expect.objectContaining({ code: 'ERR_MCA_MISSING_CLIENT_ID' }));
    expect(() => mcaOAuth({ ...full, protectedBackends: ['not a url'] })).toThrow(expect.objectContaining({ code: 'ERR_MCA_INVALID_PROTECTED_BACKENDS' }));
    expect(() => mcaOAuth({ ...full, axios: 'x' } as never)).toThrow(expect.objectContaining({ code: 'ERR_MCA_INVALID_AXIOS' }));
    expect(() => mcaOAuth({ ...full, retryOn401: 'yes' } as never)).toThrow(expect.objectContaining({ code: 'ERR_MCA_INVALID_RETRY_ON_401' }));
  });

  it('accepts plain http: for local servers', () => {
    expect(resolve({ ...full, serverUrl: 'http://127.0.0.1:8080/imf' }).tokenUrl).toBe('http://127.0.0.1:8080/imf/authorization/v1/apps/t/token');
  });
});

// Issue 10: configuration that fails closed and says what is wrong.

describe('4. prototype pollution is not configuration: own properties only', () => {
  const polluted = Object.prototype as Record<string, unknown>;
  function withPollution(values: Record<string, unknown>, fn: () => void): void {
    Object.assign(polluted, values);
    try {
      fn();
    } finally {
      for (const key of Object.keys(values)) delete polluted[key];
    }
  }

  it('Object.prototype.tokenUrl does not replace the endpoint (options, env and VCAP alike)', () => {
    withPollution({ tokenUrl: 'https://attacker.example/steal', oauthServerUrl: 'https://attacker.example/o' }, () => {
      expect(resolve({ ...full }).tokenUrl).toBe(`${SERVER}/authorization/v1/apps/t/token`);
      expect(resolve({ env: { VCAP_SERVICES: mcaVcap({ clientId: 'id', secret: SECRET, serverUrl: SERVER, tenantId: 't' }) } }).tokenUrl).toBe(
        `${SERVER}/authorization/v1/apps/t/token`,
      );
    });
    withPollution({ MCA_TOKEN_URL: 'https://attacker.example/steal' }, () => {
      expect(resolve({ ...full, env: {} }).tokenUrl).toBe(`${SERVER}/authorization/v1/apps/t/token`);
    });
  });

  it('a polluted secret, serverUrl or application_id is never picked up', () => {
    withPollution({ secret: 'polluted', MCA_SECRET: 'polluted' }, () => {
      expect(thrown(() => resolve({ env: {}, clientId: 'id', tenantId: 't', serverUrl: SERVER })).code).toBe('ERR_MCA_MISSING_SECRET');
    });
    withPollution({ serverUrl: 'https://attacker.example/', application_id: 'evil' }, () => {
      const error = thrown(() => resolve({ env: { VCAP_SERVICES: mcaVcap({ clientId: 'id', secret: SECRET }), VCAP_APPLICATION: '{}' } }));
      expect(error.code).toBe('ERR_MCA_MISSING_SERVER_URL');
    });
  });
});

describe('8. inputs that would change the endpoint silently', () => {
  const cases: [string, Record<string, unknown>, string, RegExp][] = [
    ['tenantId ".."', { ...full, tenantId: '..' }, 'ERR_MCA_INVALID_TENANT_ID', /the `tenantId` option/],
    ['tenantId "."', { ...full, tenantId: '.' }, 'ERR_MCA_INVALID_TENANT_ID', /"\." or "\.\."/],
    // Tomcat/Liberty read "..;" as ".." (a path parameter is cut off before dot-segment removal).
    // Echo rules: printable and capped, like every other echoed value (ESC would recolour a terminal).
    [
      'a serviceName with control characters, no VCAP_SERVICES',
      { ...full, serviceName: 'x\u001b[31m' + 'y'.repeat(200), env: {} },
      'ERR_MCA_SERVICE_NOT_FOUND',
      /"x\?\[31my{54}…"/,
    ],
    ['tenantId "..;"', { ...full, tenantId: '..;' }, 'ERR_MCA_INVALID_TENANT_ID', /";"/],
    [
      'tenantId ".." from VCAP_APPLICATION',
      { ...full, tenantId: undefined, env: { VCAP_APPLICATION: '{"application_id":".."}' } },
      'ERR_MCA_INVALID_TENANT_ID',
      /VCAP_APPLICATION\.application_id/,
    ],
    ['a "?" in serverUrl', { ...full, serverUrl: `${SERVER}?x=1` }, 'ERR_MCA_INVALID_SERVER_URL', /"\?" or "#"/],
    ['a "#" in serverUrl', { ...full, serverUrl: `${SERVER}#frag-x` }, 'ERR_MCA_INVALID_SERVER_URL', /"\?" or "#"/],
    ['a bare "?" in oauthServerUrl', { ...full, oauthServerUrl: 'https://a.example/oauth/v4/t?' }, 'ERR_MCA_INVALID_OAUTH_SERVER_URL', /"\?" or "#"/],
    ['userinfo in tokenUrl', { ...full, tokenUrl: `https://user:${SECRET}@auth.example.com/token` }, 'ERR_MCA_INVALID_TOKEN_URL', /user:password@/],
    [
      'a scheme-less user:secret@host tokenUrl',
      { ...full, tokenUrl: `svc-user-9:${SECRET}@auth.example.com/token` },
      'ERR_MCA_INVALID_TOKEN_URL',
      /scheme is not http or https/,
    ],
    [
      'userinfo in serverUrl from the environment',
      { ...full, serverUrl: undefined, env: { MCA_SERVER_URL: `https://u:${SECRET}@x.example/imf` } },
      'ERR_MCA_INVALID_SERVER_URL',
      /MCA_SERVER_URL in the environment/,
    ],
  ];
  it.each(cases)('%s', (_name, options, code, message) => {
    const error = thrown(() => createTokenProvider(options));
    expect(error).toMatchObject({ name: 'McaConfigError', code });
    expect(error.message).toMatch(message);
    expectNoSecrets(error, [SECRET, 'x=1', 'frag-x', 'svc-user-9']);
  });
});

describe('6. plain http: token URLs only to loopback, unless opted in', () => {
  it.each([
    ['tokenUrl', { tokenUrl: 'http://auth.example.com/token' }, 'ERR_MCA_INVALID_TOKEN_URL'],
    ['serverUrl', { serverUrl: 'http://imf.example.com/imf-authserver' }, 'ERR_MCA_INVALID_SERVER_URL'],
    ['oauthServerUrl', { oauthServerUrl: 'http://appid.example.com/oauth/v4/t' }, 'ERR_MCA_INVALID_OAUTH_SERVER_URL'],
  ])('an http: %s to a remote host is refused', (_name, extra, code) => {
    const error = thrown(() => createTokenProvider({ ...full, ...extra }));
    expect(error.code).toBe(code);
    expect(error.message).toMatch(/in clear.*allowInsecureHttp: true.*MCA_ALLOW_INSECURE_HTTP/);
  });

  it('names the VCAP path an http: serverUrl came from', () => {
    const env = { VCAP_SERVICES: mcaVcap({ clientId: 'id', secret: SECRET, tenantId: 't', serverUrl: 'http://imf.example.com/imf' }) };
    expect(thrown(() => resolve({ env })).message).toMatch(/from VCAP_SERVICES AdvancedMobileAccess\[0\]\.credentials\.serverUrl/);
  });

  it('accepts loopback without opt-in, and any host with allowInsecureHttp or MCA_ALLOW_INSECURE_HTTP', () => {
    expect(resolve({ ...full, tokenUrl: 'http://localhost:9/token' }).tokenUrl).toBe('http://localhost:9/token');
    expect(resolve({ ...full, tokenUrl: 'http://127.1.2.3:9/token' }).allowInsecureHttp).toBe(false);
    expect(resolve({ ...full, tokenUrl: 'http://[::1]:9/token' }).tokenUrl).toBe('http://[::1]:9/token');
    expect(resolve({ ...full, tokenUrl: 'http://auth.example.com/token', allowInsecureHttp: true }).allowInsecureHttp).toBe(true);
    expect(resolve({ ...full, tokenUrl: 'http://auth.example.com/token', env: { MCA_ALLOW_INSECURE_HTTP: 'TRUE' } }).allowInsecureHttp).toBe(true);
    expect(thrown(() => resolve({ ...full, env: { MCA_ALLOW_INSECURE_HTTP: 'yes please' } })).code).toBe('ERR_MCA_INVALID_ALLOW_INSECURE_HTTP');
    expect(thrown(() => resolve({ ...full, allowInsecureHttp: 'true' })).code).toBe('ERR_MCA_INVALID_ALLOW_INSECURE_HTTP');
  });
});

describe('15. whitespace: every source alike, and the message names the source', () => {
  const cases: [string, Record<string, unknown>, string, RegExp][] = [
    ['clientId " cid " (option)', { ...full, clientId: ' cid ' }, 'ERR_MCA_INVALID_CLIENT_ID', /from the `clientId` option.*whitespace/],
    [
      'MCA_SECRET " sec" (environment)',
      { ...full, secret: undefined, env: { MCA_SECRET: ` ${SECRET}` } },
      'ERR_MCA_INVALID_SECRET',
      /from MCA_SECRET in the environment/,
    ],
    [
      'MCA_CLIENT_ID "  " (environment)',
      { ...full, clientId: undefined, env: { MCA_CLIENT_ID: '  ' } },
      'ERR_MCA_INVALID_CLIENT_ID',
      /from MCA_CLIENT_ID in the environment.*blank/,
    ],
    [
      'tenantId " t" (VCAP)',
      { ...full, tenantId: undefined, env: { VCAP_SERVICES: mcaVcap({ tenantId: ' t' }) } },
      'ERR_MCA_INVALID_TENANT_ID',
      /VCAP_SERVICES AdvancedMobileAccess\[0\]\.credentials\.tenantId/,
    ],
    [
      'a blank serverUrl (environment)',
      { ...full, serverUrl: undefined, env: { MCA_SERVER_URL: ' \t ' } },
      'ERR_MCA_INVALID_SERVER_URL',
      /MCA_SERVER_URL in the environment.*blank/,
    ],
  ];
  it.each(cases)('%s', (_name, options, code, message) => {
    const error = thrown(() => createTokenProvider(options));
    expect(error.code).toBe(code);
    expect(error.message).toMatch(message);
    expectNoSecrets(error, [SECRET]);
  });

  it('names the .env file a value came from', () => {
    const dir = dirWithEnvFile(`MCA_SECRET=" ${SECRET}"\n`);
    const error = thrown(() => resolveProviderConfig({ ...full, secret: undefined, envFile: join(dir, '.env') }));
    expect(error.message).toContain(`MCA_SECRET in ${join(dir, '.env')}`);
    expectNoSecrets(error, [SECRET]);
  });

  it('still trims URLs, as the seed does', () => {
    expect(resolve({ ...full, serverUrl: `  ${SERVER} ` }).tokenUrl).toBe(`${SERVER}/authorization/v1/apps/t/token`);
  });
});

describe('16. did you mean: the spellings of the seed, IBM SDKs and RFC 6749', () => {
  it.each([
    ['clientSecret', 'secret'],
    ['client_secret', 'secret'],
    ['client_id', 'clientId'],
    ['tenant_id', 'tenantId'],
    ['token_url', 'tokenUrl'],
    ['tokenEndpoint', 'tokenUrl'],
    ['serverURL', 'serverUrl'],
    ['oAuthServerUrl', 'oauthServerUrl'],
    ['timeout', 'timeoutMs'],
    ['password', 'secret'],
  ])('%s → %s', (typo, right) => {
    expect(thrown(() => createTokenProvider({ ...full, [typo]: 'x' })).message).toContain(`Did you mean \`${right}\`?`);
  });
});

describe('17. a bound service that lacks credentials says so', () => {
  it('credentials: {}', () => {
    const error = thrown(() => resolve({ env: { VCAP_SERVICES: mcaVcap({}) } }));
    expect(error.code).toBe('ERR_MCA_MISSING_CLIENT_ID');
    expect(error.message).toMatch(
      /A service is bound \(VCAP_SERVICES AdvancedMobileAccess\[0\], "Mobile Client Access-ag"\), but its credentials have no `clientId`/,
    );
  });

  it('credentials with an id but no secret, and no server URL', () => {
    expect(thrown(() => resolve({ env: { VCAP_SERVICES: mcaVcap({ clientId: 'id' }, 'AppID', 'my-appid') } })).message).toMatch(
      /bound \(VCAP_SERVICES AppID\[0\], "my-appid"\), but its credentials have no `secret`/,
    );
    expect(thrown(() => resolve({ env: { VCAP_SERVICES: mcaVcap({ clientId: 'id', secret: SECRET }) } })).message).toMatch(
      /bound \(VCAP_SERVICES AdvancedMobileAccess\[0\]\), but its credentials have neither `serverUrl` nor `oauthServerUrl`/,
    );
  });

  it('AdvancedMobileAccess: [] (a service key with no instance)', () => {
    const error = thrown(() => resolve({ env: { VCAP_SERVICES: '{"AdvancedMobileAccess":[]}' } }));
    expect(error.code).toBe('ERR_MCA_MISSING_CLIENT_ID');
    expect(error.message).toMatch(/VCAP_SERVICES has AdvancedMobileAccess with no service instance in it/);
  });

  it('a user-provided service without serviceName', () => {
    const vcap = JSON.stringify({ 'user-provided': [{ name: 'my-mca', credentials: { clientId: 'id', secret: SECRET, serverUrl: SERVER, tenantId: 't' } }] });
    const error = thrown(() => resolve({ env: { VCAP_SERVICES: vcap } }));
    expect(error.message).toMatch(/user-provided service\(s\) "my-mca", which are used only when named: set `serviceName` or MCA_SERVICE_NAME/);
    expect(resolve({ env: { VCAP_SERVICES: vcap }, serviceName: 'my-mca' }).clientId).toBe('id');
  });

  it('a Cloudant binding alone (an IAM apikey, no MCA/App ID service): the error names it and says to set MCA_SERVICE_NAME', () => {
    const vcap = JSON.stringify({
      cloudantNoSQLDB: [{ name: 'orders-db', label: 'cloudantNoSQLDB', credentials: { apikey: SECRET, url: 'https://x.cloudant.com' } }],
    });
    const error = thrown(() => resolve({ env: { VCAP_SERVICES: vcap } }));
    expect(error.code).toBe('ERR_MCA_MISSING_CLIENT_ID');
    expect(error.message).toMatch(/^Missing `clientId` \([^)]*\)\. VCAP_SERVICES binds "orders-db" \(cloudantNoSQLDB\), with an IAM API key/);
    expect(error.message).toContain('set MCA_SERVICE_NAME=orders-db (or the `serviceName` option)');
    expect(error.message).not.toContain(SECRET);
    // The fix the message gives works.
    expect(resolve({ env: { VCAP_SERVICES: vcap, MCA_SERVICE_NAME: 'orders-db' } }).endpointKind).toBe('iam');
    // A service without an apikey gets no such hint.
    const plain = JSON.stringify({ cloudantNoSQLDB: [{ name: 'orders-db', credentials: { url: 'https://x' } }] });
    expect(thrown(() => resolve({ env: { VCAP_SERVICES: plain } })).message).not.toContain('MCA_SERVICE_NAME=');
  });
});

describe('18. smaller items', () => {
  it('clientAuth is matched without regard to case (option and MCA_CLIENT_AUTH)', () => {
    expect(resolve({ ...full, clientAuth: 'POST' }).clientAuth).toBe('post');
    expect(resolve({ ...full, env: { MCA_CLIENT_AUTH: 'Basic' } }).clientAuth).toBe('basic');
    expect(thrown(() => resolve({ ...full, clientAuth: 'jwt' })).code).toBe('ERR_MCA_INVALID_CLIENT_AUTH');
  });

  it('the envFile error shows the path it tried', () => {
    expect(thrown(() => resolve({ ...full, envFile: '/nonexistent/dir/app.env' })).message).toContain('/nonexistent/dir/app.env');
  });

  it('retryOn401 errors are spelled like every other code: ERR_MCA_INVALID_RETRY_ON_401', () => {
    expect(thrown(() => mcaOAuth({ ...full, retryOn401: 1 } as never)).code).toBe('ERR_MCA_INVALID_RETRY_ON_401');
  });
});
