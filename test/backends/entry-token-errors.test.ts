// What an operator reads when a `protectedBackends` entry's own token settings are wrong: the code,
// the field, where the value came from, and the fix in the message. Each mistake is one a real
// list makes: a client id without its secret, a setting built from an unset variable, a tenant
// given twice, an IAM client without its key, a profile entry pointed at another IAM. An entry that
// half-names a client must be refused, never completed with the middleware's credential.
// Construction only: nothing here fetches a token.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mcaOAuth, type McaOAuthMiddleware } from '../../lib';
import { leakedSecrets } from '../helpers/leak-watch';
import { thrown } from '../helpers/thrown';

const SECRET = 'entry-token-s3cret';
const ENTRY_SECRET = 'entry-own-s3cret';
const APIKEY = 'main-apikey-0123456789abcdefghij';
const CR_TOKEN = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ3b3JrbG9hZCJ9.d29ya2xvYWQtc2lnbmF0dXJl';
const dir = mkdtempSync(join(tmpdir(), 'entry-token-errors-'));
const crFile = join(dir, 'sa-token');
writeFileSync(crFile, CR_TOKEN);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const made: McaOAuthMiddleware[] = [];
afterEach(async () => {
  await Promise.all(made.splice(0).map((mw) => mw.close()));
});

const oauth = { env: {}, envFile: false, clientId: 'main-client', secret: SECRET, tokenUrl: 'https://tokens.example.com/token' };
const mca = { env: {}, envFile: false, clientId: 'main-client', secret: SECRET, serverUrl: 'https://mca.example.com/imf', tenantId: 't-0' };
const iam = { env: {}, envFile: false, apikey: APIKEY };
const profile = { env: {}, envFile: false, iamProfileName: 'main-profile', crTokenFile: crFile, iamUrl: 'https://iam.example.com' };

function build(base: Record<string, unknown>, entry: Record<string, unknown>): McaOAuthMiddleware {
  const mw = mcaOAuth({ ...base, protectedBackends: [{ match: 'https://orders.example.com', ...entry }] });
  made.push(mw);
  return mw;
}

// `entry`, the middleware it sits under, then what the operator must read.
type Refusal = [string, Record<string, unknown>, Record<string, unknown>, string, string, RegExp];

describe("an entry's client is its own, whole, or refused", () => {
  it.each<Refusal>([
    [
      'a clientId without its secret',
      oauth,
      { clientId: 'inv-client' },
      'ERR_MCA_MISSING_SECRET',
      'secret',
      /: the entry sets its own `clientId` but no `secret`; it never borrows the middleware's\. Set it on the entry \(from your secret store/,
    ],
    [
      'a clientId with client_secret_post and no secret (a secret, not a key, is missing)',
      oauth,
      { clientId: 'inv-client', clientAuth: 'post' },
      'ERR_MCA_MISSING_SECRET',
      'secret',
      /: the entry sets its own `clientId` but no `secret`; it never borrows the middleware's\./,
    ],
    [
      'a clientId with private_key_jwt (any case) and no key',
      oauth,
      { clientId: 'inv-client', clientAuth: 'PRIVATE_KEY_JWT' },
      'ERR_MCA_MISSING_PRIVATE_KEY',
      'privateKey',
      /: the entry sets its own `clientId` but no `privateKey` or `privateKeyFile`; it never borrows the middleware's\./,
    ],
    [
      'a secret without its clientId',
      oauth,
      { secret: ENTRY_SECRET },
      'ERR_MCA_MISSING_CLIENT_ID',
      'clientId',
      /: the entry sets a `secret` but no `clientId`\. Set the `clientId` it belongs to\./,
    ],
    [
      'a token file without a trusted profile',
      iam,
      { crTokenFile: crFile },
      'ERR_MCA_MISSING_IAM_PROFILE_ID',
      'iamProfileId',
      /: the entry sets a `crTokenFile` but no trusted profile; it never assumes the middleware's with another token\. Set `iamProfileId`, `iamProfileName` or `iamProfileCrn` on the entry\./,
    ],
    [
      "an IAM client id without an API key (the middleware's is not lent)",
      iam,
      { iamClientId: 'bx' },
      'ERR_MCA_MISSING_APIKEY',
      'apikey',
      /: the entry sets an `iamClientId` but no `apikey` or trusted profile; it never lends the middleware's to another IAM client\. Set the `apikey` \(or profile\) on the entry\./,
    ],
    [
      'an IAM client secret without an API key',
      iam,
      { iamClientSecret: 'bx-client-s3cret' },
      'ERR_MCA_MISSING_APIKEY',
      'apikey',
      /: the entry sets an `iamClientSecret` but no `apikey` or trusted profile;/,
    ],
  ])('refused: %s', (_name, base, entry, code, field, fix) => {
    const error = thrown(() => build(base, entry));
    expect(error).toMatchObject({ name: 'McaConfigError', code, field: `protectedBackends[0].${field}` });
    expect(error.message).toMatch(fix);
    expect(error.message).toContain('The entry is in the `protectedBackends` option.');
    expect(leakedSecrets(error, [SECRET, ENTRY_SECRET, APIKEY, CR_TOKEN])).toEqual([]);
  });
});

describe('a setting present but undefined (an unset environment variable) is refused, never filled in', () => {
  const unsetFix =
    /: it is present but undefined \(an unset environment variable\?\)\. Without it the entry would get another client's token\. Give it a value, or remove the key to use the middleware's token\./;
  it.each<Refusal>([
    // `clientId: process.env.INV_CLIENT_ID` unset: the entry would be a plain audience entry on the middleware's client.
    ['a clientId', oauth, { clientId: undefined, audience: 'inventory-api' }, 'ERR_MCA_INVALID_CLIENT_ID', 'clientId', unsetFix],
    // The profile would assume its role with the middleware's workload token.
    ['a profile entry’s token file', iam, { iamProfileId: 'P-2', crTokenFile: undefined }, 'ERR_MCA_INVALID_CR_TOKEN_FILE', 'crTokenFile', unsetFix],
    // Both unset: the credential is what is missing first, so that is the field named.
    ['a secret and the token URL', oauth, { clientId: 'inv-client', secret: undefined, tokenUrl: undefined }, 'ERR_MCA_INVALID_SECRET', 'secret', unsetFix],
    [
      "the token URL of an entry's own client",
      oauth,
      { clientId: 'inv-client', secret: ENTRY_SECRET, tokenUrl: undefined },
      'ERR_MCA_INVALID_TOKEN_URL',
      'tokenUrl',
      /: it is present but undefined \(an unset environment variable\?\)\. Without it the entry's own client would send its credential to the middleware's token server\. Give it a value, or remove the key to use the middleware's server\./,
    ],
  ])('refused: %s', (_name, base, entry, code, field, fix) => {
    const error = thrown(() => build(base, entry));
    expect(error).toMatchObject({ name: 'McaConfigError', code, field: `protectedBackends[0].${field}` });
    expect(error.message).toMatch(fix);
    expect(leakedSecrets(error, [SECRET, ENTRY_SECRET, APIKEY, CR_TOKEN])).toEqual([]);
  });
});

describe("an entry's token strings", () => {
  it.each<[string, unknown]>([
    ['a number', 42],
    ['blank', '  '],
    ['empty', ''],
  ])('a scope that is %s is refused as not a non-empty string', (_name, scope) => {
    const error = thrown(() => build(oauth, { scope }));
    expect(error).toMatchObject({ name: 'McaConfigError', code: 'ERR_MCA_INVALID_SCOPE', field: 'protectedBackends[0].scope' });
    expect(error.message).toBe('Invalid `protectedBackends[0].scope`: it must be a non-empty string. The entry is in the `protectedBackends` option.');
  });

  it('a tenantId and an appId that differ are refused: the entry would get a token for one tenant or the other', () => {
    const error = thrown(() => build(mca, { tenantId: 't-1', appId: 't-2' }));
    expect(error).toMatchObject({ name: 'McaConfigError', code: 'ERR_MCA_CONFLICTING_OPTIONS', field: 'protectedBackends[0].tenantId' });
    expect(error.message).toMatch(/: `tenantId` and `appId` are synonyms but were given different values\. Pass only one of them\./);
  });

  // The tenant is checked as a tenant, whichever name the entry gave it; the message says which.
  it.each<[string, Record<string, unknown>, string]>([
    ['an appId', { appId: 'a/b' }, 'appId'],
    ['a tenantId', { tenantId: 'a/b' }, 'tenantId'],
    ['a tenantId and the same appId', { tenantId: 'a/b', appId: 'a/b' }, 'tenantId'],
  ])('a bad tenant given as %s names the key the entry used', (_name, entry, from) => {
    const error = thrown(() => build(mca, entry));
    expect(error).toMatchObject({ name: 'McaConfigError', code: 'ERR_MCA_INVALID_TENANT_ID', field: 'protectedBackends[0].tenantId' });
    expect(error.message).toContain(`Invalid \`protectedBackends[0].tenantId\` (from \`protectedBackends[0].${from}\`): it must be a string`);
  });
});

it("a profile entry on another IAM without a token file of its own is told the workload's token would go there", () => {
  const error = thrown(() => build(profile, { iamProfileId: 'P-2', iamUrl: 'https://collector.example.net' }));
  expect(error).toMatchObject({ name: 'McaConfigError', code: 'ERR_MCA_BORROWED_CREDENTIAL', field: 'protectedBackends[0].iamUrl' });
  expect(error.message).toMatch(
    /: the entry's IAM is on another origin than the middleware's, and the entry takes the middleware's compute-resource token file, so the workload's token would go there\. Name the entry's own `crTokenFile`, or point it at the middleware's IAM \(`iamUrl`, MCA_IAM_URL\)\./,
  );
  expect(leakedSecrets(error, [CR_TOKEN])).toEqual([]);
});
