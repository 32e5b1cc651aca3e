import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { ContainerAuthenticator, IamAuthenticator } from 'ibm-cloud-sdk-core';
import { createTokenProvider, getAuthorizationHeader, closeAuthorizationHeaderCache, isMcaTokenError, mcaOAuth, type TokenProvider } from '../../lib';
import { runCli } from '../helpers/run-cli';
import { fakeJwt, startIamServer, type IamRequest, type IamServer } from '../helpers/iam-server';
import { startProtectedBackend, type ProtectedBackend } from '../helpers/protected-backend';
import { watchForLeaks } from '../helpers/leak-watch';
import { callingApp } from '../helpers/calling-app';

// IBM Cloud IAM's API key grant, against a local IAM-compatible server that checks the exact form
// fields, and byte for byte against what IBM's own SDK core (ibm-cloud-sdk-core) sends.
const APIKEY = 'iam-Key_0123456789abcdefghijklmnopqrstuvwxyzAB';
const OTHER_KEY = 'other-Key_zyxwvutsrqponmlkjihgfedcba9876543210';
const IAM_CLIENT = { id: 'bx', secret: 'bx-client-s3cret' };
let iam: IamServer;
let backend: ProtectedBackend;
const providers: TokenProvider[] = [];
const closers: (() => Promise<void>)[] = [];
const dir = mkdtempSync(join(tmpdir(), 'mca-iam-'));
const watch = watchForLeaks(() => [APIKEY, OTHER_KEY, IAM_CLIENT.secret, ...(iam?.issued ?? [])]);

beforeEach(async () => {
  iam = await startIamServer({
    apikeys: [APIKEY],
    profiles: [
      { field: 'profile_name', value: 'my profile' },
      { field: 'profile_id', value: 'Profile-1' },
    ],
  });
  backend = await startProtectedBackend(() => iam.issued);
});
afterEach(async () => {
  await Promise.all(providers.splice(0).map((p) => p.close()));
  await Promise.all(closers.splice(0).map((c) => c()));
  await backend.close();
  await iam.close();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function provider(options: Record<string, unknown>): TokenProvider {
  const p = createTokenProvider({ env: {}, envFile: false, iamUrl: iam.url, retryBaseMs: 1, retryMaxMs: 5, ...options });
  providers.push(p);
  return p;
}

/** What must be identical on the wire: method, path, body bytes, and the two headers that carry meaning. */
function wire(r: IamRequest): Record<string, unknown> {
  return { method: r.method, url: r.url, body: r.body, contentType: r.headers['content-type'], authorization: r.headers.authorization };
}

describe('the IAM request, byte for byte against ibm-cloud-sdk-core', () => {
  it.each([
    ['API key alone', {}, {}],
    ["API key, scope with a space and !*()~', IAM Basic client", { scope: "ibm openid a!*()~'" }, { clientId: IAM_CLIENT.id, clientSecret: IAM_CLIENT.secret }],
  ])('%s: IamAuthenticator and this package send the same bytes', async (_name, extra: Record<string, string>, client: Record<string, string>) => {
    await iam.close();
    iam = await startIamServer({ apikeys: [APIKEY], client: client.clientId ? IAM_CLIENT : undefined });
    const ibm = new IamAuthenticator({ apikey: APIKEY, url: iam.url, ...extra, ...client });
    await ibm.authenticate({ headers: {} });
    const ours = provider({ apikey: APIKEY, ...extra, ...(client.clientId ? { iamClientId: client.clientId, iamClientSecret: client.clientSecret } : {}) });
    expect(await ours.getAuthorizationHeader()).toBe(`Bearer ${iam.issued[1]}`);
    expect(iam.requests).toHaveLength(2);
    const [theirs, mine] = iam.requests as [IamRequest, IamRequest];
    expect(wire(mine)).toEqual(wire(theirs));
    // The bytes, spelled out: IBM's order (apikey first) and Node querystring's encoding.
    expect(mine.body.startsWith(`apikey=${APIKEY}&grant_type=urn%3Aibm%3Aparams%3Aoauth%3Agrant-type%3Aapikey&response_type=cloud_iam`)).toBe(true);
    // The headers that differ by design: the client's name, and Accept (IBM's is axios' default).
    expect(mine.headers.accept).toBe('application/json');
    expect(theirs.headers['user-agent']).toMatch(/^ibm-node-sdk-core\/iam-authenticator/);
  });

  it('a trailing /identity/token on iamUrl is not doubled (IBM strips it too)', async () => {
    await new IamAuthenticator({ apikey: APIKEY, url: `${iam.url}/identity/token` }).authenticate({ headers: {} });
    await provider({ apikey: APIKEY, iamUrl: `${iam.url}/identity/token/` }).getAuthorizationHeader();
    expect(iam.requests.map((r) => r.url)).toEqual(['/identity/token', '/identity/token']);
  });

  it.each([
    ['profile_name (with a space)', { iamProfileName: 'my profile' }, { iamProfileName: 'my profile' }],
    ['profile_id', { iamProfileId: 'Profile-1' }, { iamProfileId: 'Profile-1' }],
  ])('compute-resource token with %s: ContainerAuthenticator and this package send the same bytes', async (_name, ibmProfile, ourProfile) => {
    const file = join(dir, 'cr-token');
    const crToken = fakeJwt('crn:compute-resource');
    writeFileSync(file, crToken);
    iam.crTokens.add(crToken);
    await new ContainerAuthenticator({ ...ibmProfile, crTokenFilename: file, url: iam.url }).authenticate({ headers: {} });
    await provider({ ...ourProfile, crTokenFile: file }).getAuthorizationHeader();
    const [theirs, mine] = iam.requests as [IamRequest, IamRequest];
    expect(wire(mine)).toEqual(wire(theirs));
    expect(mine.body).toMatch(/^grant_type=urn%3Aibm%3Aparams%3Aoauth%3Agrant-type%3Acr-token&cr_token=[\w.-]+&profile_(name|id)=/);
  });
});

describe('the IAM API key grant', () => {
  it('uses expires_in from before the request, never the refresh token: renewal is a new API key grant', async () => {
    const p = provider({ apikey: APIKEY });
    const lifetimes: number[] = [];
    p.on('token', (e: { lifetimeMs: number }) => lifetimes.push(e.lifetimeMs));
    const first = await p.getAuthorizationHeader();
    p.invalidate(first);
    expect(await p.getAuthorizationHeader()).toBe(`Bearer ${iam.issued[1]}`);
    expect(lifetimes).toEqual([3_600_000, 3_600_000]);
    expect(iam.requests.map((r) => new URLSearchParams(r.body).get('grant_type'))).toEqual([
      'urn:ibm:params:oauth:grant-type:apikey',
      'urn:ibm:params:oauth:grant-type:apikey',
    ]);
    expect(iam.refreshAttempts).toBe(0);
  });

  it('believes an earlier `expiration` (read against the server Date) over expires_in', async () => {
    const now = Math.floor(Date.now() / 1000);
    iam.script.push({
      body: { access_token: 'short.lived.token', token_type: 'Bearer', expires_in: 3600, expiration: now + 600 },
      headers: { Date: new Date(now * 1000).toUTCString() },
    });
    const p = provider({ apikey: APIKEY });
    const lifetimes: number[] = [];
    p.on('token', (e: { lifetimeMs: number }) => lifetimes.push(e.lifetimeMs));
    await p.getAuthorizationHeader();
    expect(lifetimes[0]).toBeGreaterThan(598_000);
    expect(lifetimes[0]).toBeLessThanOrEqual(601_000);
  });

  it.each([
    ['400 BXNIM0415E (key not found)', 400, 'BXNIM0415E', 'ERR_MCA_INVALID_CLIENT', 1],
    ['500 BXNIM0502E (IAM down), retried', 500, 'BXNIM0502E', 'ERR_MCA_TOKEN_REQUEST_FAILED', 4],
  ])('maps the IAM error shape: %s', async (_name, status, errorCode, code, posts) => {
    for (let i = 0; i < 4; i++) {
      iam.script.push({
        status,
        body: { errorCode, errorMessage: `Provided API key could not be found: ${APIKEY}`, context: { requestId: 'r', apikey: APIKEY } },
      });
    }
    const error = watch.collect(
      await provider({ apikey: APIKEY })
        .getAuthorizationHeader()
        .catch((e: unknown) => e),
    );
    expect(isMcaTokenError(error)).toBe(true);
    expect(error).toMatchObject({ code, errorCode });
    expect((error as Error).message).toContain(errorCode);
    // IAM's free text may echo what it received: never repeated.
    expect((error as Error).message).not.toContain('could not be found');
    expect(JSON.parse(JSON.stringify(error))).toMatchObject({ errorCode });
    expect(iam.requests).toHaveLength(posts);
  });

  it('an errorCode that is not in IBM form is not kept', async () => {
    iam.script.push({ status: 400, body: { errorCode: `BXNIM0415E ${APIKEY}`, errorMessage: 'x' } });
    const error = watch.collect(
      await provider({ apikey: APIKEY })
        .getAuthorizationHeader()
        .catch((e: unknown) => e),
    );
    expect(error).toMatchObject({ code: 'ERR_MCA_TOKEN_REQUEST_FAILED' });
    expect((error as { errorCode?: string }).errorCode).toBeUndefined();
  });

  it('a wrong key is refused by IAM and reported without the key', async () => {
    const error = watch.collect(
      await provider({ apikey: OTHER_KEY })
        .getAuthorizationHeader()
        .catch((e: unknown) => e),
    );
    expect(error).toMatchObject({ code: 'ERR_MCA_INVALID_CLIENT', errorCode: 'BXNIM0415E' });
    expect((error as Error).message).toContain('Check the API key');
  });

  it('two keys never share a token; the cache key holds a slow fingerprint, not the key or its SHA-256', async () => {
    const a = provider({ apikey: APIKEY });
    const b = provider({ apikey: OTHER_KEY });
    expect(a.cacheKey).not.toBe(b.cacheKey);
    const { createHash } = await import('node:crypto');
    const sha = createHash('sha256').update(APIKEY).digest('hex');
    const { resolveProviderConfig } = await import('../../lib/settings/resolve-config');
    const config = resolveProviderConfig({ env: {}, envFile: false, iamUrl: iam.url, apikey: APIKEY });
    expect(config.auth.cacheKeyParts.join()).not.toContain(sha);
    expect(config.auth.cacheKeyParts.join()).not.toContain(APIKEY);
    expect(config.cacheKey).toBe(a.cacheKey);
  });

  it('VCAP_SERVICES: the binding picked by serviceName with an apikey (Cloudant) uses IAM; an App ID binding with an apikey stays App ID', async () => {
    const vcap = JSON.stringify({
      AppID: [{ name: 'appid', credentials: { clientId: 'app-client', secret: 'app-secret', oauthServerUrl: `${iam.url}/oauth/v4/t1`, apikey: OTHER_KEY } }],
      cloudantNoSQLDB: [{ name: 'orders-db', credentials: { apikey: APIKEY, iam_apikey_name: 'auto-generated', url: backend.url, host: 'x.cloudant.com' } }],
    });
    // On Cloud Foundry VCAP_APPLICATION is always set too: its application_id is no MCA tenant here.
    const cloudant = provider({ env: { VCAP_SERVICES: vcap, VCAP_APPLICATION: JSON.stringify({ application_id: 'app-guid' }) }, serviceName: 'orders-db' });
    expect(await cloudant.getAuthorizationHeader()).toBe(`Bearer ${iam.issued[0]}`);
    expect(new URLSearchParams(iam.requests[0]!.body).get('apikey')).toBe(APIKEY);
    const { resolveProviderConfig } = await import('../../lib/settings/resolve-config');
    const appId = resolveProviderConfig({ env: { VCAP_SERVICES: vcap }, envFile: false });
    expect(appId).toMatchObject({ clientAuth: 'basic', endpointKind: 'appid' });
    const picked = resolveProviderConfig({ env: { VCAP_SERVICES: vcap }, envFile: false, serviceName: 'appid' });
    expect(picked).toMatchObject({ clientAuth: 'basic', endpointKind: 'appid' });
    // An explicit key wins over a bound service's client credentials, which are dropped, not mixed in.
    const explicit = resolveProviderConfig({ env: { VCAP_SERVICES: vcap, MCA_APIKEY: APIKEY }, envFile: false });
    expect(explicit).toMatchObject({
      clientAuth: 'iam_apikey',
      endpointKind: 'iam',
      tokenUrl: 'https://iam.cloud.ibm.com/identity/token',
      clientId: undefined,
      secret: undefined,
    });
    expect(explicit.sources).toEqual({});
  });

  it('works end to end through mcaOAuth() and req.mcaClient (Cloudant-style back end)', async () => {
    const auth = mcaOAuth({ env: { MCA_APIKEY: APIKEY, MCA_IAM_URL: iam.url }, envFile: false, protectedBackends: [backend.url] });
    closers.push(() => auth.close());
    const app = callingApp(auth, `${backend.url}/orders/_all_docs`);
    await request(app).get('/call').expect(200, { status: 200 });
    await request(app).get('/call').expect(200);
    expect(backend.seen).toEqual([`Bearer ${iam.issued[0]}`, `Bearer ${iam.issued[0]}`]);
    expect(iam.requests).toHaveLength(1);
  });

  it('getAuthorizationHeader({ apikey, iamUrl }) works too, cached', async () => {
    try {
      const options = { env: {}, envFile: false as const, apikey: APIKEY, iamUrl: iam.url };
      expect(await getAuthorizationHeader(options)).toBe(`Bearer ${iam.issued[0]}`);
      expect(await getAuthorizationHeader(options)).toBe(`Bearer ${iam.issued[0]}`);
      expect(iam.requests).toHaveLength(1);
    } finally {
      await closeAuthorizationHeaderCache();
    }
  });
});

describe('the CLI with an IAM API key', () => {
  async function run(args: string[], env: Record<string, string>): Promise<{ status: number; out: string; err: string }> {
    const saved = { ...process.env };
    Object.assign(process.env, env);
    try {
      const { status, out, err } = await runCli(args);
      return { status, out, err };
    } finally {
      for (const name of Object.keys(env)) if (saved[name] === undefined) delete process.env[name];
      Object.assign(process.env, saved);
    }
  }

  it('token prints the header; check shows the grant, the key masked, the IAM URL and one real request', async () => {
    const token = await run(['token', '--no-env-file', '--iam-url', iam.url], { MCA_APIKEY: APIKEY });
    expect(token).toEqual({ status: 0, out: `Bearer ${iam.issued[0]}`, err: '' });
    const check = await run(['check', '--no-env-file', '--iam-url', iam.url], { MCA_APIKEY: APIKEY });
    expect(check.status).toBe(0);
    expect(check.out).toMatch(/^grant\s+iam_apikey \(urn:ibm:params:oauth:grant-type:apikey\)$/m);
    expect(check.out).toMatch(/^apikey\s+\*\*\*\* \(from MCA_APIKEY in the environment\), fingerprint [0-9a-f]{12}$/m);
    expect(check.out).toContain(`${iam.url}/identity/token (iam)`);
    expect(check.out).toMatch(/token request\s+HTTP 200 in \d+ ms, lifetime 3600 s/);
    expect(check.out + check.err).not.toContain(APIKEY);
    expect(check.out).not.toContain(iam.issued[1]);
  });

  it('a refused key is one line with its code and IAM errorCode, never the key', async () => {
    const r = await run(['token', '--no-env-file', '--iam-url', iam.url], { MCA_APIKEY: OTHER_KEY });
    expect(r.status).toBe(1);
    expect(r.err).toMatch(/^error ERR_MCA_INVALID_CLIENT: .*BXNIM0415E/);
    expect(r.err).not.toContain(OTHER_KEY);
  });
});
