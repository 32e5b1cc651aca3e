// Keys and certificates of the assertion methods as an operator meets them: which keys sign with
// which algorithm (and which are refused, with what message), what a key or certificate file may
// be, the thumbprint `check` and the cache key show, and a certificate's state in `check`.
import {
  X509Certificate,
  constants,
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  verify,
  type JsonWebKey,
  type KeyObject,
  type RSAPSSKeyPairKeyObjectOptions,
} from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { descriptorsOpenOn } from './helpers/open-descriptors';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTokenProvider } from '../lib';
import {
  MAX_MATERIAL_FILE_BYTES,
  commonName,
  describeCertificate,
  keyThumbprint,
  readMaterialFile,
  readMaterialFileSync,
} from '../lib/token/client-auth/key-material';
import { TestCa, rsaKey } from './helpers/certificates';
import { startTokenServer, type TokenServer } from './helpers/token-server';
import { thrown } from './helpers/thrown';

const dir = mkdtempSync(join(tmpdir(), 'mca-key-material-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const base = { env: {}, envFile: false, tokenUrl: 'http://127.0.0.1:9/token', clientId: 'c', clientAuth: 'private_key_jwt' } as const;
const pem = (key: KeyObject): string => key.export({ format: 'pem', type: 'pkcs8' }) as string;
const rsa = (modulusLength = 2048): KeyObject => generateKeyPairSync('rsa', { modulusLength }).privateKey;
const rsaPss = (modulusLength = 2048): KeyObject => generateKeyPairSync('rsa-pss', { modulusLength }).privateKey;
// @types/node types the salt length of these options as a string; node:crypto takes a number.
const rsaPssWith = (parameters: { hashAlgorithm: string; mgf1HashAlgorithm: string; saltLength: number }): KeyObject =>
  generateKeyPairSync('rsa-pss', { modulusLength: 2048, ...parameters } as unknown as RSAPSSKeyPairKeyObjectOptions).privateKey;
const ec = (namedCurve = 'P-256'): KeyObject => generateKeyPairSync('ec', { namedCurve }).privateKey;

describe('which key signs with which algorithm', () => {
  let server: TokenServer;
  beforeEach(async () => {
    server = await startTokenServer();
  });
  afterEach(() => server.close());

  /** The assertion the token server received, with its header decoded and its signature checked. */
  async function assertionFor(privateKey: KeyObject, signingAlgorithm?: 'RS256' | 'PS256' | 'ES256'): Promise<{ alg: string; verified: boolean }> {
    server.script.push({ status: 200, body: { access_token: 'jwt-token', token_type: 'Bearer', expires_in: 3600 } });
    const provider = createTokenProvider({
      ...base,
      tokenUrl: `${server.origin}/token`,
      privateKey: pem(privateKey),
      ...(signingAlgorithm ? { signingAlgorithm } : {}),
    });
    try {
      expect(await provider.getAuthorizationHeader()).toBe('Bearer jwt-token');
    } finally {
      await provider.close();
    }
    const assertion = new URLSearchParams(server.requests.at(-1)!.body).get('client_assertion')!;
    const [header, payload, signature] = assertion.split('.') as [string, string, string];
    const { alg } = JSON.parse(Buffer.from(header, 'base64url').toString()) as { alg: string };
    const data = Buffer.from(`${header}.${payload}`);
    const publicKey = privateKey;
    const sig = Buffer.from(signature, 'base64url');
    const verified =
      alg === 'RS256'
        ? verify('sha256', data, { key: publicKey, padding: constants.RSA_PKCS1_PADDING }, sig)
        : alg === 'PS256'
          ? verify('sha256', data, { key: publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }, sig)
          : verify('sha256', data, { key: publicKey, dsaEncoding: 'ieee-p1363' }, sig);
    return { alg, verified };
  }

  it.each([
    ['an RSA key', () => rsa(), undefined, 'RS256'],
    ['an RSA key, PS256 requested', () => rsa(), 'PS256', 'PS256'],
    ['an RSA key, RS256 requested', () => rsa(), 'RS256', 'RS256'],
    ['an RSA-PSS key', () => rsaPss(), undefined, 'PS256'],
    ['an RSA-PSS key, PS256 requested', () => rsaPss(), 'PS256', 'PS256'],
    [
      'an RSA-PSS key with SHA-256 parameters and a 32-byte salt',
      () => rsaPssWith({ hashAlgorithm: 'sha256', mgf1HashAlgorithm: 'sha256', saltLength: 32 }),
      undefined,
      'PS256',
    ],
    ['an EC P-256 key', () => ec(), undefined, 'ES256'],
    ['an EC P-256 key, ES256 requested', () => ec(), 'ES256', 'ES256'],
  ] as const)('%s signs %s → %s, and the server can verify it', async (_name, key, requested, expected) => {
    expect(await assertionFor(key(), requested)).toEqual({ alg: expected, verified: true });
  });

  it.each([
    ['RS256', 'an EC P-256 key', () => ec(), 'RS256 cannot be used with an EC P-256 key.'],
    ['PS256', 'an EC P-256 key', () => ec(), 'PS256 cannot be used with an EC P-256 key.'],
    ['ES256', 'an RSA key', () => rsa(), 'ES256 cannot be used with an RSA 2048-bit key.'],
    ['ES256', 'an RSA-PSS key', () => rsaPss(), 'ES256 cannot be used with an RSA-PSS 2048-bit key.'],
    ['RS256', 'an RSA-PSS key', () => rsaPss(), 'RS256 cannot be used with an RSA-PSS 2048-bit key.'],
    ['ES256', 'an EC P-384 key', () => ec('P-384'), 'ES256 cannot be used with an EC secp384r1 key.'],
  ] as const)('signingAlgorithm %s with %s is refused at startup, naming both', (signingAlgorithm, _name, key, message) => {
    const error = thrown(() => createTokenProvider({ ...base, privateKey: pem(key()), signingAlgorithm }));
    expect(error).toMatchObject({ code: 'ERR_MCA_INVALID_SIGNING_ALGORITHM', field: 'signingAlgorithm' });
    expect(error.message).toContain(`(from the \`privateKey\` option): ${message}`);
  });

  it.each([
    ['an EC P-384 key', () => ec('P-384'), 'an EC secp384r1 key is not supported. Use an RSA key (RS256, PS256) or an EC P-256 key (ES256).'],
    ['an Ed25519 key', () => generateKeyPairSync('ed25519').privateKey, 'an ed25519 key is not supported.'],
    ['an RSA-PSS 1024-bit key', () => rsaPss(1024), 'an RSA-PSS 1024-bit key is too short: RFC 7518 requires 2048 bits or more.'],
    [
      'an RSA-PSS key restricted to SHA-512',
      () => rsaPssWith({ hashAlgorithm: 'sha512', mgf1HashAlgorithm: 'sha512', saltLength: 64 }),
      'an RSA-PSS 2048-bit key restricted to sha512, MGF1 sha512 and a salt of at least 64 bytes cannot sign PS256',
    ],
    [
      'an RSA-PSS key with MGF1 SHA-1',
      () => rsaPssWith({ hashAlgorithm: 'sha256', mgf1HashAlgorithm: 'sha1', saltLength: 32 }),
      'restricted to sha256, MGF1 sha1',
    ],
    [
      'an RSA-PSS key with a 33-byte salt',
      () => rsaPssWith({ hashAlgorithm: 'sha256', mgf1HashAlgorithm: 'sha256', saltLength: 33 }),
      'a salt of at least 33 bytes',
    ],
  ] as const)('%s is refused at startup with what to use instead', (_name, key, message) => {
    const error = thrown(() => createTokenProvider({ ...base, privateKey: pem(key()) }));
    expect(error).toMatchObject({ code: 'ERR_MCA_INVALID_PRIVATE_KEY', field: 'privateKey' });
    expect(error.message).toContain(message);
  });
});

describe('what the privateKey option accepts', () => {
  it('a JWK as JSON text with leading whitespace (a file or variable with a newline first)', async () => {
    const jwk = JSON.stringify(rsa().export({ format: 'jwk' }));
    await createTokenProvider({ ...base, privateKey: `\n  ${jwk}\n` }).close();
  });

  it('text that is no key is ERR_MCA_INVALID_PRIVATE_KEY saying what a key may be, not that it is encrypted', () => {
    const error = thrown(() => createTokenProvider({ ...base, privateKey: 'not a key at all' }));
    expect(error).toMatchObject({ code: 'ERR_MCA_INVALID_PRIVATE_KEY', field: 'privateKey' });
    expect(error.message).toBe(
      'Invalid `privateKey` (from the `privateKey` option): it is not a private key in PEM (PKCS#8, PKCS#1, SEC1), a private JWK, or a KeyObject.',
    );
    expect(error.message).not.toContain('not a key at all');
  });

  // Some configuration loaders build their objects without a prototype (no toString to call): the
  // refusal must still be the configuration error with its fix, not a TypeError from turning the
  // object into text.
  it('a JWK object without a prototype is read like any other, and one without a private part is ERR_MCA_INVALID_PRIVATE_KEY, not a TypeError', async () => {
    const withoutPrototype = (jwk: JsonWebKey): JsonWebKey => Object.assign(Object.create(null) as JsonWebKey, jwk);
    const key = rsa();
    await createTokenProvider({ ...base, privateKey: withoutPrototype(key.export({ format: 'jwk' })) }).close();
    const publicOnly = withoutPrototype(createPublicKey(key).export({ format: 'jwk' }));
    const error = thrown(() => createTokenProvider({ ...base, privateKey: publicOnly }));
    expect(error).toMatchObject({ code: 'ERR_MCA_INVALID_PRIVATE_KEY', field: 'privateKey' });
    expect(error.message).toBe(
      'Invalid `privateKey` (from the `privateKey` option): it is not a private key in PEM (PKCS#8, PKCS#1, SEC1), a private JWK, or a KeyObject.',
    );
  });

  it('a public key says a private key is needed to sign', () => {
    const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const error = thrown(() => createTokenProvider({ ...base, privateKey: publicKey }));
    expect(error).toMatchObject({ code: 'ERR_MCA_INVALID_PRIVATE_KEY' });
    expect(error.message).toContain('(from the `privateKey` option): it is a public key; a private key is needed to sign.');
  });
});

describe('what the certificate option accepts', () => {
  const key = pem(rsa());

  it('text with no CERTIFICATE block is ERR_MCA_INVALID_CERTIFICATE, and says so', () => {
    const error = thrown(() => createTokenProvider({ ...base, privateKey: key, certificate: 'no certificate here' }));
    expect(error).toMatchObject({ code: 'ERR_MCA_INVALID_CERTIFICATE', field: 'certificate' });
    expect(error.message).toContain('(from the `certificate` option): it holds no PEM "CERTIFICATE" block.');
  });

  it('a CERTIFICATE block that is not X.509 is ERR_MCA_INVALID_CERTIFICATE, and says so', () => {
    const garbage = `-----BEGIN CERTIFICATE-----\n${Buffer.from('not DER at all').toString('base64')}\n-----END CERTIFICATE-----\n`;
    const error = thrown(() => createTokenProvider({ ...base, privateKey: key, certificate: garbage }));
    expect(error).toMatchObject({ code: 'ERR_MCA_INVALID_CERTIFICATE', field: 'certificate' });
    expect(error.message).toContain('(from the `certificate` option): a CERTIFICATE block does not parse as X.509.');
  });
});

describe('key and certificate files', () => {
  const keyText = pem(rsa());
  const readers = {
    sync: (path: string): Promise<string> => Promise.resolve().then(() => readMaterialFileSync('privateKeyFile', path)),
    async: (path: string): Promise<string> => readMaterialFile('privateKeyFile', path),
  };

  it.each(['sync', 'async'] as const)('%s: a file of exactly the cap is read; one byte more is refused, naming the file', async (mode) => {
    const atCap = join(dir, `at-cap-${mode}.pem`);
    writeFileSync(atCap, keyText.padEnd(MAX_MATERIAL_FILE_BYTES, '\n'));
    expect((await readers[mode](atCap)).length).toBe(MAX_MATERIAL_FILE_BYTES);
    const over = join(dir, `over-cap-${mode}.pem`);
    writeFileSync(over, keyText.padEnd(MAX_MATERIAL_FILE_BYTES + 1, '\n'));
    await expect(readers[mode](over)).rejects.toMatchObject({
      code: 'ERR_MCA_INVALID_PRIVATE_KEY_FILE',
      message: `Invalid \`privateKeyFile\` (from file ${over}): the file is over ${MAX_MATERIAL_FILE_BYTES} bytes, which no key or certificate file is. Check the path.`,
    });
  });

  it.each(['sync', 'async'] as const)('%s: a huge sparse file is refused by its size, without reading it into memory', async (mode) => {
    const huge = join(dir, `huge-${mode}.pem`);
    writeFileSync(huge, '');
    truncateSync(huge, 5 * 1024 ** 3);
    try {
      await expect(readers[mode](huge)).rejects.toMatchObject({
        message: expect.stringContaining(`the file is over ${MAX_MATERIAL_FILE_BYTES} bytes`) as unknown,
      });
    } finally {
      rmSync(huge);
    }
  });

  it.each(['sync', 'async'] as const)('%s: a directory is refused, naming the file', async (mode) => {
    await expect(readers[mode](dir)).rejects.toMatchObject({
      code: 'ERR_MCA_INVALID_PRIVATE_KEY_FILE',
      message: `Invalid \`privateKeyFile\` (from file ${dir}): it is not a regular file (a directory, a FIFO, a socket or a device). Check the path.`,
    });
  });

  it.each(['sync', 'async'] as const)('%s: reading a key file at every fetch leaves no file descriptor open', async (mode) => {
    const file = join(dir, `fd-${mode}.pem`);
    writeFileSync(file, keyText);
    const open = descriptorsOpenOn(file, dir);
    // The count sees a descriptor the test holds itself, so it can see one the reader leaks.
    const held = openSync(file, 'r');
    expect(open()).toBe(1);
    closeSync(held);
    await readers[mode](file);
    expect(open()).toBe(0);
    for (let i = 0; i < 20; i++) {
      expect(await readers[mode](file)).toBe(keyText);
      await expect(readers[mode](dir)).rejects.toThrow('not a regular file');
    }
    expect(open()).toBe(0);
  });
});

describe('the JWK thumbprint check and the cache key show (RFC 7638)', () => {
  it('an RSA key: SHA-256 of {"e","kty","n"} in that order', () => {
    const key = rsa();
    const { e, n } = key.export({ format: 'jwk' });
    expect(keyThumbprint(key)).toBe(createHash('sha256').update(`{"e":"${e}","kty":"RSA","n":"${n}"}`).digest('base64url'));
  });

  // 2048, 3072 and 4096 bits spell the DER lengths of the key differently (the low length byte
  // above or below 0x80), which is where a misread length would truncate the modulus.
  it.each([2048, 3072, 4096])('an RSA-PSS %i-bit key (node:crypto exports no JWK for it): the thumbprint of its RSA modulus and exponent', (bits) => {
    const key = rsaPss(bits);
    writeFileSync(join(dir, 'pss.pem'), pem(key));
    // The modulus as openssl reads it from the file, not as this package derives it.
    const modulus = execFileSync('openssl', ['rsa', '-in', 'pss.pem', '-modulus', '-noout'], { cwd: dir, encoding: 'utf8' }).trim().replace('Modulus=', '');
    const n = Buffer.from(modulus, 'hex').toString('base64url');
    expect(keyThumbprint(key)).toBe(createHash('sha256').update(`{"e":"AQAB","kty":"RSA","n":"${n}"}`).digest('base64url'));
  });

  it('an Ed25519 key: the example of RFC 8037 Appendix A.3', () => {
    const key = createPrivateKey({
      format: 'jwk',
      key: { kty: 'OKP', crv: 'Ed25519', d: 'nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A', x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo' },
    });
    expect(keyThumbprint(key)).toBe('kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k');
  });

  it('an EC key: SHA-256 of {"crv","kty","x","y"} in that order, so two EC keys never share one', () => {
    const [a, b] = [ec(), ec()];
    for (const key of [a, b]) {
      const { crv, x, y } = key.export({ format: 'jwk' });
      const canonical = `{"crv":"${crv}","kty":"EC","x":"${x}","y":"${y}"}`;
      expect(keyThumbprint(key)).toBe(createHash('sha256').update(canonical).digest('base64url'));
    }
    expect(keyThumbprint(a)).not.toBe(keyThumbprint(b));
  });
});

describe('a certificate in check', () => {
  const ca = new TestCa();
  afterAll(() => ca.dispose());

  it('the client id of the certificate flow is the subject CN, wherever it stands in the subject', () => {
    const key = rsaKey();
    writeFileSync(join(dir, 'cn.key'), key.privatePem);
    const subjects = { '/O=Org/OU=Unit/CN=imf-client': 'imf-client', '/CN=first/O=Org': 'first', '/O=Org/OU=No Common Name': undefined };
    for (const [subject, cn] of Object.entries(subjects)) {
      const certificatePem = execFileSync('openssl', ['req', '-x509', '-new', '-key', 'cn.key', '-subj', subject, '-days', '1'], {
        cwd: dir,
        encoding: 'utf8',
      });
      expect(commonName(new X509Certificate(certificatePem))).toBe(cn);
    }
  });

  it('is EXPIRED only after notAfter and NOT YET VALID only before notBefore', () => {
    const certificate = new X509Certificate(ca.issue(rsaKey(), 'validity'));
    const from = Date.parse(certificate.validFrom);
    const to = Date.parse(certificate.validTo);
    const state = (now: number): string => describeCertificate(certificate, now).split('; expires ')[1]!.slice(new Date(to).toISOString().length);
    expect(describeCertificate(certificate, from)).toBe(`${certificate.subject.replace(/\n/g, ', ')}; expires ${new Date(to).toISOString()}`);
    expect([state(from - 1000), state(from), state(to), state(to + 1000)]).toEqual([' (NOT YET VALID)', '', '', ' (EXPIRED)']);
  });
});
