import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mcaOAuth } from '../lib';
import { PrivateKeyJwt } from '../lib/token/client-auth/private-key-jwt';
import { resolveDpopKey } from '../lib/settings/resolve-dpop-key';
import { createEnvSource } from '../lib/settings/env-source';
import { resolveSettings } from '../lib/settings/resolve-settings';
import { thrown } from './helpers/thrown';

// An entry's errors name the entry's field and where the list came from as they are built, down to
// the token core's key parsers and file readers, at startup and at fetch time alike.
const main = { env: {}, envFile: false, tokenUrl: 'http://127.0.0.1:9/token', clientId: 'main', secret: 'main-secret' } as const;
const inList = ' The entry is in the `protectedBackends` option.';
const pem = (bits: number): string => generateKeyPairSync('rsa', { modulusLength: bits }).privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'mca-entry-scope-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("an entry's errors are built naming the entry", () => {
  it("the key parser names the entry's `privateKey`, its origin and the list, with the field's code", () => {
    const error = thrown(() =>
      mcaOAuth({
        ...main,
        protectedBackends: [{ match: 'https://inv.example', clientId: 'inv', clientAuth: 'private_key_jwt', privateKey: pem(1024) }],
      }),
    );
    expect(error).toMatchObject({ code: 'ERR_MCA_INVALID_PRIVATE_KEY', field: 'protectedBackends[0].privateKey' });
    expect(
      error.message.startsWith('Invalid `protectedBackends[0].privateKey` (from `protectedBackends[0].privateKey`): an RSA 1024-bit key is too short'),
    ).toBe(true);
    expect(error.message.endsWith(inList)).toBe(true);
    // Named once, as built: nothing was prefixed or replaced afterwards.
    expect(error.message.split('protectedBackends[0].privateKey').length).toBe(3);
  });

  it("a key file that goes away after startup fails the fetch naming the entry's `privateKeyFile`", async () => {
    const path = join(dir, 'key.pem');
    writeFileSync(path, pem(2048));
    const scope = { prefix: 'protectedBackends[3].', note: inList };
    const auth = new PrivateKeyJwt({
      clientId: 'c',
      key: { kind: 'file', path, origin: '`protectedBackends[3].privateKeyFile`' },
      x5t: false,
      x5c: false,
      scope,
    });
    await expect(auth.prepare({ tokenUrl: 'http://127.0.0.1:9/token', now: Date.now() })).resolves.toBeDefined();
    unlinkSync(path);
    const error = (await auth.prepare({ tokenUrl: 'http://127.0.0.1:9/token', now: Date.now() }).catch((e: unknown) => e)) as Error & { code?: string };
    expect(error).toMatchObject({ code: 'ERR_MCA_INVALID_PRIVATE_KEY_FILE', field: 'protectedBackends[3].privateKeyFile' });
    expect(error.message).toBe(
      `Invalid \`protectedBackends[3].privateKeyFile\` (from file ${path}): the file cannot be read (ENOENT). Fix the path or the file's permissions.${inList}`,
    );
  });

  it("the middleware's own key errors keep the bare field", () => {
    const error = thrown(() => mcaOAuth({ ...main, secret: undefined, clientAuth: 'private_key_jwt', privateKey: 'not a key' }));
    expect(error).toMatchObject({ code: 'ERR_MCA_INVALID_PRIVATE_KEY', field: 'privateKey' });
    expect(error.message).toBe(
      'Invalid `privateKey` (from the `privateKey` option): it is not a private key in PEM (PKCS#8, PKCS#1, SEC1), a private JWK, or a KeyObject.',
    );
  });

  it.each([
    ['dpopKey', 'ERR_MCA_INVALID_DPOP_KEY'],
    ['dpopKeyFile', 'ERR_MCA_INVALID_DPOP_KEY_FILE'],
  ] as const)('an RSA key as `%s` is refused naming that setting', (field, code) => {
    const path = join(dir, `rsa-${field}.pem`);
    writeFileSync(path, pem(2048));
    const options = field === 'dpopKey' ? { dpopKey: pem(2048) } : { dpopKeyFile: path };
    const error = thrown(() => resolveDpopKey(resolveSettings(options, 'middleware', createEnvSource({}, false))));
    expect(error).toMatchObject({ code, field });
    expect(error.message).toBe(`Invalid \`${field}\`: it must be a P-256 (ES256) private key.`);
  });
});
