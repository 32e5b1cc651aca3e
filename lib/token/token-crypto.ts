import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import type { StoredToken } from './token-store';

// Format of a sealed token: "v2." + base64url(iv[12] | tag[16] | ciphertext). The version prefix
// lets a later format be told apart; anything else simply fails to open and counts as a miss.
const PREFIX = 'v2.';
const PLAIN_PREFIX = 'p2.';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const SALT = Buffer.from('express-mca-oauth token store v1');

/** What a shared store keeps under one key: the token and the write generation it belongs to. */
export interface SealedPayload {
  token: StoredToken;
  /** The store's write counter when this value was written; an older one is a rollback. */
  generation: number;
}

/**
 * The key a provider hands its store: HKDF-SHA-256 of the auth's store key material (the private
 * half of a secret's slow fingerprint, or a private key), with the cache key as `info`. HKDF is
 * cheap, which is why the material is never a secret as typed: a store could then test guesses at
 * it. A store that keeps tokens outside the process mixes in a key of its own (the Redis store's
 * fleet key).
 */
export function deriveTokenKey(secret: string, cacheKey: string): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, SALT, cacheKey, 32));
}

function encode(payload: SealedPayload): Buffer {
  const { token, generation } = payload;
  return Buffer.from(JSON.stringify([token.accessToken, token.obtainedAt, token.expiresAt, generation]));
}

/** AES-256-GCM with a fresh random IV per write; `aad` (the store key) binds the value to its key. */
export function sealToken(payload: SealedPayload, key: Buffer, aad: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(aad));
  const body = Buffer.concat([cipher.update(encode(payload)), cipher.final()]);
  return PREFIX + Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
}

/** Opens a sealed token; undefined for anything tampered, foreign, moved, truncated or of another format. */
export function openToken(value: string, key: Buffer, aad: string): SealedPayload | undefined {
  if (!value.startsWith(PREFIX)) return undefined;
  const raw = Buffer.from(value.slice(PREFIX.length), 'base64url');
  if (raw.length <= IV_BYTES + TAG_BYTES) return undefined;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, IV_BYTES));
    decipher.setAAD(Buffer.from(aad));
    decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    const plain = Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]);
    return parsePayload(plain.toString('utf8'));
  } catch {
    return undefined;
  }
}

/** Reads the JSON form shared by sealed and (debug-only) plaintext values. */
function parsePayload(text: string): SealedPayload | undefined {
  try {
    const parsed: unknown = JSON.parse(text);
    if (!Array.isArray(parsed) || parsed.length !== 4) return undefined;
    const [accessToken, obtainedAt, expiresAt, generation] = parsed as unknown[];
    if (typeof accessToken !== 'string' || typeof obtainedAt !== 'number' || typeof expiresAt !== 'number') return undefined;
    if (typeof generation !== 'number' || !Number.isSafeInteger(generation)) return undefined;
    return { token: { accessToken, obtainedAt, expiresAt }, generation };
  } catch {
    return undefined;
  }
}

/** The plaintext form, for `encrypt: false` (debugging only). */
export function plainToken(payload: SealedPayload): string {
  return PLAIN_PREFIX + encode(payload).toString('utf8');
}

export function openPlainToken(value: string): SealedPayload | undefined {
  return value.startsWith(PLAIN_PREFIX) ? parsePayload(value.slice(PLAIN_PREFIX.length)) : undefined;
}
