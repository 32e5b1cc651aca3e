import { createHash, scryptSync } from 'node:crypto';

// scrypt with these costs takes about 0.05–0.1 s and 16 MiB per guess, against ~100,000 guesses a
// second for a SHA-256 or an HKDF: nothing that leaves a provider (`provider.cacheKey`, the key and
// the `encryptionKey` a custom TokenStore is handed) may be a cheap oracle for a secret.
const COST = { N: 1 << 14, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };
// The same secret is fingerprinted once per process (the middleware's, each entry's, the CLI's
// `check`), not once per provider: a bounded memory, keyed by a hash that never leaves it.
const MEMORY_SIZE = 64;
const memory = new Map<string, SecretFingerprint>();

/** Two values derived from one secret, neither of which yields the other or the secret cheaply. */
export interface SecretFingerprint {
  /** Public: the cache key holds it, and `check` shows its first 12 characters. */
  fingerprint: string;
  /**
   * Private: what the store's encryption key is derived from. It is the other half of the same
   * scrypt output, so knowing the fingerprint (the store sees it) does not give it.
   */
  keyMaterial: string;
}

/**
 * A slow, deterministic fingerprint of secret material: the same on every process of a fleet (a
 * fixed salt per purpose), two secrets never share a token, and a guess at the secret costs one
 * scrypt. Computed at startup, once per secret and purpose.
 */
export function secretFingerprint(purpose: string, secrets: readonly string[]): SecretFingerprint {
  const input = JSON.stringify(secrets);
  const id = createHash('sha256').update(purpose).update('\0').update(input).digest('base64');
  const known = memory.get(id);
  if (known !== undefined) return known;
  const bytes = scryptSync(input, `express-mca-oauth ${purpose} fingerprint v1`, 64, COST);
  const result = { fingerprint: bytes.subarray(0, 32).toString('hex'), keyMaterial: bytes.subarray(32).toString('base64') };
  if (memory.size >= MEMORY_SIZE) memory.clear();
  memory.set(id, result);
  return result;
}

/** The public half only (cache keys of settings that are not the store's key material). */
export function slowFingerprint(purpose: string, secrets: readonly string[]): string {
  return secretFingerprint(purpose, secrets).fingerprint;
}
