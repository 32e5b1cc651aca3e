import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { X509Certificate, verify } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Constant, closeAuthorizationHeaderCache, getAuthorizationHeaderByCertificate, mcaOAuth } from '../../lib';
import { seedCertificateString } from '../../lib/token/client-auth/imf-cert';
import { TestCa, rsaKey } from '../helpers/certificates';
import { renderEverywhere } from '../helpers/secrets';

// The seed's certificate flow: files in its layout (PKCS#12 export with bag attributes), env
// imfServiceUrl, and a token server that verifies the IMFCert JWS against the certificate it carries.
const APP_ID = '6b8d1c2a-0d43-4a2c-9d0e-6a1f2f7d9c11';
const CN = 'imf-client-1';
const UAA = 'bearer uaa-token-of-an-admin';

interface Seen {
  url: string;
  authorization: string | undefined;
  body: string;
  x5c?: string;
  verdict: string;
}

const ca = new TestCa();
const key = rsaKey();
const leafPem = ca.issue(key, CN);
const caCert = new X509Certificate(ca.pem);
const seen: Seen[] = [];
const summaryCalls: (string | undefined)[] = [];
let server: http.Server;
let origin: string;
let issued = 0;
let appDir: string;
let emptyDir: string;
const originalCwd = process.cwd();

/** What an MCA server would check: the JWS, signed by the key of the certificate in `x5c`, issued by the CA. */
function checkImfCert(authorization: string | undefined, body: string): { verdict: string; x5c?: string } {
  const match = /^IMFCert (\S+)$/.exec(authorization ?? '');
  if (!match) return { verdict: 'no IMFCert header' };
  const [h, p, s] = match[1]!.split('.') as [string, string, string];
  const header = JSON.parse(Buffer.from(h, 'base64url').toString()) as { alg: string; x5c: unknown };
  if (header.alg !== 'RS256' || typeof header.x5c !== 'string' || Object.keys(header).join() !== 'alg,x5c') return { verdict: 'bad header' };
  // The seed drops a trailing "==": put the padding back before decoding.
  const padded = header.x5c + '='.repeat((4 - (header.x5c.length % 4)) % 4);
  const certificate = new X509Certificate(Buffer.from(padded, 'base64'));
  if (!certificate.verify(caCert.publicKey)) return { verdict: 'certificate not issued by the CA' };
  if (!verify('sha256', Buffer.from(`${h}.${p}`), certificate.publicKey, Buffer.from(s, 'base64url'))) return { verdict: 'bad signature' };
  const payload = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>;
  if (Object.keys(payload).join() !== 'timestamp' || Math.abs(Number(payload.timestamp) - Date.now()) > 60_000) return { verdict: 'bad timestamp' };
  const form = new URLSearchParams(body);
  if (form.get('client_id') !== certificate.subject.match(/CN=([^\n]+)/)![1]) return { verdict: 'client_id is not the CN' };
  return { verdict: 'ok', x5c: header.x5c };
}

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString();
      if (req.method === 'GET' && req.url === `/cc/v2/apps/${APP_ID}/summary`) {
        summaryCalls.push(req.headers.authorization);
        res.writeHead(req.headers.authorization === UAA ? 200 : 403).end('{}');
        return;
      }
      const { verdict, x5c } = checkImfCert(req.headers.authorization, body);
      seen.push({ url: req.url ?? '', authorization: req.headers.authorization, body, x5c, verdict });
      if (req.method !== 'POST' || verdict !== 'ok') return void res.writeHead(401, { 'Content-Type': 'application/json' }).end('{"error":"invalid_client"}');
      res
        .writeHead(200, { 'Content-Type': 'application/json' })
        .end(JSON.stringify({ access_token: `imf-${++issued}`, token_type: 'Bearer', expires_in: 3600 }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  appDir = mkdtempSync(join(tmpdir(), 'mca-seed-app-'));
  emptyDir = mkdtempSync(join(tmpdir(), 'mca-seed-empty-'));
  const files = ca.seedFiles(key, leafPem);
  mkdirSync(join(appDir, 'imf_certificate'));
  writeFileSync(join(appDir, 'imf_certificate', 'public-certificate.pem'), files.certificate);
  writeFileSync(join(appDir, 'imf_certificate', 'private-key.pem'), files.privateKey);
});
afterAll(async () => {
  process.chdir(originalCwd);
  await closeAuthorizationHeaderCache();
  await new Promise((resolve) => server.close(resolve));
  ca.dispose();
  rmSync(appDir, { recursive: true, force: true });
  rmSync(emptyDir, { recursive: true, force: true });
});
beforeEach(async () => {
  await closeAuthorizationHeaderCache();
  seen.length = 0;
  summaryCalls.length = 0;
  process.chdir(appDir);
  process.env.imfServiceUrl = `${origin}/imf-authserver`;
  process.env.cloudControllerUrl = `${origin}/cc`;
});
afterEach(() => {
  delete process.env.imfServiceUrl;
  delete process.env.cloudControllerUrl;
  jest.restoreAllMocks();
});

describe('getAuthorizationHeaderByCertificate: the seed certificate flow as a drop-in', () => {
  it('with the seed option object: IMFCert JWS verified against its x5c certificate; cached; nothing printed', async () => {
    const log = jest.spyOn(console, 'log');
    const write = jest.spyOn(process.stdout, 'write');
    const options = { appId: APP_ID, cacheSize: 100 };
    await expect(getAuthorizationHeaderByCertificate(options)).resolves.toBe('Bearer imf-1');
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ url: `/imf-authserver/authorization/v1/apps/${APP_ID}/token`, verdict: 'ok' });
    expect(seen[0]!.body).toBe(`grant_type=client_credentials&client_id=${CN}`);
    // The seed's x5c: the base64 body of the block after `friendlyName: cert`, newlines removed, "==" dropped.
    const base64 = leafPem.replace(/-----(BEGIN|END) CERTIFICATE-----|\n/g, '');
    expect(base64.endsWith('==') ? base64.slice(0, -2) : base64).toBe(seen[0]!.x5c);
    // Cached, and one request for concurrent callers (the seed POSTed on every call).
    const again = await Promise.all(Array.from({ length: 20 }, () => getAuthorizationHeaderByCertificate(options)));
    expect(new Set(again)).toEqual(new Set(['Bearer imf-1']));
    expect(seen).toHaveLength(1);
    expect(log).not.toHaveBeenCalled();
    expect(write).not.toHaveBeenCalled();
  });

  it('sends `properties` when given (and the seed 3.0.5 `method` option, which it sent as properties)', async () => {
    await getAuthorizationHeaderByCertificate({ appId: APP_ID, properties: 'device=abc' });
    await getAuthorizationHeaderByCertificate({ appId: APP_ID, method: 'GET' });
    expect(seen.map((s) => s.body)).toEqual([
      `grant_type=client_credentials&client_id=${CN}&properties=device%3Dabc`,
      `grant_type=client_credentials&client_id=${CN}&properties=GET`,
    ]);
  });

  it('credential: a 200 from the cloud controller goes on to the token; anything else is HAS_NOPERMISSION_ERROR', async () => {
    const header = await getAuthorizationHeaderByCertificate({ appId: APP_ID, credential: UAA });
    expect(header).toBe(`Bearer imf-${issued}`);
    expect(summaryCalls).toEqual([UAA]);
    // All four of the seed's options at once.
    const full = await getAuthorizationHeaderByCertificate({ appId: APP_ID, credential: UAA, cacheSize: 100, properties: 'p=1' });
    expect(full).toBe(`Bearer imf-${issued}`);
    expect(seen.at(-1)!.body).toBe(`grant_type=client_credentials&client_id=${CN}&properties=p%3D1`);
    expect(summaryCalls).toEqual([UAA, UAA]);
    await closeAuthorizationHeaderCache(); // an empty cache: a token would need a request
    seen.length = 0;
    const error = await getAuthorizationHeaderByCertificate({ appId: APP_ID, credential: 'bearer someone-else' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: Constant.HAS_NOPERMISSION_ERROR });
    expect((error as { code: string }).code).toBe('ERR_MCA_NO_PERMISSION');
    expect(renderEverywhere(error)).not.toContain('someone-else');
    expect(seen).toHaveLength(0); // the refused caller got no token request
    delete process.env.cloudControllerUrl;
    await expect(getAuthorizationHeaderByCertificate({ appId: APP_ID, credential: UAA })).rejects.toMatchObject({
      code: Constant.MISSING_CLOUDCONTROLLERURL_ERROR,
    });
    // An unreachable cloud controller is a refusal too (fail closed).
    process.env.cloudControllerUrl = 'http://127.0.0.1:9/cc';
    await expect(getAuthorizationHeaderByCertificate({ appId: APP_ID, credential: UAA })).rejects.toMatchObject({ code: 'ERR_MCA_NO_PERMISSION' });
  });

  it('errors carry the codes of Constant: appId, imfServiceUrl, the PEM files', async () => {
    await expect(getAuthorizationHeaderByCertificate({})).rejects.toMatchObject({ code: Constant.MISSING_APPID_ERROR, field: 'appId' });
    delete process.env.imfServiceUrl;
    await expect(getAuthorizationHeaderByCertificate({ appId: APP_ID })).rejects.toMatchObject({ code: Constant.MISSING_IMFSERVICEURL_ERROR });
    // Credentials never cross the network in clear: http:// only to loopback (or with the opt-in).
    process.env.imfServiceUrl = 'http://imf.example.com/imf-authserver';
    await expect(getAuthorizationHeaderByCertificate({ appId: APP_ID })).rejects.toMatchObject({ code: 'ERR_MCA_INVALID_IMF_SERVICE_URL' });
    process.env.imfServiceUrl = `${origin}/imf-authserver`;
    process.env.cloudControllerUrl = 'http://cc.example.com';
    await expect(getAuthorizationHeaderByCertificate({ appId: APP_ID, credential: UAA })).rejects.toMatchObject({
      code: 'ERR_MCA_INVALID_CLOUD_CONTROLLER_URL',
    });
    process.chdir(emptyDir);
    const error = await getAuthorizationHeaderByCertificate({ appId: APP_ID }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: Constant.MISSING_PEM_ERROR });
    expect((error as Error).message).toMatch(/imf_certificate\/(public-certificate|private-key)\.pem/);
  });

  it('imfServiceUrl and cloudControllerUrl pasted with no-break spaces around them are trimmed, as every URL setting is', async () => {
    // U+00A0 is whitespace to String#trim but not to the URL parser, which refuses it before a scheme.
    process.env.imfServiceUrl = `\u00a0${origin}/imf-authserver\u00a0`;
    process.env.cloudControllerUrl = `\u00a0${origin}/cc\u00a0`;
    await expect(getAuthorizationHeaderByCertificate({ appId: APP_ID, credential: UAA })).resolves.toMatch(/^Bearer imf-\d+$/);
    expect(summaryCalls).toEqual([UAA]);
    expect(seen.map((s) => [s.url, s.verdict])).toEqual([[`/imf-authserver/authorization/v1/apps/${APP_ID}/token`, 'ok']]);
  });

  it('MCA_ALLOW_INSECURE_HTTP applies to this flow too: "true" allows plain http beyond loopback, a value other than true or false is refused', async () => {
    // 0.0.0.0 reaches this machine's server, but is no loopback name: plain http to it needs the opt-in.
    process.env.imfServiceUrl = `http://0.0.0.0:${new URL(origin).port}/imf-authserver`;
    try {
      await expect(getAuthorizationHeaderByCertificate({ appId: APP_ID })).rejects.toMatchObject({ code: 'ERR_MCA_INVALID_IMF_SERVICE_URL' });
      process.env.MCA_ALLOW_INSECURE_HTTP = 'true';
      await expect(getAuthorizationHeaderByCertificate({ appId: APP_ID })).resolves.toMatch(/^Bearer imf-\d+$/);
      expect(seen.map((s) => s.verdict)).toEqual(['ok']);
      process.env.MCA_ALLOW_INSECURE_HTTP = 'on';
      const error = await getAuthorizationHeaderByCertificate({ appId: APP_ID }).catch((e: unknown) => e);
      expect(error).toMatchObject({ name: 'McaConfigError', code: 'ERR_MCA_INVALID_ALLOW_INSECURE_HTTP', field: 'allowInsecureHttp' });
      expect((error as Error).message).toBe('Invalid `allowInsecureHttp` (from MCA_ALLOW_INSECURE_HTTP in the environment): it must be "true" or "false".');
      expect(seen).toHaveLength(1);
    } finally {
      delete process.env.MCA_ALLOW_INSECURE_HTTP;
    }
  });

  it('reads the seed PEM export the way the seed did, with or without the bag attributes', () => {
    expect(seedCertificateString(`Bag Attributes\n    friendlyName: cert\n-----BEGIN CERTIFICATE-----\nQUJD\nREVGRw==\n-----END CERTIFICATE-----\n`)).toBe(
      'QUJDREVGRw',
    );
    expect(seedCertificateString(`-----BEGIN CERTIFICATE-----\r\nQUJD\r\n-----END CERTIFICATE-----\r\n`)).toBe('QUJD');
    expect(seedCertificateString('no certificate')).toBeUndefined();
  });
});

describe('issue 21 row 6: one tenant rule for the certificate flow and the middleware', () => {
  it.each(['..', '..;', '.', 'x;y', 'a/b', 'a\\b', 'a%2fb', 'a b', 'a\u0000b', 'x'.repeat(257)])(
    'appId %j is refused before any request; the middleware refuses it as tenantId',
    async (value) => {
      const error = await getAuthorizationHeaderByCertificate({ appId: value, credential: UAA }).catch((e: unknown) => e);
      expect(error).toMatchObject({ name: 'McaConfigError', code: 'ERR_MCA_INVALID_APP_ID', field: 'appId' });
      if (value.length > 3) expect((error as Error).message).not.toContain(value);
      expect(seen).toEqual([]);
      expect(summaryCalls).toEqual([]);
      expect(() =>
        mcaOAuth({ env: {}, envFile: false, clientId: 'c', secret: 's3cret-value', tenantId: value, serverUrl: 'https://mca.example.com/imf-authserver' }),
      ).toThrow(expect.objectContaining({ code: 'ERR_MCA_INVALID_TENANT_ID', field: 'tenantId' }));
    },
  );
});
