// Issue 21, row 5: nothing that leaves a provider (`provider.cacheKey`, the key and the
// `encryptionKey` a custom TokenStore is handed) lets anyone test a guess of the secret cheaply;
// the keys are the same in every process of a fleet.
import { createHash, hkdfSync, scryptSync } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { createTokenProvider, type StoredToken, type TokenStore, type TokenStoreContext } from '../lib';

const WORDS = ['password', 'letmein', 'correct-horse', 'dragon', 'monkey'];
const TOKEN_URL = 'https://auth.example.com/oauth/token';

/** A custom store that keeps what it is shown, and answers with a live token (no token request). */
function spyStore(): TokenStore & { seen: { key: string; encryptionKey: Buffer }[] } {
  const seen: { key: string; encryptionKey: Buffer }[] = [];
  return {
    seen,
    get(key: string, context: TokenStoreContext): StoredToken {
      seen.push({ key, encryptionKey: Buffer.from(context.encryptionKey) });
      return { accessToken: 'tok', obtainedAt: Date.now(), expiresAt: Date.now() + 3_600_000 };
    },
    set: () => undefined,
    delete: () => undefined,
  };
}

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/** What an attacker who sees the store computes per guess, at hash speed: the last round's derivations. */
function fastGuesses(word: string, seenKey: string): { keys: string[]; encryptionKeys: Buffer[] } {
  const keys = ['basic', 'client_secret_basic', 'post', 'client_secret_post'].map((auth) =>
    sha256(JSON.stringify([TOKEN_URL, 'client-1', sha256(word), null, null, auth, null])),
  );
  const encryptionKeys = [word, sha256(word)].map((material) =>
    Buffer.from(hkdfSync('sha256', material, Buffer.from('express-mca-oauth token store v1'), seenKey, 32)),
  );
  return { keys, encryptionKeys };
}

it('a client secret from a short word list cannot be found from the cache key or the store key at hash speed', async () => {
  const store = spyStore();
  const provider = createTokenProvider({ env: {}, envFile: false, clientId: 'client-1', secret: 'correct-horse', tokenUrl: TOKEN_URL, store });
  try {
    expect(await provider.getAuthorizationHeader()).toBe('Bearer tok');
    const [{ key, encryptionKey }] = store.seen as [{ key: string; encryptionKey: Buffer }];
    expect(key).toBe(provider.cacheKey);
    for (const word of WORDS) {
      const guess = fastGuesses(word, key);
      expect(guess.keys).not.toContain(key);
      for (const candidate of guess.encryptionKeys) expect(candidate.equals(encryptionKey)).toBe(false);
    }
    // The only way from a guess to the key: one scrypt (N=2^14, r=8: ~16 MiB and tens of ms) each.
    const slow = scryptSync(JSON.stringify(['correct-horse']), 'express-mca-oauth client secret fingerprint v1', 64, { N: 1 << 14, r: 8, p: 1 });
    const clientAuths = ['basic', 'client_secret_basic'];
    const expected = clientAuths.map((auth) => sha256(JSON.stringify([TOKEN_URL, 'client-1', slow.subarray(0, 32).toString('hex'), null, null, auth, null])));
    expect(expected).toContain(key);
  } finally {
    await provider.close();
  }
});

it('an IAM API key: the store key is not HKDF of the key itself', async () => {
  const store = spyStore();
  const apikey = 'Abcdefghijklmnopqrstuvwxyz0123456789_-ABCD';
  const provider = createTokenProvider({ env: {}, envFile: false, apikey, iamUrl: 'https://iam.example.com', store });
  try {
    await provider.getAuthorizationHeader();
    const [{ key, encryptionKey }] = store.seen as [{ key: string; encryptionKey: Buffer }];
    const fast = Buffer.from(hkdfSync('sha256', apikey, Buffer.from('express-mca-oauth token store v1'), key, 32));
    expect(fast.equals(encryptionKey)).toBe(false);
  } finally {
    await provider.close();
  }
});

it('the cache key and the store key are the same in another process (a fleet shares its cache)', async () => {
  const store = spyStore();
  const options = { env: {}, envFile: false as const, clientId: 'client-1', secret: 'fleet-shared-s3cret', tokenUrl: TOKEN_URL };
  const provider = createTokenProvider({ ...options, store });
  try {
    await provider.getAuthorizationHeader();
    const script = `
      const { createTokenProvider } = require(${JSON.stringify(join(__dirname, '..', 'dist', 'index.js'))});
      const seen = [];
      const store = { get: (k, c) => { seen.push([k, Buffer.from(c.encryptionKey).toString('hex')]); return { accessToken: 't', obtainedAt: Date.now(), expiresAt: Date.now() + 3600000 }; }, set() {}, delete() {} };
      const p = createTokenProvider({ ...${JSON.stringify(options)}, store });
      p.getAuthorizationHeader().then(() => { process.stdout.write(JSON.stringify(seen[0])); return p.close(); });`;
    const [otherKey, otherEncryptionKey] = JSON.parse(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' })) as [string, string];
    expect(otherKey).toBe(store.seen[0]!.key);
    expect(otherEncryptionKey).toBe(store.seen[0]!.encryptionKey.toString('hex'));
  } finally {
    await provider.close();
  }
});
