import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PrivateKeyJwt, type PrivateKeyJwtSettings } from '../../lib/token/client-auth/private-key-jwt';
import type { FieldScope } from '../../lib/errors/field-scope';
import { TestCa, rsaKey } from '../helpers/certificates';
import { thrown } from '../helpers/thrown';

// What private_key_jwt shows an operator and a token server: the errors about its key and
// certificate (field, origin, entry), the assertion header, the `check` lines, what tells two
// configurations apart, and that a certificate file is read again at each fetch.
const ca = new TestCa();
const key = rsaKey();
const other = rsaKey();
const certificatePem = ca.issue(key, 'jwt-client');
const dir = mkdtempSync(join(tmpdir(), 'mca-pkjwt-'));
const ENTRY: FieldScope = { prefix: 'protectedBackends[1].', note: ' The entry is in the `protectedBackends` option.' };
const context = { tokenUrl: 'http://127.0.0.1:1/token', now: Date.now() };
afterAll(() => {
  ca.dispose();
  rmSync(dir, { recursive: true, force: true });
});

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

function build(overrides: Partial<PrivateKeyJwtSettings> = {}): PrivateKeyJwt {
  return new PrivateKeyJwt({
    clientId: 'jwt-client',
    key: { kind: 'value', value: key.privatePem, origin: 'option privateKey' },
    x5t: false,
    x5c: false,
    ...overrides,
  });
}

function jwsHeader(assertion: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(assertion.split('.')[0]!, 'base64url').toString()) as Record<string, unknown>;
}

async function assertionHeader(auth: PrivateKeyJwt): Promise<Record<string, unknown>> {
  const { form } = await auth.prepare(context);
  return jwsHeader(form.find(([name]) => name === 'client_assertion')![1]);
}

describe('private_key_jwt: errors about its key and certificate', () => {
  it('names a bad key value by its option, and a bad key file by its path', () => {
    expect(thrown(() => build({ key: { kind: 'value', value: 'not a key', origin: 'option privateKey' } }))).toMatchObject({
      field: 'privateKey',
      message: expect.stringContaining('(from option privateKey)') as unknown,
    });
    const path = file('bad-key.pem', 'not a key');
    expect(thrown(() => build({ key: { kind: 'file', path, origin: 'option privateKeyFile' } })).message).toContain(`(from file ${path})`);
  });

  it("an entry's key and certificate errors name the entry's fields and say where the entry is", () => {
    const missing = join(dir, 'absent.pem');
    const keyFile = thrown(() => build({ scope: ENTRY, key: { kind: 'file', path: missing, origin: 'option privateKeyFile' } }));
    expect(keyFile).toMatchObject({ field: 'protectedBackends[1].privateKeyFile' });
    expect(keyFile.message).toContain(ENTRY.note);
    const keyValue = thrown(() => build({ scope: ENTRY, key: { kind: 'value', value: 'not a key', origin: 'option privateKey' } }));
    expect(keyValue).toMatchObject({ field: 'protectedBackends[1].privateKey' });
    expect(keyValue.message).toContain(ENTRY.note);
    const certificateFile = thrown(() => build({ scope: ENTRY, certificate: { kind: 'file', path: missing, origin: 'option certificateFile' } }));
    expect(certificateFile).toMatchObject({ field: 'protectedBackends[1].certificateFile' });
  });

  it('names the certificate file that cannot be read, and a bad certificate by its option or path', () => {
    expect(thrown(() => build({ certificate: { kind: 'file', path: join(dir, 'absent.pem'), origin: 'option certificateFile' } }))).toMatchObject({
      field: 'certificateFile',
    });
    expect(thrown(() => build({ certificate: { kind: 'value', value: 'no certificate', origin: 'option certificate' } })).message).toContain(
      '(from option certificate)',
    );
    const path = file('bad-cert.pem', 'no certificate');
    expect(thrown(() => build({ certificate: { kind: 'file', path, origin: 'option certificateFile' } })).message).toContain(`(from file ${path})`);
  });

  it("refuses a certificate of another key, naming `certificate` and the fix, and not the key's", () => {
    const error = thrown(() =>
      build({
        key: { kind: 'value', value: other.privatePem, origin: 'option privateKey' },
        certificate: { kind: 'value', value: certificatePem, origin: 'option certificate' },
      }),
    );
    expect(error).toMatchObject({ code: 'ERR_MCA_INVALID_CERTIFICATE', field: 'certificate' });
    expect(error.message).toBe(
      "Invalid `certificate` (from option certificate): its first certificate does not belong to the private key. Put the key's own certificate first.",
    );
    const scoped = thrown(() =>
      build({
        scope: ENTRY,
        key: { kind: 'value', value: other.privatePem, origin: 'option privateKey' },
        certificate: { kind: 'value', value: certificatePem, origin: 'option certificate' },
      }),
    );
    expect(scoped).toMatchObject({ field: 'protectedBackends[1].certificate' });
    expect(scoped.message).toContain('`protectedBackends[1].certificate`');
    expect(scoped.message.endsWith(ENTRY.note)).toBe(true);
  });
});

describe('private_key_jwt: the assertion and what is read at each fetch', () => {
  it('without a certificate the header has no certificate thumbprint; with one it has x5t#S256', async () => {
    const bare = await assertionHeader(build());
    expect(bare).toEqual({ alg: 'RS256', typ: 'JWT' });
    const withCertificate = await assertionHeader(build({ certificate: { kind: 'value', value: certificatePem, origin: 'option certificate' } }));
    expect(Object.keys(withCertificate)).toEqual(['alg', 'typ', 'x5t#S256']);
  });

  it('a key given as a value with a certificate file: a renewed certificate is sent at the next fetch', async () => {
    const path = file('renewed.pem', certificatePem);
    const auth = build({ certificate: { kind: 'file', path, origin: 'option certificateFile' } });
    const before = (await assertionHeader(auth))['x5t#S256'];
    writeFileSync(path, ca.issue(key, 'jwt-client'));
    const after = (await assertionHeader(auth))['x5t#S256'];
    expect(after).not.toBe(before);
  });

  it('a key or certificate file that vanishes after startup fails the fetch naming its field', async () => {
    const keyPath = file('vanishing-key.pem', key.privatePem);
    const certificatePath = file('vanishing-cert.pem', certificatePem);
    const auth = build({
      key: { kind: 'file', path: keyPath, origin: 'option privateKeyFile' },
      certificate: { kind: 'file', path: certificatePath, origin: 'option certificateFile' },
    });
    await expect(auth.prepare(context)).resolves.toBeDefined();
    rmSync(certificatePath);
    await expect(auth.prepare(context)).rejects.toMatchObject({ field: 'certificateFile' });
    writeFileSync(certificatePath, certificatePem);
    rmSync(keyPath);
    await expect(auth.prepare(context)).rejects.toMatchObject({ field: 'privateKeyFile' });
  });
});

describe('private_key_jwt: what tells two configurations apart', () => {
  it('the same key at two paths, two key ids or two audiences are different configurations', () => {
    const a = file('same-a.pem', key.privatePem);
    const b = file('same-b.pem', key.privatePem);
    const fromFile = (path: string): readonly string[] => build({ key: { kind: 'file', path, origin: 'option privateKeyFile' } }).cacheKeyParts;
    expect(fromFile(a)).not.toEqual(fromFile(b));
    expect(build({ keyId: 'k1' }).cacheKeyParts).not.toEqual(build({ keyId: 'k2' }).cacheKeyParts);
    expect(build({ audience: 'https://a.example' }).cacheKeyParts).not.toEqual(build({ audience: 'https://b.example' }).cacheKeyParts);
    expect(build().cacheKeyParts).toEqual(build().cacheKeyParts);
  });
});

describe('private_key_jwt: what `check` shows', () => {
  it('names the method, the key and certificate with where each came from, and the header with the kid', () => {
    const auth = build({ keyId: 'kid-7', certificate: { kind: 'value', value: certificatePem, origin: 'option certificate' } });
    expect(auth.method).toBe('private_key_jwt');
    const lines = auth.describe();
    expect(lines.map((line) => line.label)).toEqual(['clientAuth', 'privateKey', 'certificate', 'assertion']);
    expect(lines[0]!.value).toBe('private_key_jwt');
    expect(lines[1]!.value).toMatch(/\(option privateKey\)$/);
    expect(lines[2]!.value).toMatch(/CN=jwt-client.*\(option certificate\)$/);
    expect(lines[3]!.value).toBe('RS256, aud the token URL, header alg kid x5t#S256 (kid kid-7), 60 s');
  });

  it('without a certificate or kid, shows no certificate line and no kid', () => {
    const lines = build({ audience: 'https://aud.example' }).describe();
    expect(lines.map((line) => line.label)).toEqual(['clientAuth', 'privateKey', 'assertion']);
    expect(lines[2]!.value).toBe('RS256, aud https://aud.example, header alg, 60 s');
  });

  it('a key file and certificate file are shown by path, read at each fetch', () => {
    const keyPath = file('shown-key.pem', key.privatePem);
    const certificatePath = file('shown-cert.pem', certificatePem);
    const lines = build({
      key: { kind: 'file', path: keyPath, origin: 'option privateKeyFile' },
      certificate: { kind: 'file', path: certificatePath, origin: 'option certificateFile' },
    }).describe();
    expect(lines[1]!.value).toContain(`(file ${keyPath}, read at each fetch)`);
    expect(lines[2]!.value).toMatch(new RegExp(`\\(file ${certificatePath.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\)$`));
  });
});
