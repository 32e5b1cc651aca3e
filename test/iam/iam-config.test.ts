import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { isMcaConfigError } from '../../lib';
import { resolveProviderConfig } from '../../lib/settings/resolve-config';
import { DEFAULT_CR_TOKEN_FILES } from '../../lib/token/client-auth/compute-resource-token';
import { IamApiKey } from '../../lib/token/client-auth/iam-api-key';
import { ComputeResourceToken } from '../../lib/token/client-auth/compute-resource-token';
import { AssertionFile } from '../../lib/token/client-auth/assertion-file';
import type { ClientAuth } from '../../lib/token/client-auth/client-auth';
import { fakeJwt } from '../helpers/iam-server';
import { readFirstTokenFile, readFirstTokenFileSync } from '../../lib/token/client-auth/token-file';
import { expectNoSecrets } from '../helpers/secrets';

// Configuration errors of the IAM and assertion-file grants: each names the field and where it
// may come from; none shows an API key or a file's content.
const APIKEY = 'cfg-Key_0123456789abcdefghijklmnopqrstuvwxyz0';
const dir = mkdtempSync(join(tmpdir(), 'mca-iam-cfg-'));
const tokenFile = join(dir, 'token');
const emptyFile = join(dir, 'empty');
const notJwt = join(dir, 'not-jwt');
const CONTENT = fakeJwt('cfg');
const SECRET_LINE = 'password=hunter2-not-a-jwt';
writeFileSync(tokenFile, CONTENT);
writeFileSync(emptyFile, ' \n');
writeFileSync(notJwt, SECRET_LINE);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function resolve(options: Record<string, unknown>): ReturnType<typeof resolveProviderConfig> {
  return resolveProviderConfig({ envFile: false, env: {}, ...options });
}

function failure(options: Record<string, unknown>): { code: string; field?: string; message: string } {
  try {
    resolve(options);
  } catch (error) {
    expect(isMcaConfigError(error)).toBe(true);
    expectNoSecrets(error, [APIKEY, CONTENT, SECRET_LINE, 'iam-client-s3cret']);
    return error as { code: string; field?: string; message: string };
  }
  throw new Error('expected a McaConfigError');
}

describe('IAM and assertion-file configuration errors', () => {
  it.each<[string, Record<string, unknown>, string, string, RegExp]>([
    ['no API key, IAM URL set', { iamUrl: 'https://iam.test.cloud.ibm.com' }, 'ERR_MCA_MISSING_APIKEY', 'apikey', /MCA_APIKEY.*serviceName/],
    [
      'an apikey and a secret',
      { apikey: APIKEY, secret: 'x' },
      'ERR_MCA_CONFLICTING_OPTIONS',
      'secret',
      /from the `apikey` option\) and `secret` \(from the `secret` option\)/,
    ],
    [
      'an apikey (env) and a secret (env)',
      { env: { MCA_APIKEY: APIKEY, MCA_SECRET: 'x' } },
      'ERR_MCA_CONFLICTING_OPTIONS',
      'secret',
      /from MCA_APIKEY in the environment\) and `secret` \(from MCA_SECRET in the environment\)/,
    ],
    ['an apikey and a tokenUrl', { apikey: APIKEY, tokenUrl: 'https://auth.example.com/token' }, 'ERR_MCA_CONFLICTING_OPTIONS', 'tokenUrl', /iamUrl/],
    ['an apikey and a clientId', { apikey: APIKEY, clientId: 'c' }, 'ERR_MCA_CONFLICTING_OPTIONS', 'clientId', /iamClientId/],
    [
      'an apikey and a private key file',
      { apikey: APIKEY, privateKeyFile: '/k.pem' },
      'ERR_MCA_CONFLICTING_OPTIONS',
      'privateKeyFile',
      /from the `privateKeyFile` option/,
    ],
    ['an apikey and an audience', { apikey: APIKEY, audience: 'a' }, 'ERR_MCA_CONFLICTING_OPTIONS', 'audience', /IAM takes no `audience`/],
    [
      'an apikey and a profile',
      { apikey: APIKEY, iamProfileId: 'p' },
      'ERR_MCA_CONFLICTING_OPTIONS',
      'apikey',
      /trusted profile \(from the `iamProfileId` option\)/,
    ],
    [
      'a token file and no profile',
      { crTokenFile: tokenFile },
      'ERR_MCA_MISSING_IAM_PROFILE_ID',
      'iamProfileId',
      /MCA_IAM_PROFILE_ID, MCA_IAM_PROFILE_NAME or MCA_IAM_PROFILE_CRN/,
    ],
    ['two profiles', { iamProfileId: 'p', iamProfileName: 'n', crTokenFile: tokenFile }, 'ERR_MCA_CONFLICTING_OPTIONS', 'iamProfileName', /iamProfileCrn/],
    [
      'a missing token file',
      { iamProfileId: 'p', crTokenFile: join(dir, 'nope') },
      'ERR_MCA_INVALID_CR_TOKEN_FILE',
      'crTokenFile',
      /nope\): the file cannot be read \(ENOENT\)/,
    ],
    ['an empty token file', { iamProfileId: 'p', crTokenFile: emptyFile }, 'ERR_MCA_INVALID_CR_TOKEN_FILE', 'crTokenFile', /empty\): the file is empty/],
    ['a token file that is not a JWT', { iamProfileId: 'p', crTokenFile: notJwt }, 'ERR_MCA_INVALID_CR_TOKEN_FILE', 'crTokenFile', /does not hold a JWT/],
    [
      'an IAM client id without its secret',
      { apikey: APIKEY, iamClientId: 'bx' },
      'ERR_MCA_MISSING_IAM_CLIENT_SECRET',
      'iamClientSecret',
      /MCA_IAM_CLIENT_SECRET/,
    ],
    [
      'an IAM client secret without its id',
      { apikey: APIKEY, env: { MCA_IAM_CLIENT_SECRET: 'iam-client-s3cret' } },
      'ERR_MCA_MISSING_IAM_CLIENT_ID',
      'iamClientId',
      /from MCA_IAM_CLIENT_SECRET in the environment/,
    ],
    [
      'an apikey with a trailing newline (.env)',
      { env: { MCA_APIKEY: `${APIKEY}\n` } },
      'ERR_MCA_INVALID_APIKEY',
      'apikey',
      /`apikey` \(from MCA_APIKEY in the environment\): it has leading or trailing whitespace/,
    ],
    [
      'an http iamUrl beyond loopback',
      { apikey: APIKEY, iamUrl: 'http://iam.example.com' },
      'ERR_MCA_INVALID_IAM_URL',
      'iamUrl',
      /from the `iamUrl` option\): it is plain http:\/\/ to a host other than loopback.*allowInsecureHttp/,
    ],
    ['an iamUrl with a query', { apikey: APIKEY, iamUrl: 'https://iam.cloud.ibm.com?x=1' }, 'ERR_MCA_INVALID_IAM_URL', 'iamUrl', /"\?"/],
    ['an iamUrl with userinfo', { apikey: APIKEY, iamUrl: 'https://u:p@iam.cloud.ibm.com' }, 'ERR_MCA_INVALID_IAM_URL', 'iamUrl', /user:password/],
    [
      'an assertion file and a secret',
      { clientId: 'c', tokenUrl: 'https://a.example/token', clientAssertionFile: tokenFile, secret: 's' },
      'ERR_MCA_CONFLICTING_OPTIONS',
      'clientAssertionFile',
      /`secret`/,
    ],
    [
      'an assertion file that is missing',
      { clientId: 'c', tokenUrl: 'https://a.example/token', clientAssertionFile: join(dir, 'gone') },
      'ERR_MCA_INVALID_CLIENT_ASSERTION_FILE',
      'clientAssertionFile',
      /gone\)/,
    ],
    [
      'an assertion file without a client id',
      { tokenUrl: 'https://a.example/token', clientAssertionFile: tokenFile },
      'ERR_MCA_MISSING_CLIENT_ID',
      'clientId',
      /MCA_CLIENT_ID/,
    ],
  ])('%s', (_name, options, code, field, message) => {
    const error = failure(options);
    expect(error.code).toBe(code);
    expect(error.field).toBe(field);
    expect(error.message).toMatch(message);
  });

  it('no default compute-resource token file on this machine: the error lists the three paths', () => {
    if (DEFAULT_CR_TOKEN_FILES.some((path) => existsSync(path))) return; // on a real cluster node
    const error = failure({ iamProfileName: 'p' });
    expect(error).toMatchObject({ code: 'ERR_MCA_MISSING_CR_TOKEN_FILE', field: 'crTokenFile' });
    for (const path of DEFAULT_CR_TOKEN_FILES) expect(error.message).toContain(path);
  });

  it('the default files: the first that exists is read, at each request; one that exists but is unusable is an error, not a switch to the next', async () => {
    const missing = join(dir, 'absent');
    await expect(readFirstTokenFile('crTokenFile', [missing, tokenFile, emptyFile])).resolves.toMatchObject({ path: tokenFile, token: CONTENT });
    expect(readFirstTokenFileSync('crTokenFile', [missing, tokenFile])).toMatchObject({ path: tokenFile, token: CONTENT });
    await expect(readFirstTokenFile('crTokenFile', [missing, emptyFile, tokenFile])).rejects.toMatchObject({ code: 'ERR_MCA_INVALID_CR_TOKEN_FILE' });
    await expect(readFirstTokenFile('crTokenFile', [missing])).resolves.toBeUndefined();
  });

  it('defaults: https://iam.cloud.ibm.com, one /identity/token, scope kept, no client id', () => {
    expect(resolve({ apikey: APIKEY, scope: 'ibm openid' })).toMatchObject({
      tokenUrl: 'https://iam.cloud.ibm.com/identity/token',
      endpointKind: 'iam',
      clientAuth: 'iam_apikey',
      clientId: undefined,
      scope: 'ibm openid',
    });
    expect(resolve({ apikey: APIKEY, iamUrl: 'https://private.iam.cloud.ibm.com/identity/token' }).tokenUrl).toBe(
      'https://private.iam.cloud.ibm.com/identity/token',
    );
    expect(resolve({ apikey: APIKEY, iamUrl: 'http://iam.example.com', allowInsecureHttp: true }).tokenUrl).toBe('http://iam.example.com/identity/token');
  });
});

describe('the three grants on the client-authentication seam', () => {
  // Built inside the test, not when the suite is collected: a broken constructor fails these tests.
  const grants: Record<string, () => ClientAuth> = {
    iam_apikey: () => new IamApiKey({ apikey: APIKEY, origin: 'option apikey', client: { id: 'bx', secret: 'iam-client-s3cret' } }),
    iam_cr_token: () => new ComputeResourceToken({ file: { path: tokenFile, origin: 'option crTokenFile' }, profile: { field: 'profile_id', value: 'p' } }),
    assertion_file: () => new AssertionFile({ clientId: 'c', path: tokenFile, origin: 'option clientAssertionFile' }),
  };
  it.each(Object.keys(grants))('%s shows no key, client secret or file content in inspect, JSON, describe() or cache key parts', async (name) => {
    const auth = grants[name]!();
    const request = await auth.prepare({ tokenUrl: 'http://x', now: Date.now() });
    expect(JSON.stringify(request)).toMatch(new RegExp(`${APIKEY}|${CONTENT.replace(/\./g, '\\.')}`));
    const shown = [inspect(auth, { depth: 10, showHidden: true }), JSON.stringify(auth), JSON.stringify(auth.describe()), auth.cacheKeyParts.join()].join('\n');
    for (const secret of [APIKEY, CONTENT, 'iam-client-s3cret', Buffer.from('bx:iam-client-s3cret').toString('base64')]) expect(shown).not.toContain(secret);
  });
});
