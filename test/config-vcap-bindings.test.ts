// Which Cloud Foundry binding (VCAP_SERVICES, VCAP_APPLICATION) the package reads, and what a
// broken or unusable binding's error says: its code, its field, where the problem is and the fix.
import { createTokenProvider } from '../lib';
import { resolveProviderConfig } from '../lib/settings/resolve-config';
import { thrown } from './helpers/thrown';
import { startTokenServer, type TokenServer } from './helpers/token-server';

const SECRET = 'top-secret-42';
const SERVER = 'https://imf-authserver.example.com/imf-authserver';
const FULL_MCA = { clientId: 'id', secret: SECRET, serverUrl: SERVER, tenantId: 't' };

function resolve(env: Record<string, string>, options: Record<string, unknown> = {}) {
  return resolveProviderConfig({ envFile: false, env, ...options });
}

/** What createTokenProvider throws for this environment (the public path), for its code, field and message. */
function startupError(env: Record<string, string>, options: Record<string, unknown> = {}) {
  return thrown(() => createTokenProvider({ envFile: false, env, ...options }));
}

function vcap(services: Record<string, unknown>): string {
  return JSON.stringify(services);
}

describe('the token comes from the binding the docs say is read', () => {
  let appId: TokenServer;
  let mca: TokenServer;
  beforeEach(async () => {
    appId = await startTokenServer({ clientId: 'appid-client', secret: 'appid-secret' });
    mca = await startTokenServer({ clientId: 'mca-client', secret: 'mca-secret', tenantId: 'mca-tenant' });
  });
  afterEach(async () => {
    await Promise.all([appId.close(), mca.close()]);
  });

  function services(): string {
    return vcap({
      cloudantNoSQLDB: [{ name: 'orders-db', credentials: { apikey: SECRET, url: 'https://db.example' } }],
      'AppID-dev': [{ name: 'my-appid', credentials: { clientId: 'appid-client', secret: 'appid-secret', oauthServerUrl: appId.oauthServerUrl } }],
      AdvancedMobileAccess: [
        { name: 'my-mca', credentials: { clientId: 'mca-client', secret: 'mca-secret', tenantId: 'mca-tenant', serverUrl: mca.serverUrl } },
      ],
    });
  }

  async function headerFrom(options: Record<string, unknown>): Promise<string> {
    const provider = createTokenProvider({ envFile: false, ...options });
    try {
      return await provider.getAuthorizationHeader();
    } finally {
      await provider.close();
    }
  }

  it('the first AdvancedMobileAccess/AppID key in JSON order wins; another service is never used unnamed', async () => {
    expect(await headerFrom({ env: { VCAP_SERVICES: services() } })).toBe('Bearer tok-1');
    expect(appId.requests).toHaveLength(1);
    expect(mca.requests).toHaveLength(0);
  });

  it('serviceName (or MCA_SERVICE_NAME) picks a later binding by its instance name', async () => {
    expect(await headerFrom({ env: { VCAP_SERVICES: services(), MCA_SERVICE_NAME: 'my-mca' } })).toBe('Bearer tok-1');
    expect(mca.requests.map((r) => r.url)).toEqual(['/imf-authserver/authorization/v1/apps/mca-tenant/token']);
    expect(appId.requests).toHaveLength(0);
  });
});

describe('a VCAP_SERVICES that is not the Cloud Foundry shape is refused, naming the variable', () => {
  it('not JSON: says so, and to fix or unset VCAP_SERVICES', () => {
    const error = startupError({ VCAP_SERVICES: '{"AdvancedMobileAccess":[' });
    expect(error).toMatchObject({ code: 'ERR_MCA_BAD_VCAP_SERVICES', field: 'VCAP_SERVICES' });
    expect(error.message).toBe('VCAP_SERVICES is not valid JSON. Fix or unset the variable.');
  });

  it.each([['"a string"'], ['5'], ['[]'], ['null']])('JSON %s instead of an object of service arrays', (raw) => {
    const error = startupError({ VCAP_SERVICES: raw }, FULL_MCA);
    expect(error).toMatchObject({ code: 'ERR_MCA_BAD_VCAP_SERVICES', field: 'VCAP_SERVICES' });
    expect(error.message).toBe('VCAP_SERVICES must be a JSON object of service arrays. Fix or unset the variable.');
  });

  it('a service key that holds no array names the key', () => {
    const error = startupError({ VCAP_SERVICES: vcap({ AppID: { name: 'x' } }) });
    expect(error).toMatchObject({ code: 'ERR_MCA_BAD_VCAP_SERVICES', field: 'VCAP_SERVICES' });
    expect(error.message).toBe('VCAP_SERVICES key "AppID" must hold an array of service instances.');
  });

  it('a service instance that is not an object names its index', () => {
    for (const instance of [null, 'x', 5, []]) {
      const error = startupError({ VCAP_SERVICES: vcap({ AdvancedMobileAccess: [instance] }) });
      expect(error).toMatchObject({ code: 'ERR_MCA_BAD_VCAP_SERVICES', field: 'VCAP_SERVICES' });
      expect(error.message).toBe('VCAP_SERVICES AdvancedMobileAccess[0] must be an object.');
    }
  });

  it('credentials that are not an object name the binding and say to fix it', () => {
    const error = startupError({ VCAP_SERVICES: vcap({ AppID: [{ name: 'my-appid', credentials: 'x' }] }) });
    expect(error).toMatchObject({ code: 'ERR_MCA_BAD_VCAP_SERVICES', field: 'VCAP_SERVICES' });
    expect(error.message).toBe('VCAP_SERVICES AppID[0].credentials must be an object. Fix the service binding.');
  });

  it('a credential that is not a string names its path, without its value', () => {
    const error = startupError({ VCAP_SERVICES: vcap({ AppID: [{ credentials: { clientId: 'id', secret: 12345 } }] }) });
    expect(error).toMatchObject({ code: 'ERR_MCA_BAD_VCAP_SERVICES', field: 'VCAP_SERVICES' });
    expect(error.message).toBe('VCAP_SERVICES AppID[0].credentials.secret must be a string. Fix the service binding.');
  });
});

describe('a credential the binding leaves empty falls back as if it were absent', () => {
  it.each([
    ['null', null],
    ['""', ''],
  ])('tenantId %s: VCAP_APPLICATION.application_id is the tenant', (_name, tenantId) => {
    const c = resolve({
      VCAP_SERVICES: vcap({ AdvancedMobileAccess: [{ name: 'mca', credentials: { clientId: 'id', secret: SECRET, serverUrl: SERVER, tenantId } }] }),
      VCAP_APPLICATION: JSON.stringify({ application_id: 'app-guid' }),
    });
    expect(c.tenantId).toBe('app-guid');
    expect(c.tokenUrl).toBe(`${SERVER}/authorization/v1/apps/app-guid/token`);
    expect(c.provenance.tenantId).toMatchObject({ source: 'VCAP_APPLICATION', name: 'application_id' });
  });

  it('an empty serverUrl in an App ID binding leaves oauthServerUrl to decide the endpoint', () => {
    const c = resolve({
      VCAP_SERVICES: vcap({
        AppID: [{ name: 'a', credentials: { clientId: 'id', secret: SECRET, serverUrl: '', oauthServerUrl: 'https://x.example/oauth/v4/t' } }],
      }),
    });
    expect(c.tokenUrl).toBe('https://x.example/oauth/v4/t/token');
    expect(c.provenance.serverUrl).toBeUndefined();
  });
});

describe('VCAP_APPLICATION', () => {
  it('gives the tenant when no MCA/App ID service is bound (the rest from options)', () => {
    const env = {
      VCAP_SERVICES: vcap({ cloudantNoSQLDB: [{ name: 'db', credentials: { url: 'https://db' } }] }),
      VCAP_APPLICATION: '{"application_id":"app-guid"}',
    };
    const c = resolve(env, { clientId: 'id', secret: SECRET, serverUrl: SERVER });
    expect(c.tokenUrl).toBe(`${SERVER}/authorization/v1/apps/app-guid/token`);
    expect(resolve({ ...env, VCAP_SERVICES: '{}' }, { clientId: 'id', secret: SECRET, serverUrl: SERVER }).tenantId).toBe('app-guid');
  });

  it.each([
    ['a number', 5],
    ['an empty string', ''],
    ['an object', { id: 'x' }],
  ])('an application_id that is %s is no tenant: the tenant is reported missing', (_name, id) => {
    const error = startupError({ VCAP_APPLICATION: JSON.stringify({ application_id: id }) }, { clientId: 'id', secret: SECRET, serverUrl: SERVER });
    expect(error).toMatchObject({ code: 'ERR_MCA_MISSING_TENANT_ID', field: 'tenantId' });
  });

  it('not JSON, or not an object: names VCAP_APPLICATION and says to fix or unset it', () => {
    const bad = startupError({ VCAP_APPLICATION: '{' }, FULL_MCA);
    expect(bad).toMatchObject({ code: 'ERR_MCA_BAD_VCAP_APPLICATION', field: 'VCAP_APPLICATION' });
    expect(bad.message).toBe('VCAP_APPLICATION is not valid JSON. Fix or unset the variable.');
    const array = startupError({ VCAP_APPLICATION: '["app-guid"]' }, FULL_MCA);
    expect(array).toMatchObject({ code: 'ERR_MCA_BAD_VCAP_APPLICATION', field: 'VCAP_APPLICATION' });
    expect(array.message).toBe('VCAP_APPLICATION must be a JSON object. Fix or unset the variable.');
  });
});

describe('serviceName names the binding, or the error says which setting to fix', () => {
  it('a name no service has: ERR_MCA_SERVICE_NOT_FOUND on serviceName, with the fix', () => {
    const env = { VCAP_SERVICES: vcap({ AdvancedMobileAccess: [{ name: 'mca', credentials: { clientId: 'id' } }] }) };
    const error = startupError(env, { serviceName: 'orders' });
    expect(error).toMatchObject({ code: 'ERR_MCA_SERVICE_NOT_FOUND', field: 'serviceName' });
    expect(error.message).toBe('No service named "orders" is bound in VCAP_SERVICES. Fix `serviceName` (or MCA_SERVICE_NAME), or bind the service.');
  });

  it('a name with no VCAP_SERVICES at all: the error is on serviceName', () => {
    const error = startupError({}, { ...FULL_MCA, serviceName: 'orders' });
    expect(error).toMatchObject({ code: 'ERR_MCA_SERVICE_NOT_FOUND', field: 'serviceName' });
    expect(error.message).toMatch(/^`serviceName` is "orders" but VCAP_SERVICES is not set\. Bind the service, or drop `serviceName`\.$/);
  });

  it('a named service holding a malformed key elsewhere: the malformed key is reported', () => {
    const error = startupError({ VCAP_SERVICES: vcap({ 'user-provided': { name: 'mine' } }) }, { serviceName: 'mine' });
    expect(error).toMatchObject({ code: 'ERR_MCA_BAD_VCAP_SERVICES', field: 'VCAP_SERVICES' });
    expect(error.message).toBe('VCAP_SERVICES key "user-provided" must hold an array of service instances.');
  });

  it('a binding without a name is reported by its path where `check` names the service', () => {
    const c = resolve({ VCAP_SERVICES: vcap({ AdvancedMobileAccess: [{ credentials: FULL_MCA }] }) });
    expect(c.provenance.clientId).toEqual({ source: 'VCAP_SERVICES', name: 'credentials.clientId', service: 'AdvancedMobileAccess[0]' });
    const named = resolve({ VCAP_SERVICES: vcap({ AdvancedMobileAccess: [{ name: 'mca-1', credentials: FULL_MCA }] }) });
    expect(named.provenance.clientId?.service).toBe('mca-1');
  });
});

describe('no usable binding: the missing-field message says why, and only what applies', () => {
  const noNote = (env: Record<string, string>) => startupError(env);

  it('an unrelated service without an API key adds nothing to the message', () => {
    const error = noNote({ VCAP_SERVICES: vcap({ cloudantNoSQLDB: [{ name: 'orders-db', label: 'cloudantNoSQLDB', credentials: { url: 'https://db' } }] }) });
    expect(error).toMatchObject({ code: 'ERR_MCA_MISSING_CLIENT_ID', field: 'clientId' });
    expect(error.message).toBe(
      'Missing `clientId` (the OAuth client id). Pass the `clientId` option, set MCA_CLIENT_ID in the environment or .env, or bind an AdvancedMobileAccess/AppID service (VCAP_SERVICES credentials.clientId).',
    );
  });

  it('user-provided services that have no name are not listed', () => {
    const error = noNote({ VCAP_SERVICES: vcap({ 'user-provided': [null, 5, { credentials: FULL_MCA }, { name: 7 }] }) });
    expect(error.code).toBe('ERR_MCA_MISSING_CLIENT_ID');
    expect(error.message).not.toContain('Note:');
    expect(error.message).not.toContain('user-provided');
  });

  it('only user-provided services are listed as such, five at most, comma-separated', () => {
    const instances = ['a', 'b', 'c', 'd', 'e', 'f'].map((name) => ({ name, credentials: FULL_MCA }));
    const error = noNote({
      VCAP_SERVICES: vcap({ cloudantNoSQLDB: [{ name: 'orders-db', credentials: { url: 'https://db' } }], 'user-provided': instances }),
    });
    expect(error.message).toMatch(
      / Note: VCAP_SERVICES binds user-provided service\(s\) "a", "b", "c", "d", "e", which are used only when named: set `serviceName` or MCA_SERVICE_NAME\.$/,
    );
    expect(error.message).not.toContain('orders-db');
  });

  it('several empty MCA/App ID keys and a user-provided service: each note, separated', () => {
    const error = noNote({ VCAP_SERVICES: vcap({ AdvancedMobileAccess: [], AppID: [], 'user-provided': [{ name: 'mine', credentials: FULL_MCA }] }) });
    expect(error.message).toContain(
      ' Note: VCAP_SERVICES has AdvancedMobileAccess, AppID with no service instance in it: bind the service instance; VCAP_SERVICES binds user-provided service(s) "mine", which',
    );
  });

  it('a user-provided service with an API key is not offered as an IAM binding (it is named like any user-provided one)', () => {
    const error = noNote({ VCAP_SERVICES: vcap({ 'user-provided': [{ name: 'mine', credentials: { apikey: SECRET } }] }) });
    expect(error.message).not.toContain('IAM API key');
    expect(error.message).toContain('user-provided service(s) "mine"');
    expect(error.message).not.toContain(SECRET);
  });

  it('IAM services: at most three listed, comma-separated, the first one as the fix, and no empty note', () => {
    const services = ['db1', 'db2', 'db3', 'db4'].map((name) => ({ name, credentials: { apikey: SECRET } }));
    const error = noNote({ VCAP_SERVICES: vcap({ cloudantNoSQLDB: services }) });
    expect(error.message).toMatch(
      /^Missing `clientId` \(the OAuth client id\)\. VCAP_SERVICES binds "db1" \(cloudantNoSQLDB\), "db2" \(cloudantNoSQLDB\), "db3" \(cloudantNoSQLDB\), with an IAM API key /,
    );
    expect(error.message).toContain('set MCA_SERVICE_NAME=db1 (or the `serviceName` option).');
    expect(error.message).not.toContain('db4');
    expect(error.message).not.toContain('Note:');
  });

  it('an IAM service instance that is not an object, or has no name, is skipped', () => {
    const error = noNote({
      VCAP_SERVICES: vcap({
        cloudantNoSQLDB: [
          null,
          { credentials: { apikey: SECRET } },
          { name: '', credentials: { apikey: SECRET } },
          { name: 'db', credentials: { apikey: SECRET } },
        ],
      }),
    });
    expect(error.message).toMatch(/VCAP_SERVICES binds "db" \(cloudantNoSQLDB\), with an IAM API key/);
    expect(error.message).toContain('set MCA_SERVICE_NAME=db (or');
    const unnamed = noNote({ VCAP_SERVICES: vcap({ cloudantNoSQLDB: [{ credentials: { apikey: SECRET } }, { name: '', credentials: { apikey: SECRET } }] }) });
    expect(unnamed.message).not.toContain('IAM API key');
  });

  it('a malformed key of an unrelated service is ignored', () => {
    const error = noNote({ VCAP_SERVICES: vcap({ cloudantNoSQLDB: { name: 'db' } }) });
    expect(error).toMatchObject({ code: 'ERR_MCA_MISSING_CLIENT_ID', field: 'clientId' });
  });
});
