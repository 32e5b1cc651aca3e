import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import type { StoredToken } from './token-store';

// Format of a sealed token: "v1." + base64url(iv[12] | tag[16] | ciphertext). The version prefix
// lets a later format be told apart; anything else simply fails to open and counts as a miss.
const PREFIX = 'v1.';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const SALT = Buffer.from('express-mca-oauth token store v1');

/**
 * The key that seals one configuration's tokens: HKDF-SHA-256 of the client secret, with the cache
 * key as `info`. Whoever can read the store but lacks the secret cannot use the tokens, and a token
 * sealed under one secret does not open under another.
 */
export function deriveTokenKey(secret: string, cacheKey: string): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, SALT, cacheKey, 32));
}

/** AES-256-GCM with a fresh random IV per write; `aad` (the store key) binds the value to its key. */
export function sealToken(token: StoredToken, key: Buffer, aad: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(aad));
  const plain = Buffer.from(JSON.stringify([token.accessToken, token.obtainedAt, token.expiresAt]));
  const body = Buffer.concat([cipher.update(plain), cipher.final()]);
  return PREFIX + Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
}

/** Opens a sealed token; undefined for anything tampered, foreign, truncated or of another format. */
export function openToken(value: string, key: Buffer, aad: string): StoredToken | undefined {
  if (!value.startsWith(PREFIX)) return undefined;
  const raw = Buffer.from(value.slice(PREFIX.length), 'base64url');
  if (raw.length <= IV_BYTES + TAG_BYTES) return undefined;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, IV_BYTES));
    decipher.setAAD(Buffer.from(aad));
    decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    const plain = Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]);
    return parseToken(plain.toString('utf8'));
  } catch {
    return undefined;
  }
}

/** Reads the JSON form shared by sealed and (debug-only) plaintext values. */
export function parseToken(text: string): StoredToken | undefined {
  try {
    const parsed: unknown = JSON.parse(text);
    if (!Array.isArray(parsed) || parsed.length !== 3) return undefined;
    const [accessToken, obtainedAt, expiresAt] = parsed as unknown[];
    if (typeof accessToken !== 'string' || typeof obtainedAt !== 'number' || typeof expiresAt !== 'number') return undefined;
    return { accessToken, obtainedAt, expiresAt };
  } catch {
    return undefined;
  }
}

/** The plaintext form, for `encrypt: false` (debugging only). */
export function plainToken(token: StoredToken): string {
  return `p1.${JSON.stringify([token.accessToken, token.obtainedAt, token.expiresAt])}`;
}

export function openPlainToken(value: string): StoredToken | undefined {
  return value.startsWith('p1.') ? parseToken(value.slice(3)) : undefined;
}
