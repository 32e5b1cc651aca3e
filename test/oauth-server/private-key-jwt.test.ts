import type { ChildProcess } from 'node:child_process';
import { X509Certificate, createHash, createPublicKey, verify, constants } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import express from 'express';
import request from 'supertest';
import { createTokenProvider, isMcaConfigError, mcaOAuth, type TokenProvider } from '../../lib';
import { main } from '../../lib/cli/main';
import { TestCa, ecKey, rsaKey, type TestKey } from '../helpers/certificates';
import { renderEverywhere } from '../helpers/secrets';
import { waitFor } from '../helpers/wait';
import { forkQuiet, stopChild } from '../helpers/quiet-child';

// private_key_jwt against a real third-party server package (oidc-provider), which validates the
// client assertion itself: signature against the registered JWKS, alg, iss, aud, exp, jti, replay.
interface Accepted {
  clientId: string;
  authorization: string | null;
  header: Record<string, unknown>;
  claims: Record<string, unknown>;
  assertion: string;
  form: string[];
}
interface Rejected {
  error: string;
  description: string;
  detail?: string;
}

const ca = new TestCa();
const rsa = rsaKey();
const ec = ecKey();
const rotatedA = rsaKey();
const rotatedB = rsaKey();
const stranger = rsaKey();
const certified = rsaKey();
const certifiedPem = ca.issue(certified, 'cert-client');
const certificate = new X509Certificate(certifiedPem);
const x5tS256 = createHash('sha256').update(certificate.raw).digest('base64url');
const dir = mkdtempSync(join(tmpdir(), 'mca-pkjwt-'));

const jwk = (key: TestKey): Record<string, unknown> => createPublicKey(key.privateKey).export({ format: 'jwk' });

let child: ChildProcess;
let server: ReturnType<typeof forkQuiet>;
let tokenUrl: string;
let issuer: string;
const accepted: Accepted[] = [];
const rejected: Rejected[] = [];
const providers: TokenProvider[] = [];

beforeAll(async () => {
  server = forkQuiet(join(__dirname, 'oidc-server.mjs'));
  child = server.child;
  const ready = new Promise<{ issuer: string; tokenUrl: string }>((resolve) =>
    child.on('message', (m: { type: string } & Accepted & Rejected & { issuer: string; tokenUrl: string }) => {
      if (m.type === 'ready') resolve(m);
      if (m.type === 'assertion') accepted.push(m);
      if (m.type === 'rejected') rejected.push(m);
    }),
  );
  child.send({
    clients: [
      { clientId: 'rsa-client', jwks: { keys: [{ ...jwk(rsa), kid: 'key-1' }] } },
      { clientId: 'ec-client', jwks: { keys: [jwk(ec)] } },
      // The registered key carries its certificate, as Entra ID and Keycloak register them.
      { clientId: 'cert-client', jwks: { keys: [{ ...jwk(certified), x5c: [certificate.raw.toString('base64')] }] } },
      { clientId: 'rotating-client', jwks: { keys: [jwk(rotatedA), jwk(rotatedB)] } },
    ],
    requireX5tS256: { 'cert-client': x5tS256 },
  });
  ({ issuer, tokenUrl } = await ready);
}, 30_000);
afterAll(async () => {
  await Promise.all(providers.map((p) => p.close()));
  await stopChild(child);
  // The server's own start-up notices are expected; anything else it printed (an error) is not.
  expect(server.unexpected()).toEqual([]);
  ca.dispose();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => {
  accepted.length = 0;
  rejected.length = 0;
});

function provider(options: Parameters<typeof createTokenProvider>[0]): TokenProvider {
  const p = createTokenProvider({ env: {}, envFile: false, tokenUrl, retries: 0, ...options });
  providers.push(p);
  return p;
}

// The server reports over IPC, which may arrive after the HTTP answer: wait for the report.
async function fetched(p: TokenProvider, count: number): Promise<string> {
  const header = await p.getAuthorizationHeader();
  await waitFor(() => accepted.length >= count);
  return header;
}

function verifies(assertion: string, key: TestKey, alg: string): boolean {
  const [h, p, s] = assertion.split('.') as [string, string, string];
  const data = Buffer.from(`${h}.${p}`);
  const signature = Buffer.from(s, 'base64url');
  const publicKey = createPublicKey(key.privateKey);
  if (alg === 'ES256') return verify('sha256', data, { key: publicKey, dsaEncoding: 'ieee-p1363' }, signature);
  if (alg === 'PS256') return verify('sha256', data, { key: publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }, signature);
  return verify('sha256', data, publicKey, signature);
}

describe('private_key_jwt against oidc-provider', () => {
  it('RSA key (PEM): the server accepts the assertion; claims, header and form are as RFC 7523 says', async () => {
    const p = provider({ clientId: 'rsa-client', clientAuth: 'private_key_jwt', privateKey: rsa.privatePem, keyId: 'key-1' });
    expect(await fetched(p, 1)).toMatch(/^Bearer \S+$/);
    expect(accepted).toHaveLength(1);
    const [a] = accepted as [Accepted];
    expect(a.authorization).toBeNull(); // no Basic header
    expect(a.form).toEqual(expect.arrayContaining(['grant_type', 'client_id', 'client_assertion_type', 'client_assertion']));
    expect(a.form).not.toContain('client_secret');
    expect(a.header).toEqual({ alg: 'RS256', typ: 'JWT', kid: 'key-1' });
    const { iss, sub, aud, jti, iat, exp } = a.claims as { iss: string; sub: string; aud: string; jti: string; iat: number; exp: number };
    expect([iss, sub, aud]).toEqual(['rsa-client', 'rsa-client', tokenUrl]);
    expect(jti).toMatch(/^[0-9a-f-]{36}$/);
    expect(exp - iat).toBe(60);
    expect(Math.abs(iat - Date.now() / 1000)).toBeLessThan(30);
  });

  it('through mcaOAuth(): req.mcaAuth() carries the token the server issued for the assertion', async () => {
    const auth = mcaOAuth({ env: {}, envFile: false, tokenUrl, clientId: 'ec-client', privateKey: ec.privatePem, retries: 0 });
    const app = express();
    app.use(auth);
    app.get('/', async (req, res) => void res.send(await req.mcaAuth()));
    const response = await request(app).get('/').expect(200);
    await waitFor(() => accepted.length >= 1);
    expect(response.text).toMatch(/^Bearer \S+$/);
    expect(accepted[0]).toMatchObject({ clientId: 'ec-client', header: { alg: 'ES256' } });
    await auth.close();
  });

  it('EC P-256 key as a JWK object signs ES256; PS256 on request for RSA', async () => {
    const e = provider({ clientId: 'ec-client', privateKey: ec.privateKey.export({ format: 'jwk' }) });
    await fetched(e, 1);
    expect(accepted[0]!.header.alg).toBe('ES256');
    expect(verifies(accepted[0]!.assertion, ec, 'ES256')).toBe(true);
    const ps = provider({ clientId: 'rsa-client', privateKey: rsa.privateKey, signingAlgorithm: 'PS256' });
    await fetched(ps, 2);
    expect(accepted[1]!.header.alg).toBe('PS256');
    expect(verifies(accepted[1]!.assertion, rsa, 'PS256')).toBe(true);
  });

  it('a certificate adds x5t#S256, which the server requires to name the registered certificate; x5t and x5c are opt-in', async () => {
    const chain = certifiedPem + ca.pem;
    await fetched(provider({ clientId: 'cert-client', privateKey: certified.privatePem, certificate: chain }), 1);
    expect(accepted[0]!.header).toEqual({ alg: 'RS256', typ: 'JWT', 'x5t#S256': x5tS256 });
    await fetched(provider({ clientId: 'cert-client', privateKey: certified.privatePem, certificate: chain, x5t: true, x5c: true }), 2);
    const header = accepted[1]!.header;
    expect(header.x5t).toBe(createHash('sha1').update(certificate.raw).digest('base64url'));
    expect(header.x5c).toEqual([certificate.raw.toString('base64'), new X509Certificate(ca.pem).raw.toString('base64')]);
    // Without the certificate the server's rule refuses the assertion: the header is what it checks.
    await expect(provider({ clientId: 'cert-client', privateKey: certified.privatePem }).getAuthorizationHeader()).rejects.toMatchObject({
      code: 'ERR_MCA_INVALID_CLIENT',
    });
    await waitFor(() => rejected.length >= 1);
    expect(rejected[0]!.detail).toMatch(/x5t#S256/);
  });

  it('reads a rotated key file at the next fetch, with a new jti, and no restart', async () => {
    const file = join(dir, 'rotating.pem');
    writeFileSync(file, rotatedA.privatePem);
    const p = provider({ clientId: 'rotating-client', privateKeyFile: file });
    const first = await fetched(p, 1);
    writeFileSync(file, JSON.stringify(rotatedB.privateKey.export({ format: 'jwk' }))); // a JWK now
    p.invalidate(first);
    await fetched(p, 2);
    expect(accepted).toHaveLength(2);
    expect(verifies(accepted[0]!.assertion, rotatedA, 'RS256')).toBe(true);
    expect(verifies(accepted[1]!.assertion, rotatedB, 'RS256')).toBe(true);
    expect(verifies(accepted[1]!.assertion, rotatedA, 'RS256')).toBe(false);
    expect(accepted[0]!.claims.jti).not.toBe(accepted[1]!.claims.jti);

    // A file that turns unreadable fails the fetch with its path, never its content.
    writeFileSync(file, 'not a key at all, but secret-ish text');
    p.invalidate(await p.getAuthorizationHeader()); // still B's token
    const error = await p.getAuthorizationHeader().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ERR_MCA_INVALID_PRIVATE_KEY', field: 'privateKey' });
    expect((error as Error).message).toContain(file);
    expect(renderEverywhere(error)).not.toContain('secret-ish');
  });

  it('a server that refuses the assertion (key not registered): ERR_MCA_INVALID_CLIENT, not retried, no key in the error', async () => {
    const p = provider({ clientId: 'rsa-client', privateKey: stranger.privatePem, retries: 3 });
    const error = await p.getAuthorizationHeader().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ERR_MCA_INVALID_CLIENT', tokenEndpointStatus: 401, oauthError: 'invalid_client', attempts: 1 });
    expect((error as Error).message).toMatch(/Check clientId and the key \(and certificate\) registered for it\.$/);
    await waitFor(() => rejected.length >= 1);
    expect(rejected).toHaveLength(1);
    const text = renderEverywhere(error);
    expect(text).not.toContain(stranger.privatePem.split('\n')[1]);
    // A wrong audience is refused by the server too.
    const wrongAud = provider({ clientId: 'rsa-client', privateKey: rsa.privatePem, assertionAudience: 'https://elsewhere.example' });
    await expect(wrongAud.getAuthorizationHeader()).rejects.toMatchObject({ code: 'ERR_MCA_INVALID_CLIENT' });
    await waitFor(() => rejected.length >= 2);
    expect(rejected[1]!.detail).toMatch(/aud/);
    // The issuer identifier is an audience the server accepts.
    await fetched(provider({ clientId: 'rsa-client', privateKey: rsa.privatePem, assertionAudience: issuer }), 1);
    expect(accepted.at(-1)!.claims.aud).toBe(issuer);
  });

  it('MCA_PRIVATE_KEY may hold the PEM with its newlines written as \\n, as one-line variables do', async () => {
    const p = createTokenProvider({
      envFile: false,
      tokenUrl,
      env: { MCA_CLIENT_ID: 'rsa-client', MCA_PRIVATE_KEY: rsa.privatePem.replace(/\n/g, '\\n'), MCA_KEY_ID: 'key-1' },
    });
    providers.push(p);
    await fetched(p, 1);
    expect(accepted[0]!.header.kid).toBe('key-1');
  });

  it('the cache key holds the key thumbprint, never the key; two keys never share a token', () => {
    const a = provider({ clientId: 'rsa-client', privateKey: rsa.privatePem });
    const b = provider({ clientId: 'rsa-client', privateKey: stranger.privatePem });
    const again = provider({ clientId: 'rsa-client', privateKey: rsa.privateKey });
    expect(a.cacheKey).not.toBe(b.cacheKey);
    expect(a.cacheKey).toBe(again.cacheKey);
    const rendered = inspect(a, { depth: 10 }) + JSON.stringify(a.stats());
    expect(rendered).not.toContain(rsa.privatePem.split('\n')[1]);
  });

  it('check shows the key type and thumbprint, the certificate subject and expiry, never the key', async () => {
    const keyFile = join(dir, 'check.pem');
    const certFile = join(dir, 'check-cert.pem');
    writeFileSync(keyFile, certified.privatePem);
    writeFileSync(certFile, certifiedPem);
    const out: string[] = [];
    const status = await main(
      ['check', '--no-env-file', '--client-id', 'cert-client', '--token-url', tokenUrl, '--private-key-file', keyFile, '--certificate-file', certFile],
      (l) => out.push(l),
      (l) => out.push(l),
    );
    const text = out.join('\n');
    expect(status).toBe(0);
    expect(text).toMatch(/^privateKey\s+RSA 2048-bit, JWK thumbprint [\w-]{43} \(file .*check\.pem, read at each fetch\)$/m);
    expect(text).toMatch(/^certificate\s+CN=cert-client, O=Test; expires \d{4}-\d\d-\d\dT[\d:.]+Z \(file .*check-cert\.pem\)$/m);
    expect(text).toMatch(/^assertion\s+RS256, aud the token URL, header alg x5t#S256, 60 s$/m);
    expect(text).toMatch(/token request\s+HTTP 200/);
    expect(text).not.toContain(certified.privatePem.split('\n')[1]);
  });
});

describe('private_key_jwt configuration errors', () => {
  const base = { env: {}, envFile: false as const, clientId: 'c', tokenUrl: 'http://127.0.0.1:9/token' };
  it.each([
    ['no key', { clientAuth: 'private_key_jwt' }, 'ERR_MCA_MISSING_PRIVATE_KEY'],
    ['a key and a secret, no clientAuth', { privateKey: rsa.privatePem, secret: 's' }, 'ERR_MCA_CONFLICTING_OPTIONS'],
    ['privateKey and privateKeyFile', { privateKey: rsa.privatePem, privateKeyFile: '/x' }, 'ERR_MCA_CONFLICTING_OPTIONS'],
    ['a public key', { privateKey: createPublicKey(rsa.privateKey) }, 'ERR_MCA_INVALID_PRIVATE_KEY'],
    ['garbage', { privateKey: 'not a key' }, 'ERR_MCA_INVALID_PRIVATE_KEY'],
    ['ES256 with an RSA key', { privateKey: rsa.privatePem, signingAlgorithm: 'ES256' }, 'ERR_MCA_INVALID_SIGNING_ALGORITHM'],
    ['an unknown algorithm', { privateKey: rsa.privatePem, signingAlgorithm: 'HS256' }, 'ERR_MCA_INVALID_SIGNING_ALGORITHM'],
    ['x5t without a certificate', { privateKey: rsa.privatePem, x5t: true }, 'ERR_MCA_INVALID_X5T'],
    ['a certificate of another key', { privateKey: rsa.privatePem, certificate: certifiedPem }, 'ERR_MCA_INVALID_CERTIFICATE'],
    ['a missing key file', { privateKeyFile: '/nonexistent/key.pem' }, 'ERR_MCA_INVALID_PRIVATE_KEY_FILE'],
    ['an unknown clientAuth', { clientAuth: 'tls_client_auth', secret: 's' }, 'ERR_MCA_INVALID_CLIENT_AUTH'],
  ])('%s', (_name, options, code) => {
    let error: unknown;
    try {
      createTokenProvider({ ...base, ...(options as object) });
    } catch (e) {
      error = e;
    }
    expect(isMcaConfigError(error)).toBe(true);
    expect(error).toMatchObject({ code });
    expect(renderEverywhere(error)).not.toContain(rsa.privatePem.split('\n')[1]);
  });

  it('reads MCA_PRIVATE_KEY_FILE and MCA_CERTIFICATE from the environment; the file error names the path', () => {
    const keyFile = join(dir, 'env.pem');
    writeFileSync(keyFile, certified.privatePem);
    const p = createTokenProvider({
      envFile: false,
      tokenUrl: 'http://127.0.0.1:9/token',
      env: { MCA_CLIENT_ID: 'c', MCA_PRIVATE_KEY_FILE: keyFile, MCA_CERTIFICATE: certifiedPem },
    });
    providers.push(p);
    const error = (() => {
      try {
        createTokenProvider({ envFile: false, tokenUrl: 'http://127.0.0.1:9/token', env: { MCA_CLIENT_ID: 'c', MCA_PRIVATE_KEY_FILE: '/nonexistent/k.pem' } });
      } catch (e) {
        return e as Error;
      }
    })();
    expect(error?.message).toContain('/nonexistent/k.pem');
    expect(error?.message).toContain('ENOENT');
  });
});
