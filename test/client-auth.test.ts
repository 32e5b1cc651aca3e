import { inspect } from 'node:util';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClientAuth } from '../lib/token/client-auth/client-auth';
import { ClientSecretBasic } from '../lib/token/client-auth/client-secret-basic';
import { ClientSecretPost } from '../lib/token/client-auth/client-secret-post';
import { PrivateKeyJwt } from '../lib/token/client-auth/private-key-jwt';
import { ImfCert } from '../lib/token/client-auth/imf-cert';
import { tokenRequestBuilder } from '../lib/token/client-auth/token-request';
import { TestCa, rsaKey } from './helpers/certificates';

// The seam every grant goes through: what each method puts in a request, and what it never shows.
const SECRET = 'seam-s3cr3t-value';
const ca = new TestCa();
const key = rsaKey();
const certificatePem = ca.issue(key, 'seam-client');
const keyLine = key.privatePem.split('\n')[1]!;
const dir = mkdtempSync(join(tmpdir(), 'mca-seam-'));
afterAll(() => {
  ca.dispose();
  rmSync(dir, { recursive: true, force: true });
});

function methods(): Record<'basic' | 'post' | 'private_key_jwt' | 'imf_cert', ClientAuth> {
  writeFileSync(join(dir, 'key.pem'), key.privatePem);
  writeFileSync(join(dir, 'cert.pem'), ca.seedFiles(key, certificatePem).certificate);
  return {
    basic: new ClientSecretBasic('id', SECRET),
    post: new ClientSecretPost('id', SECRET),
    private_key_jwt: new PrivateKeyJwt({
      clientId: 'id',
      key: { kind: 'value', value: key.privatePem, origin: 'option privateKey' },
      certificate: { kind: 'value', value: certificatePem, origin: 'option certificate' },
      x5t: true,
      x5c: true,
    }),
    imf_cert: new ImfCert({ keyFile: join(dir, 'key.pem'), certificateFile: join(dir, 'cert.pem') }),
  };
}

describe('the client-authentication seam', () => {
  // Built inside the test, not when the suite is collected: a broken constructor fails these tests.
  it.each(['basic', 'post', 'private_key_jwt', 'imf_cert'] as const)(
    '%s shows no secret or key in inspect, JSON, describe() or its cache key parts',
    (name) => {
      const auth = methods()[name];
      const shown = [inspect(auth, { depth: 10, showHidden: true }), JSON.stringify(auth), JSON.stringify(auth.describe()), auth.cacheKeyParts.join()].join(
        '\n',
      );
      expect(shown).not.toContain(SECRET);
      expect(shown).not.toContain(keyLine);
      expect(shown).not.toContain(Buffer.from(`id:${SECRET}`).toString('base64'));
    },
  );

  it('builds grant_type first, then the method fields, then scope/audience/resource', async () => {
    const build = tokenRequestBuilder({ tokenUrl: 'http://x/token', auth: new ClientSecretPost('id', SECRET), scope: 's', audience: 'a', resource: 'r' });
    const { headers, body } = await build();
    expect(body).toBe(`grant_type=client_credentials&client_id=id&client_secret=${SECRET}&scope=s&audience=a&resource=r`);
    expect(headers).toEqual({ 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' });
  });

  it('a secret method answers one shared request; an assertion method a fresh one per attempt', async () => {
    const { basic, private_key_jwt: jwt, imf_cert: imf } = methods();
    const context = { tokenUrl: 'http://x/token', now: Date.now() };
    expect(basic.prepare(context)).toBe(basic.prepare(context));
    const a = await jwt.prepare(context);
    const b = await jwt.prepare(context);
    expect(a.form[2]![1]).not.toBe(b.form[2]![1]);
    const payload = (form: typeof a.form): { jti: string } => JSON.parse(Buffer.from(form[2]![1].split('.')[1]!, 'base64url').toString()) as { jti: string };
    expect(payload(a.form).jti).not.toBe(payload(b.form).jti);
    const imfRequest = await imf.prepare(context);
    expect(imfRequest.headers.Authorization).toMatch(/^IMFCert [\w-]+\.[\w-]+\.[\w-]+$/);
    expect(imfRequest.form).toEqual([['client_id', 'seam-client']]);
  });

  it('IMFCert reads both files again at each request: a rotated certificate and key are used at once', async () => {
    const { imf_cert: imf } = methods();
    const context = { tokenUrl: 'http://x/token', now: Date.now() };
    const x5cOf = async (): Promise<string> => {
      const jws = (await imf.prepare(context)).headers.Authorization!.slice('IMFCert '.length);
      return (JSON.parse(Buffer.from(jws.split('.')[0]!, 'base64url').toString()) as { x5c: string }).x5c;
    };
    const before = await x5cOf();
    const next = rsaKey();
    writeFileSync(join(dir, 'key.pem'), next.privatePem);
    writeFileSync(join(dir, 'cert.pem'), ca.seedFiles(next, ca.issue(next, 'seam-client')).certificate);
    expect(await x5cOf()).not.toBe(before);
    writeFileSync(join(dir, 'key.pem'), rsaKey().privatePem); // a key that the certificate does not name
    await expect(imf.prepare(context)).rejects.toMatchObject({ code: 'ERR_MCA_MISSING_PEM', field: 'certificate' });
    writeFileSync(join(dir, 'key.pem'), 'gone');
    await expect(imf.prepare(context)).rejects.toMatchObject({ code: 'ERR_MCA_MISSING_PEM', field: 'privateKey' });
  });
});
