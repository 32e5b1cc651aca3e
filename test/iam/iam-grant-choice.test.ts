// Which IAM credential and which IAM endpoint a configuration resolves to, and what an operator
// reads when the IAM settings name two credentials or half of one: the code, the field, where each
// value came from, and the fix. The endpoint cases fetch a token from the IAM-compatible server on
// loopback; the rest are construction only.
import { join } from 'node:path';
import { createTokenProvider, isMcaConfigError, mcaOAuth, type TokenProvider } from '../../lib';
import { resolveProviderConfig } from '../../lib/settings/resolve-config';
import { crTokenFile, startIamServer, type IamServer } from '../helpers/iam-server';
import { expectNoSecrets } from '../helpers/secrets';
import { thrown } from '../helpers/thrown';

const APIKEY = 'choice-Key_0123456789abcdefghijklmnopqrstuvwxyz';
const BOUND_KEY = 'bound-Key_zyxwvutsrqponmlkjihgfedcba9876543210';
const IAM_CLIENT_SECRET = 'bx-client-s3cret';
const { dir, file: crFile, token: CR_TOKEN } = crTokenFile('mca-iam-choice-');

/** The configuration error `options` resolve to, checked for the code and field and for no secret shown. */
function refusal(options: Record<string, unknown>): { code?: string; field?: string; message: string } {
  const error = thrown(() => resolveProviderConfig({ envFile: false, env: {}, ...options }));
  expect(isMcaConfigError(error)).toBe(true);
  expectNoSecrets(error, [APIKEY, BOUND_KEY, IAM_CLIENT_SECRET, CR_TOKEN]);
  return error;
}

describe('the IAM token endpoint an iamUrl leads to', () => {
  let iam: IamServer;
  const providers: TokenProvider[] = [];
  beforeEach(async () => {
    iam = await startIamServer({ apikeys: [APIKEY] });
  });
  afterEach(async () => {
    await Promise.all(providers.splice(0).map((p) => p.close()));
    await iam.close();
  });

  async function pathsRequested(iamUrl: string): Promise<string[]> {
    const provider = createTokenProvider({ env: {}, envFile: false, apikey: APIKEY, iamUrl, retries: 0 });
    providers.push(provider);
    expect(await provider.getAuthorizationHeader()).toBe(`Bearer ${iam.issued[0]}`);
    return iam.requests.map((r) => r.url);
  }

  it('an iamUrl ending in several slashes still gets one /identity/token', async () => {
    expect(await pathsRequested(`${iam.url}///`)).toEqual(['/identity/token']);
  });

  it('an iamUrl that already ends in /identity/token and several slashes is not doubled', async () => {
    expect(await pathsRequested(`${iam.url}/identity/token//`)).toEqual(['/identity/token']);
  });
});

describe('the grant a trusted profile resolves to', () => {
  it('a profile with its compute-resource token file is the cr-token grant, to IAM, with no client id', () => {
    expect(resolveProviderConfig({ env: {}, envFile: false, iamProfileName: 'reader', crTokenFile: crFile })).toMatchObject({
      clientAuth: 'iam_cr_token',
      endpointKind: 'iam',
      tokenUrl: 'https://iam.cloud.ibm.com/identity/token',
      clientId: undefined,
    });
  });
});

describe("a bound service's API key", () => {
  it('is refused next to a client id of the same binding, naming the service the key came from', () => {
    const VCAP_SERVICES = JSON.stringify({
      cloudantNoSQLDB: [{ name: 'orders-db', credentials: { apikey: BOUND_KEY, clientId: 'db-client' } }],
    });
    const error = refusal({ env: { VCAP_SERVICES }, serviceName: 'orders-db' });
    expect(error).toMatchObject({ code: 'ERR_MCA_CONFLICTING_OPTIONS', field: 'clientId' });
    expect(error.message).toMatch(
      /^Both an IAM grant \(from VCAP_SERVICES service "orders-db" credentials\.apikey\) and `clientId` \(from VCAP_SERVICES cloudantNoSQLDB\[0\]\.credentials\.clientId\) are configured: IAM's optional Basic client is `iamClientId` with `iamClientSecret`\. Remove one of them\.$/,
    );
  });
});

describe('IAM settings that name half a credential or two', () => {
  it('an IAM client id alone asks for the API key, with every way to give it', () => {
    const error = refusal({ iamClientId: 'bx' });
    expect(error).toMatchObject({ code: 'ERR_MCA_MISSING_APIKEY', field: 'apikey' });
    expect(error.message).toBe(
      'Missing `apikey`: IAM settings are given (from the `iamClientId` option) but no API key. Pass `apikey`, set MCA_APIKEY in the environment or .env, ' +
        'or pick a bound service whose credentials hold an `apikey` with `serviceName` (MCA_SERVICE_NAME); ' +
        'for a trusted profile, set MCA_IAM_PROFILE_ID, MCA_IAM_PROFILE_NAME or MCA_IAM_PROFILE_CRN.',
    );
  });

  it('an IAM client id without its secret names the secret as missing and the id as what was set', () => {
    const error = refusal({ apikey: APIKEY, iamClientId: 'bx' });
    expect(error).toMatchObject({ code: 'ERR_MCA_MISSING_IAM_CLIENT_SECRET', field: 'iamClientSecret' });
    expect(error.message).toBe(
      "Missing `iamClientSecret`: `iamClientId` is set (from the `iamClientId` option), and IAM's Basic client needs both. Pass `iamClientSecret` or set MCA_IAM_CLIENT_SECRET, or remove the other.",
    );
  });

  it('an IAM client secret without its id names the id as missing and the secret as what was set', () => {
    const error = refusal({ apikey: APIKEY, env: { MCA_IAM_CLIENT_SECRET: IAM_CLIENT_SECRET } });
    expect(error).toMatchObject({ code: 'ERR_MCA_MISSING_IAM_CLIENT_ID', field: 'iamClientId' });
    expect(error.message).toBe(
      "Missing `iamClientId`: `iamClientSecret` is set (from MCA_IAM_CLIENT_SECRET in the environment), and IAM's Basic client needs both. Pass `iamClientId` or set MCA_IAM_CLIENT_ID, or remove the other.",
    );
  });

  it('an API key next to a compute-resource token file (no profile) is refused as two credentials', () => {
    const error = refusal({ apikey: APIKEY, crTokenFile: crFile });
    expect(error).toMatchObject({ code: 'ERR_MCA_CONFLICTING_OPTIONS', field: 'apikey' });
    expect(error.message).toBe(
      'Both an IAM API key (from the `apikey` option) and a trusted profile (from the `crTokenFile` option) are configured. Give one: `apikey`, or a profile with its compute-resource token.',
    );
  });

  it('an API key next to a private key file says the key file belongs to another grant', () => {
    const error = refusal({ apikey: APIKEY, privateKeyFile: join(dir, 'key.pem') });
    expect(error).toMatchObject({ code: 'ERR_MCA_CONFLICTING_OPTIONS', field: 'privateKeyFile' });
    expect(error.message).toMatch(
      /`privateKeyFile` \(from the `privateKeyFile` option\) are configured: it belongs to the client-assertion grants, not to IAM\. Remove one of them\.$/,
    );
  });

  it('two trusted profiles: both sources are listed and the second is the field', () => {
    const error = refusal({ iamProfileId: 'P-1', env: { MCA_IAM_PROFILE_CRN: 'crn:v1:profile' }, crTokenFile: crFile });
    expect(error).toMatchObject({ code: 'ERR_MCA_CONFLICTING_OPTIONS', field: 'iamProfileCrn' });
    expect(error.message).toBe(
      'More than one trusted profile is configured (the `iamProfileId` option, MCA_IAM_PROFILE_CRN in the environment). Give one of `iamProfileId`, `iamProfileName`, `iamProfileCrn`.',
    );
  });

  it("two trusted profiles on a protectedBackends entry: the entry's field is named in full among the three", () => {
    const error = thrown(() =>
      mcaOAuth({
        env: {},
        envFile: false,
        apikey: APIKEY,
        protectedBackends: [{ match: 'https://orders.example.com', iamProfileId: 'P-1', iamProfileName: 'reader', crTokenFile: crFile }],
      }),
    );
    expect(isMcaConfigError(error)).toBe(true);
    expect(error).toMatchObject({ code: 'ERR_MCA_CONFLICTING_OPTIONS', field: 'protectedBackends[0].iamProfileName' });
    expect(error.message).toMatch(
      /\. Give one of `iamProfileId`, `protectedBackends\[0\]\.iamProfileName`, `iamProfileCrn`\. The entry is in the `protectedBackends` option\.$/,
    );
    expectNoSecrets(error, [APIKEY, CR_TOKEN]);
  });
});
