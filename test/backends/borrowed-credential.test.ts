// The middleware's credential goes only to the token server the middleware's own configuration
// names: an entry without a client of its own may change the tenant, path, scope or audience, but
// not the origin of the token server (else whoever edits the list could collect the credential).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mcaOAuth, type McaOAuthMiddleware } from '../../lib';
import { leakedSecrets } from '../helpers/leak-watch';

const SECRET = 'main-s3cret-value';
const APIKEY = 'main-apikey-0123456789abcdefghij';
let mw: McaOAuthMiddleware | undefined;
afterEach(async () => {
  await mw?.close();
  mw = undefined;
});

const oauth = { env: {}, envFile: false, clientId: 'main-client', secret: SECRET, serverUrl: 'https://mca.example.com/imf', tenantId: 't-0' };
const iam = { env: {}, envFile: false, apikey: APIKEY };

function refusal(options: Record<string, unknown>): unknown {
  try {
    mw = mcaOAuth(options);
  } catch (error) {
    return error;
  }
  throw new Error('not refused');
}

it.each<[string, Record<string, unknown>, Record<string, unknown>, string]>([
  ['a tokenUrl on another host', oauth, { tokenUrl: 'https://collector.example.net/token' }, 'tokenUrl'],
  ['a serverUrl on another host', oauth, { serverUrl: 'https://collector.example.net/imf', tenantId: 't-1' }, 'serverUrl'],
  ['an oauthServerUrl on another port', oauth, { oauthServerUrl: 'https://mca.example.com:8443/oauth/v4/t-1' }, 'oauthServerUrl'],
  ['an iamUrl on another host, under an IAM middleware', iam, { iamUrl: 'https://collector.example.net' }, 'iamUrl'],
])('refused: %s, when the entry has no client of its own', (_name, base, settings, field) => {
  const error = refusal({ ...base, protectedBackends: [{ match: 'https://api.example.com', ...settings }] });
  expect(error).toMatchObject({ name: 'McaConfigError', code: 'ERR_MCA_BORROWED_CREDENTIAL', field: `protectedBackends[0].${field}` });
  expect((error as Error).message).toContain('its own client');
  expect(leakedSecrets(error, [SECRET, APIKEY])).toEqual([]);
});

it.each<[string, Record<string, unknown>, Record<string, unknown>]>([
  ['another tenant on the same server', oauth, { tenantId: 't-1', audience: 'a' }],
  ['another path on the same origin', oauth, { tokenUrl: 'https://mca.example.com/other/token' }],
  ['another server with a client of its own', oauth, { tokenUrl: 'https://other.example.net/token', clientId: 'c2', secret: 'other-secret' }],
  ['another IAM server with a key of its own', iam, { iamUrl: 'https://iam.test.example.net', apikey: 'other-apikey-0123456789abcdefgh' }],
  ['an OAuth client of its own under an IAM middleware', iam, { tokenUrl: 'https://other.example.net/token', clientId: 'c2', secret: 'other-secret' }],
])('allowed: %s', (_name, base, settings) => {
  mw = mcaOAuth({ ...base, protectedBackends: [{ match: 'https://api.example.com', ...settings }] });
  expect(mw.backends.size).toBe(2);
});

describe("a trusted-profile entry takes the middleware's compute-resource token file", () => {
  // The file's content is the workload's own credential (a Kubernetes service-account token): an
  // entry that only names a profile must not send it to an IAM of the list's choosing.
  const dir = mkdtempSync(join(tmpdir(), 'borrowed-cr-'));
  const CR_TOKEN = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ3b3JrbG9hZCJ9.d29ya2xvYWQtc2lnbmF0dXJl';
  const crFile = join(dir, 'sa-token');
  const otherFile = join(dir, 'other-token');
  writeFileSync(crFile, CR_TOKEN);
  writeFileSync(otherFile, CR_TOKEN.replace('d29y', 'b3Ro'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const profile = { env: {}, envFile: false as const, iamProfileName: 'main-profile', crTokenFile: crFile, iamUrl: 'https://iam.example.com' };

  it('refused: a profile of its own with an iamUrl on another origin', () => {
    const error = refusal({
      ...profile,
      protectedBackends: [{ match: 'https://api.example.com', iamProfileId: 'P-2', iamUrl: 'https://collector.example.net' }],
    });
    expect(error).toMatchObject({ name: 'McaConfigError', code: 'ERR_MCA_BORROWED_CREDENTIAL', field: 'protectedBackends[0].iamUrl' });
    expect(leakedSecrets(error, [CR_TOKEN])).toEqual([]);
  });

  it.each<[string, Record<string, unknown>]>([
    ['the same IAM', { iamProfileId: 'P-2' }],
    ['another path on the same IAM origin', { iamProfileId: 'P-2', iamUrl: 'https://iam.example.com/other' }],
    ['another IAM with a token file of its own', { iamProfileId: 'P-2', crTokenFile: otherFile, iamUrl: 'https://iam.other.example.net' }],
  ])('allowed: %s', (_name, settings) => {
    mw = mcaOAuth({ ...profile, protectedBackends: [{ match: 'https://api.example.com', ...settings }] });
    expect(mw.backends.size).toBe(2);
  });
});

describe("an entry's own client with an endpoint present but undefined", () => {
  // `tokenUrl: process.env.INV_TOKEN_URL` with the variable unset: the entry's own secret would go
  // to the middleware's token server, a server it was never meant for.
  const INV_SECRET = 'inventory-s3cret-value';

  it.each<[string, Record<string, unknown>, string]>([
    ['tokenUrl', { clientId: 'inv-client', secret: INV_SECRET, tokenUrl: undefined }, 'tokenUrl'],
    ['serverUrl', { clientId: 'inv-client', secret: INV_SECRET, serverUrl: undefined, tenantId: 't-9' }, 'serverUrl'],
    ['oauthServerUrl', { clientId: 'inv-client', secret: INV_SECRET, oauthServerUrl: undefined }, 'oauthServerUrl'],
    ['iamUrl', { apikey: 'entry-apikey-0123456789abcdefgh', iamUrl: undefined }, 'iamUrl'],
  ])('refused: %s', (_name, settings, field) => {
    const error = refusal({ ...oauth, protectedBackends: [{ match: 'https://inv.example.com', name: 'inv', ...settings }] });
    const code = `ERR_MCA_INVALID_${field.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;
    expect(error).toMatchObject({ name: 'McaConfigError', code, field: `protectedBackends[0].${field}` });
    expect(leakedSecrets(error, [SECRET, INV_SECRET])).toEqual([]);
  });

  it("allowed: an entry without a client of its own keeps the middleware's server", () => {
    mw = mcaOAuth({ ...oauth, envFile: false, protectedBackends: [{ match: 'https://api.example.com', scope: 'orders', tokenUrl: undefined }] });
    expect(mw.backends.size).toBe(2);
  });
});
