// The tenant rule (a tenant or app id is pasted into a URL path, `…/apps/{tenant}/token`): what it
// lets through and what it refuses, through the middleware's `tenantId`, VCAP_APPLICATION and the
// certificate flow's `appId`. The refusals of "/", "?", "%", ";" and dot segments are in
// test/seed/certificate-flow.test.ts; these are the edges of the rule.
import { createTokenProvider, getAuthorizationHeaderByCertificate } from '../lib';
import { resolveProviderConfig } from '../lib/settings/resolve-config';
import { thrown } from './helpers/thrown';

const SECRET = 'a-client-secret-that-is-long-enough';
const SERVER = 'https://imf-authserver.example.com/imf-authserver';
const RULE =
  'it must be a string of at most 256 characters without whitespace, control characters, "/", "?", "#", "%", ";" or "\\", and not "." or "..". Give the tenant GUID.';

function tokenUrlFor(tenantId: string): string {
  return resolveProviderConfig({ envFile: false, env: {}, clientId: 'c', secret: SECRET, serverUrl: SERVER, tenantId }).tokenUrl;
}

describe('the tenant id the token URL is built from', () => {
  it('256 characters is the longest tenant id taken; 257 is refused', () => {
    const longest = 'a'.repeat(256);
    expect(tokenUrlFor(longest)).toBe(`${SERVER}/authorization/v1/apps/${longest}/token`);
    expect(thrown(() => tokenUrlFor('a'.repeat(257)))).toMatchObject({
      code: 'ERR_MCA_INVALID_TENANT_ID',
      field: 'tenantId',
      message: `Invalid \`tenantId\` (from the \`tenantId\` option): ${RULE}`,
    });
  });

  it.each([
    ['DEL (0x7f)', 'tenant\u007f1'],
    ['a unit separator (0x1f)', 'tenant\u001f1'],
  ])('a tenant id with %s, a control character, is refused without echoing it', (_name, tenantId) => {
    const error = thrown(() => createTokenProvider({ envFile: false, env: {}, clientId: 'c', secret: SECRET, serverUrl: SERVER, tenantId }));
    expect(error).toMatchObject({
      code: 'ERR_MCA_INVALID_TENANT_ID',
      field: 'tenantId',
      message: `Invalid \`tenantId\` (from the \`tenantId\` option): ${RULE}`,
    });
  });

  it('VCAP_APPLICATION.application_id with DEL is refused, naming where it came from', () => {
    const env = { VCAP_APPLICATION: JSON.stringify({ application_id: 'app\u007fguid' }) };
    expect(thrown(() => createTokenProvider({ envFile: false, env, clientId: 'c', secret: SECRET, serverUrl: SERVER }))).toMatchObject({
      code: 'ERR_MCA_INVALID_TENANT_ID',
      field: 'tenantId',
      message: `Invalid \`tenantId\` (from VCAP_APPLICATION.application_id): ${RULE}`,
    });
  });

  it('a tenant id of printable characters other than the refused ones is taken as given', () => {
    expect(tokenUrlFor('Tenant-1_~!$&()*+,=:@')).toBe(`${SERVER}/authorization/v1/apps/Tenant-1_~!$&()*+,=:@/token`);
  });
});

describe('the certificate flow takes only a string as its appId', () => {
  it.each([12345, true, { id: 'x' }])('appId %p is refused before anything else is read', async (appId) => {
    const error = await getAuthorizationHeaderByCertificate({ appId: appId as never, credential: 'bearer uaa-token' }).catch((e: unknown) => e);
    expect(error).toMatchObject({
      name: 'McaConfigError',
      code: 'ERR_MCA_INVALID_APP_ID',
      field: 'appId',
      message: `Invalid \`appId\` (from the \`appId\` option): ${RULE}`,
    });
  });
});
