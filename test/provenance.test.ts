import { resolveProviderConfig } from '../lib/settings/resolve-config';

// The resolver records where each field came from, so that `check` says it without reading the
// environment again: the option key, the variable, or the VCAP path and service; a value only for
// the URL fields, never for a secret.
const SECRET = 'top-secret-42';
const SERVER = 'https://imf-authserver.example.com/imf-authserver';

describe('provenance of the resolved fields', () => {
  it('names the option key (appId for tenantId), the variable, and the bound service', () => {
    const vcap = JSON.stringify({ AdvancedMobileAccess: [{ name: 'mca-1', credentials: { serverUrl: SERVER } }] });
    const config = resolveProviderConfig({ envFile: false, appId: 'tenant-1', env: { MCA_CLIENT_ID: 'id-1', MCA_SECRET: SECRET, VCAP_SERVICES: vcap } });
    expect(config.provenance).toEqual({
      clientId: { source: 'env', name: 'MCA_CLIENT_ID' },
      secret: { source: 'env', name: 'MCA_SECRET' },
      tenantId: { source: 'option', name: 'appId' },
      serverUrl: { source: 'VCAP_SERVICES', name: 'credentials.serverUrl', service: 'mca-1', raw: SERVER },
    });
    expect(JSON.stringify(config.provenance)).not.toContain(SECRET);
  });

  it('names the variable that won when a field has two (MCA_TENANT_ID before MCA_APP_ID), and VCAP_APPLICATION', () => {
    const both = resolveProviderConfig({
      envFile: false,
      clientId: 'c',
      secret: SECRET,
      tokenUrl: ` ${SERVER}/token `,
      env: { MCA_APP_ID: 'from-app-id', MCA_TENANT_ID: 'from-tenant-id' },
    });
    expect(both.provenance.tenantId).toEqual({ source: 'env', name: 'MCA_TENANT_ID' });
    // The URL as given (untrimmed): `check` shows it without its query or userinfo.
    expect(both.provenance.tokenUrl).toEqual({ source: 'option', name: 'tokenUrl', raw: ` ${SERVER}/token ` });
    const app = resolveProviderConfig({
      envFile: false,
      clientId: 'c',
      secret: SECRET,
      serverUrl: SERVER,
      env: { VCAP_APPLICATION: JSON.stringify({ application_id: 'app-guid' }) },
    });
    expect(app.provenance.tenantId).toEqual({ source: 'VCAP_APPLICATION', name: 'application_id' });
  });
});
