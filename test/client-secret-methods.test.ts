// The two shared-secret methods (client_secret_basic, client_secret_post) as a token server and an
// operator see them: the exact bytes on the wire, the hint when the server refuses them, what the
// cache key and the store key depend on, what `check` prints, and the body of a grant override.
import { createHash, scryptSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTokenProvider, MemoryTokenStore, type TokenStore, type TokenStoreContext } from '../lib';
import { ClientSecretPost } from '../lib/token/client-auth/client-secret-post';
import { tokenRequestBuilder } from '../lib/token/client-auth/token-request';
import { runCli } from './helpers/run-cli';
import { startTokenServer, type TokenServer } from './helpers/token-server';

// A colon, a plus, a slash and a non-ASCII letter: the bytes a Basic header must carry unchanged.
const SECRET = 'sé:cr+et/=1';
let server: TokenServer;
beforeEach(async () => {
  server = await startTokenServer({ clientId: 'client-1', secret: SECRET });
});
afterEach(() => server.close());

const options = (secret: string, clientAuth: 'basic' | 'post' = 'basic') =>
  ({ env: {}, envFile: false, clientId: 'client-1', secret, tokenUrl: `${server.origin}/token`, clientAuth }) as const;

/** A store that records the keys and encryption keys it is handed, and holds nothing. */
function recordingStore(): TokenStore & { seen: { key: string; encryptionKey: string }[] } {
  const seen: { key: string; encryptionKey: string }[] = [];
  return {
    seen,
    get(key: string, context: TokenStoreContext) {
      seen.push({ key, encryptionKey: Buffer.from(context.encryptionKey).toString('hex') });
      return undefined;
    },
    set: () => undefined,
    delete: () => undefined,
  };
}

describe('client_secret_basic and client_secret_post on the wire', () => {
  it('basic sends Authorization: Basic base64("id:secret") of the raw UTF-8 bytes, and no secret in the body', async () => {
    const provider = createTokenProvider(options(SECRET, 'basic'));
    try {
      expect(await provider.getAuthorizationHeader()).toBe('Bearer tok-1');
      const [request] = server.requests;
      expect(request!.headers.authorization).toBe(`Basic ${Buffer.from(`client-1:${SECRET}`, 'utf8').toString('base64')}`);
      expect(request!.body).toBe('grant_type=client_credentials');
    } finally {
      await provider.close();
    }
  });

  it('post sends client_id and client_secret form fields after grant_type, and no Authorization header', async () => {
    const provider = createTokenProvider(options(SECRET, 'post'));
    try {
      expect(await provider.getAuthorizationHeader()).toBe('Bearer tok-1');
      const [request] = server.requests;
      expect(request!.headers.authorization).toBeUndefined();
      expect(request!.body).toBe(`grant_type=client_credentials&client_id=client-1&client_secret=${encodeURIComponent(SECRET).replace(/%20/g, '+')}`);
    } finally {
      await provider.close();
    }
  });

  it.each(['basic', 'post'] as const)(
    '%s: a refused secret is ERR_MCA_INVALID_CLIENT and tells the operator to check clientId and secret',
    async (clientAuth) => {
      const provider = createTokenProvider(options('wrong-secret', clientAuth));
      try {
        const error = (await provider.getAuthorizationHeader().catch((e: unknown) => e)) as Error & { code?: string };
        expect(error.code).toBe('ERR_MCA_INVALID_CLIENT');
        expect(error.message).toContain('Check clientId and secret.');
        expect(error.message).not.toContain('wrong-secret');
      } finally {
        await provider.close();
      }
    },
  );
});

describe('what the cache key and the store key depend on', () => {
  it('two secrets for one client give two cache keys and two store keys; one secret gives the same ones again', async () => {
    const seen: { cacheKey: string; key: string; encryptionKey: string }[] = [];
    for (const secret of ['secret-a', 'secret-b', 'secret-a']) {
      const store = recordingStore();
      const provider = createTokenProvider({ ...options(secret), store });
      try {
        await provider.getAuthorizationHeader().catch(() => undefined);
        seen.push({ cacheKey: provider.cacheKey, ...store.seen[0]! });
      } finally {
        await provider.close();
      }
    }
    const [a, b, again] = seen;
    expect(a!.key).toBe(a!.cacheKey);
    expect(b!.cacheKey).not.toBe(a!.cacheKey);
    expect(b!.encryptionKey).not.toBe(a!.encryptionKey);
    expect(again).toEqual(a);
  });

  it('a token fetched with one secret is not served to a provider configured with another secret', async () => {
    const store = new MemoryTokenStore();
    const good = createTokenProvider({ ...options(SECRET), store });
    const wrong = createTokenProvider({ ...options('not-the-secret'), store });
    try {
      expect(await good.getAuthorizationHeader()).toBe('Bearer tok-1');
      await expect(wrong.getAuthorizationHeader()).rejects.toMatchObject({ code: 'ERR_MCA_INVALID_CLIENT' });
    } finally {
      await good.close();
      await wrong.close();
      store.close();
    }
  });
});

describe('check, for a client secret', () => {
  it.each(['basic', 'post'] as const)('%s: prints clientAuth once, from its source, and no line of its own for the method', async (clientAuth) => {
    const { status, out } = await runCli([
      'check',
      '--no-env-file',
      '--client-id',
      'client-1',
      '--secret',
      SECRET,
      '--token-url',
      `${server.origin}/token`,
      '--client-auth',
      clientAuth,
    ]);
    expect(status).toBe(0);
    const labels = out.split('\n').map((line) => line.slice(0, 16).trim());
    expect(labels).toEqual(['clientId', 'secret', 'tokenUrl', 'clientAuth', 'token URL', 'token request', 'clock skew', 'store']);
    expect(out).toMatch(/^clientAuth\s+(basic|post)\s+from /m);
    expect(out).not.toContain(SECRET);
  });
});

describe('a grant override (token exchange, on behalf of a user)', () => {
  const shape = { tokenUrl: 'http://127.0.0.1:9/token', scope: 's', audience: 'a', resource: undefined };

  it('sends its grant_type and fields first, then the client fields, scope and audience, then its tail', async () => {
    const build = tokenRequestBuilder({ ...shape, auth: new ClientSecretPost('id', 'pw') });
    const grant = {
      grantType: 'urn:ietf:params:oauth:grant-type:token-exchange',
      fields: [['subject_token', 'st'] as const],
      tail: [['requested_token_type', 'rt'] as const],
    };
    const { body } = await build(grant);
    expect(body).toBe(
      'grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Atoken-exchange&subject_token=st&client_id=id&client_secret=pw&scope=s&audience=a&requested_token_type=rt',
    );
  });

  it('without a tail, ends with the client tail; without an override, is the client grant', async () => {
    const build = tokenRequestBuilder({ ...shape, auth: new ClientSecretPost('id', 'pw') });
    expect((await build({ grantType: 'g', fields: [['f', 'v']] })).body).toBe('grant_type=g&f=v&client_id=id&client_secret=pw&scope=s&audience=a');
    expect((await build()).body).toBe('grant_type=client_credentials&client_id=id&client_secret=pw&scope=s&audience=a');
  });
});

describe('the slow fingerprint a fleet shares', () => {
  // docs/security.md: the cache key holds a deterministic scrypt fingerprint of the secret, so every
  // process of a fleet, on this version or the next, computes the same key. Changing the salt or the
  // input orphans every token a shared Redis store holds at the next rolling deploy.
  const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

  it.each(['basic', 'post'] as const)('%s: the cache key holds scrypt(secret, "express-mca-oauth client secret fingerprint v1")', (clientAuth) => {
    const provider = createTokenProvider(options('fleet-s3cret', clientAuth));
    try {
      const fingerprint = scryptSync(JSON.stringify(['fleet-s3cret']), 'express-mca-oauth client secret fingerprint v1', 64, { N: 1 << 14, r: 8, p: 1 })
        .subarray(0, 32)
        .toString('hex');
      expect(provider.cacheKey).toBe(sha256(JSON.stringify([`${server.origin}/token`, 'client-1', fingerprint, null, null, clientAuth, null])));
    } finally {
      void provider.close();
    }
  });

  it('a trusted profile with an IAM client: two IAM client secrets give two cache keys; the same one the same key', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mca-cr-'));
    try {
      const crTokenFile = join(dir, 'cr-token');
      writeFileSync(crTokenFile, 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ3b3JrbG9hZCJ9.c2ln');
      const keys: string[] = [];
      for (const iamClientSecret of ['iam-secret-a', 'iam-secret-b', 'iam-secret-a']) {
        const provider = createTokenProvider({
          env: {},
          envFile: false,
          iamUrl: 'http://127.0.0.1:9',
          iamProfileId: 'Profile-1',
          crTokenFile,
          iamClientId: 'bx',
          iamClientSecret,
        });
        keys.push(provider.cacheKey);
        await provider.close();
      }
      expect(keys[1]).not.toBe(keys[0]);
      expect(keys[2]).toBe(keys[0]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
