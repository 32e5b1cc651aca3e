import { X509Certificate, verify } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ImfCert, type ImfCertSettings } from '../../lib/token/client-auth/imf-cert';
import { TestCa, ecKey, rsaKey } from '../helpers/certificates';
import { thrown } from '../helpers/thrown';

// The seed's certificate flow as an operator meets it: which certificate of the file is sent, the
// one code (ERR_MCA_MISSING_PEM) with the field and file for every way the two files can be wrong,
// what `check` shows, and the IMFCert header a token server verifies.
const ca = new TestCa();
const key = rsaKey();
const leafPem = ca.issue(key, 'imf-client');
const seedCertificate = ca.seedFiles(key, leafPem).certificate;
const dir = mkdtempSync(join(tmpdir(), 'mca-imf-'));
const context = { tokenUrl: 'http://127.0.0.1:1/imf-authserver/authorization/v1/apps/x/token', now: 1_700_000_000_123 };
afterAll(() => {
  ca.dispose();
  rmSync(dir, { recursive: true, force: true });
});

let n = 0;
function files(keyText: string, certificateText: string): ImfCertSettings {
  n += 1;
  const keyFile = join(dir, `key${n}.pem`);
  const certificateFile = join(dir, `cert${n}.pem`);
  writeFileSync(keyFile, keyText);
  writeFileSync(certificateFile, certificateText);
  return { keyFile, certificateFile };
}

function sentCertificate(authorization: string): X509Certificate {
  const header = JSON.parse(Buffer.from(authorization.slice('IMFCert '.length).split('.')[0]!, 'base64url').toString()) as { x5c: string };
  return new X509Certificate(Buffer.from(header.x5c, 'base64'));
}

describe('imf_cert: which certificate of the file is the client', () => {
  it('sends the certificate after `friendlyName: cert`, not an earlier block (a CA put first)', async () => {
    const settings = files(key.privatePem, `${ca.pem}${seedCertificate}`);
    const auth = new ImfCert(settings);
    expect(auth.clientId).toBe('imf-client');
    const { headers, form } = await auth.prepare(context);
    expect(sentCertificate(headers.Authorization!).subject).toContain('CN=imf-client');
    expect(form).toEqual([['client_id', 'imf-client']]);
  });

  it('signs RS256 over the timestamp, verifiable with the certificate it sends', async () => {
    const auth = new ImfCert(files(key.privatePem, seedCertificate));
    const authorization = (await auth.prepare(context)).headers.Authorization!;
    const [header, payload, signature] = authorization.slice('IMFCert '.length).split('.') as [string, string, string];
    expect(JSON.parse(Buffer.from(payload, 'base64url').toString())).toEqual({ timestamp: context.now });
    const publicKey = sentCertificate(authorization).publicKey;
    expect(verify('sha256', Buffer.from(`${header}.${payload}`), publicKey, Buffer.from(signature, 'base64url'))).toBe(true);
  });
});

describe('imf_cert: the files that cannot work, at startup and at each fetch', () => {
  it.each([
    ['an END line and no BEGIN', '-----END CERTIFICATE-----\n', 'it holds no PEM "CERTIFICATE" block.'],
    ['a BEGIN line and no END', '-----BEGIN CERTIFICATE-----\nMIIBIjANBgkq\n', 'it holds no PEM "CERTIFICATE" block.'],
    ['a block that is not X.509', '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n', 'its CERTIFICATE block does not parse as X.509.'],
  ])('a certificate file with %s: ERR_MCA_MISSING_PEM naming `certificate` and the file', (_what, text, why) => {
    const settings = files(key.privatePem, text);
    const error = thrown(() => new ImfCert(settings));
    expect(error).toMatchObject({ code: 'ERR_MCA_MISSING_PEM', field: 'certificate' });
    expect(error.message).toBe(`Invalid \`certificate\` (from file ${settings.certificateFile}): ${why}`);
  });

  it('a certificate without a CN (the client id): ERR_MCA_MISSING_PEM naming `certificate`', () => {
    const settings = files(key.privatePem, ca.issue(key, ''));
    const error = thrown(() => new ImfCert(settings));
    expect(error).toMatchObject({ code: 'ERR_MCA_MISSING_PEM', field: 'certificate' });
    expect(error.message).toBe(
      `Invalid \`certificate\` (from file ${settings.certificateFile}): its subject has no CN, which is the client id. Use the certificate the MCA service issued.`,
    );
  });

  it('a certificate whose CN is empty: the same error, since an empty client id cannot work', () => {
    // openssl refuses to issue an empty CN, so this pair was made once with Python's cryptography
    // (a self-signed certificate, subject "CN=, O=Test", valid until 2125).
    const fixture = join(__dirname, '..', 'fixtures', 'empty-cn');
    const settings = files(readFileSync(join(fixture, 'key.pem'), 'utf8'), readFileSync(join(fixture, 'certificate.pem'), 'utf8'));
    const error = thrown(() => new ImfCert(settings));
    expect(error).toMatchObject({ code: 'ERR_MCA_MISSING_PEM', field: 'certificate' });
    expect(error.message).toContain('its subject has no CN, which is the client id.');
  });

  it('a key that is not RSA, or not a key: ERR_MCA_MISSING_PEM naming `privateKey` and the key file', () => {
    const ec = ecKey();
    const notRsa = files(ec.privatePem, seedCertificate);
    const error = thrown(() => new ImfCert(notRsa));
    expect(error).toMatchObject({ code: 'ERR_MCA_MISSING_PEM', field: 'privateKey' });
    expect(error.message).toBe(`Invalid \`privateKey\` (from file ${notRsa.keyFile}): the IMFCert flow signs RS256 and needs an RSA key.`);
    const notKey = files('not a key', seedCertificate);
    expect(thrown(() => new ImfCert(notKey)).message).toContain(`(from file ${notKey.keyFile})`);
  });

  it('a certificate of another key names both files', () => {
    const settings = files(rsaKey().privatePem, seedCertificate);
    const error = thrown(() => new ImfCert(settings));
    expect(error).toMatchObject({ code: 'ERR_MCA_MISSING_PEM', field: 'certificate' });
    expect(error.message).toBe(
      `Invalid \`certificate\` (from file ${settings.certificateFile}): it does not belong to the private key in ${settings.keyFile}.`,
    );
  });

  it('a missing file names its field, at startup and when it vanishes before a fetch', async () => {
    const settings = files(key.privatePem, seedCertificate);
    expect(thrown(() => new ImfCert({ ...settings, certificateFile: join(dir, 'absent-cert.pem') }))).toMatchObject({
      code: 'ERR_MCA_MISSING_PEM',
      field: 'certificateFile',
    });
    expect(thrown(() => new ImfCert({ ...settings, keyFile: join(dir, 'absent-key.pem') }))).toMatchObject({
      code: 'ERR_MCA_MISSING_PEM',
      field: 'privateKeyFile',
    });
    const auth = new ImfCert(settings);
    rmSync(settings.certificateFile);
    await expect(auth.prepare(context)).rejects.toMatchObject({ code: 'ERR_MCA_MISSING_PEM', field: 'certificateFile' });
    writeFileSync(settings.certificateFile, seedCertificate);
    rmSync(settings.keyFile);
    await expect(auth.prepare(context)).rejects.toMatchObject({ code: 'ERR_MCA_MISSING_PEM', field: 'privateKeyFile' });
  });
});

describe('imf_cert: what an operator sees', () => {
  it('its method, the hint on a refusal, and the `check` lines with both files', () => {
    const settings = files(key.privatePem, seedCertificate);
    const auth = new ImfCert(settings);
    expect(auth.method).toBe('imf_cert');
    expect(auth.refusedHint).toBe('the certificate and key in imf_certificate/');
    const lines = auth.describe();
    expect(lines.map((line) => line.label)).toEqual(['clientAuth', 'keys']);
    expect(lines[0]!.value).toBe('imf_cert (the seed SDK certificate flow)');
    expect(lines[1]!.value).toMatch(/^RSA.*JWK thumbprint [\w-]+ \(file .*\); certificate .*CN=imf-client.* \(file .*\)$/);
    expect(lines[1]!.value).toContain(`(file ${settings.keyFile}); certificate `);
    expect(lines[1]!.value.endsWith(`(file ${settings.certificateFile})`)).toBe(true);
  });
});
