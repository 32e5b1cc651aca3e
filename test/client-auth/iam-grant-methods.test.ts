import { scryptSync } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IamApiKey } from '../../lib/token/client-auth/iam-api-key';
import { ComputeResourceToken, DEFAULT_CR_TOKEN_FILES, type ComputeResourceTokenSettings } from '../../lib/token/client-auth/compute-resource-token';
import type { FieldScope } from '../../lib/errors/field-scope';
import { fakeJwt } from '../helpers/iam-server';

// IBM's IAM grants as an operator meets them: which settings make two configurations (two caches,
// two store keys), the IAM client line of `check`, and the error when no token file is mounted.
const dir = mkdtempSync(join(tmpdir(), 'mca-iam-grants-'));
const crFile = join(dir, 'cr-token');
const otherCrFile = join(dir, 'other-cr-token');
writeFileSync(crFile, fakeJwt('crn:compute'));
writeFileSync(otherCrFile, fakeJwt('crn:compute'));
const ENTRY: FieldScope = { prefix: 'protectedBackends[0].', note: ' The entry is in the `protectedBackends` option.' };
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function crToken(overrides: Partial<ComputeResourceTokenSettings> = {}): ComputeResourceToken {
  return new ComputeResourceToken({
    file: { path: crFile, origin: 'option crTokenFile' },
    profile: { field: 'profile_id', value: 'Profile-1' },
    ...overrides,
  });
}

describe('iam_apikey: which settings make another configuration', () => {
  it('the same API key with another IAM client id or secret is another configuration', () => {
    const key = (client?: { id: string; secret: string }): readonly string[] =>
      new IamApiKey({ apikey: 'apikey-value', origin: 'option apikey', client }).cacheKeyParts;
    expect(key({ id: 'a', secret: 's' })).not.toEqual(key({ id: 'b', secret: 's' }));
    expect(key({ id: 'a', secret: 's' })).not.toEqual(key({ id: 'a', secret: 't' }));
    expect(key({ id: 'a', secret: 's' })).toEqual(key({ id: 'a', secret: 's' }));
  });
});

describe('IAM fingerprints a fleet shares across versions', () => {
  // The derivation is scrypt with a fixed salt per purpose (as test/secret-oracle.test.ts pins it for
  // a client secret): a rolling upgrade that changed it would leave old and new processes with two
  // cache keys and two store keys for one credential in a shared Redis.
  const derived = (purpose: string, secrets: string[]): Buffer =>
    scryptSync(JSON.stringify(secrets), `express-mca-oauth ${purpose} fingerprint v1`, 64, { N: 1 << 14, r: 8, p: 1 });

  it('the API key fingerprint `check` shows is the v1 derivation of the key and the (absent) IAM client', () => {
    const apikeyLine = (client?: { id: string; secret: string }): string =>
      new IamApiKey({ apikey: 'fleet-apikey', origin: 'option apikey', client }).describe().find((line) => line.label === 'apikey')!.value;
    expect(apikeyLine()).toBe(`**** (from option apikey), fingerprint ${derived('iam apikey', ['fleet-apikey', '', '']).toString('hex').slice(0, 12)}`);
    expect(apikeyLine({ id: 'bx', secret: 'bx-secret' })).toContain(derived('iam apikey', ['fleet-apikey', 'bx', 'bx-secret']).toString('hex').slice(0, 12));
  });

  it('the compute-resource grant keys its IAM client by the v1 derivation, in the cache key and the store key', () => {
    const slow = derived('iam client', ['bx', 'bx-secret']);
    const auth = crToken({ client: { id: 'bx', secret: 'bx-secret' } });
    expect(auth.cacheKeyParts).toContain(slow.subarray(0, 32).toString('hex'));
    expect(auth.storeKeyMaterial()).toContain(slow.subarray(32).toString('base64'));
  });
});

describe('the IAM client line of `check`', () => {
  it('names the IAM client id, last, never its secret; no line without a client', () => {
    const withClient = new IamApiKey({ apikey: 'apikey-value', origin: 'option apikey', client: { id: 'bx', secret: 'client-s3cret' } }).describe();
    expect(withClient[withClient.length - 1]).toEqual({ label: 'iamClientId', value: 'bx (Basic client of the IAM token service; secret ****)' });
    expect(JSON.stringify(withClient)).not.toContain('client-s3cret');
    const crLines = crToken({ client: { id: 'bx', secret: 'client-s3cret' } }).describe();
    expect(crLines.map((line) => line.label)).toEqual(['grant', 'profile', 'crTokenFile', 'iamClientId']);
    expect(new IamApiKey({ apikey: 'apikey-value', origin: 'option apikey' }).describe().map((line) => line.label)).not.toContain('iamClientId');
  });
});

describe('iam_cr_token: which settings make another configuration', () => {
  it('another profile, file or IAM client is another cache entry; the same settings the same one', () => {
    const base = crToken().cacheKeyParts;
    expect(crToken().cacheKeyParts).toEqual(base);
    expect(crToken({ profile: { field: 'profile_id', value: 'Profile-2' } }).cacheKeyParts).not.toEqual(base);
    expect(crToken({ profile: { field: 'profile_name', value: 'Profile-1' } }).cacheKeyParts).not.toEqual(base);
    expect(crToken({ file: { path: otherCrFile, origin: 'option crTokenFile' } }).cacheKeyParts).not.toEqual(base);
    const withClient = (secret: string): readonly string[] => crToken({ client: { id: 'bx', secret } }).cacheKeyParts;
    expect(withClient('s1')).not.toEqual(base);
    expect(withClient('s1')).not.toEqual(withClient('s2'));
  });

  it("the store key differs by profile and by the IAM client's secret", () => {
    const base = crToken().storeKeyMaterial();
    expect(crToken().storeKeyMaterial()).toBe(base);
    expect(crToken({ profile: { field: 'profile_id', value: 'Profile-2' } }).storeKeyMaterial()).not.toBe(base);
    const withClient = (secret: string): string => crToken({ client: { id: 'bx', secret } }).storeKeyMaterial();
    expect(withClient('s1')).not.toBe(base);
    expect(withClient('s1')).not.toBe(withClient('s2'));
    expect(withClient('s1')).not.toContain('s1');
  });
});

describe('iam_cr_token: no file configured and none mounted', () => {
  it('lists the default files it looked for and names the setting to pass, for an entry too', () => {
    // The suite runs where the platform mounts none of IBM's default files.
    expect(DEFAULT_CR_TOKEN_FILES.filter((path) => existsSync(path))).toEqual([]);
    let error: { code?: string; field?: string; message: string } | undefined;
    try {
      crToken({ file: undefined, scope: ENTRY });
    } catch (caught) {
      error = caught as typeof error;
    }
    expect(error).toMatchObject({ code: 'ERR_MCA_MISSING_CR_TOKEN_FILE', field: 'protectedBackends[0].crTokenFile' });
    expect(error!.message).toBe(
      `Missing compute-resource token file: none of ${DEFAULT_CR_TOKEN_FILES[0]}, ${DEFAULT_CR_TOKEN_FILES[1]}, ${DEFAULT_CR_TOKEN_FILES[2]} exists. ` +
        'On Code Engine, IKS or OpenShift the platform mounts one; elsewhere pass `protectedBackends[0].crTokenFile` or set MCA_CR_TOKEN_FILE. ' +
        'The entry is in the `protectedBackends` option.',
    );
  });
});
