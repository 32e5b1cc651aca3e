import { createHmac, randomBytes } from 'node:crypto';
import { MAX_ACCESS_TOKEN_CHARS } from '../token-endpoint';

/** The end user's token, as read from the request being served. Never rendered: see {@link SubjectToken}. */
export type SubjectReading =
  /** The call serves no request (made through the shared `auth.client`, `auth.fetch`, `auth.authorization`). */
  | { kind: 'no-request' }
  /** A request is served, but its `Authorization` is absent, not `Bearer`, or malformed. */
  | { kind: 'no-bearer' }
  | { kind: 'token'; token: SubjectToken };

// `Bearer`, one or more spaces, the token (visible ASCII: what a header can carry and IBM's
// validator does not split), optional trailing spaces. Anything else is not a bearer token.
const BEARER = /^Bearer +([\x21-\x7e]+) *$/i;

// A process-wide random key: a fingerprint tells two subjects apart without being a hash anyone
// could compute from a token they hold (a heap dump shows fingerprints, not what they stand for).
const FINGERPRINT_KEY = randomBytes(32);

/**
 * One subject token. The token is a private field: `util.inspect`, `JSON.stringify` and a heap
 * walk through own properties find only the fingerprint and the expiry.
 */
export class SubjectToken {
  readonly #token: string;
  /** HMAC-SHA-256 of the token under a per-process random key: the cache key, never the token. */
  readonly fingerprint: string;
  /** The token's own `exp` (epoch ms) when it is a JWT whose payload says so; undefined otherwise. */
  readonly expiresAt: number | undefined;

  constructor(token: string) {
    this.#token = token;
    this.fingerprint = createHmac('sha256', FINGERPRINT_KEY).update(token).digest('base64url');
    this.expiresAt = readExpiry(token);
  }

  /** The token itself, for the exchange request's body only. */
  reveal(): string {
    return this.#token;
  }

  toJSON(): Record<string, unknown> {
    return { fingerprint: this.fingerprint };
  }
}

/**
 * Reads the incoming request's `Authorization` value. Only `Bearer` is a subject token: a `Basic`
 * header is a password, a `DPoP` token is bound to the caller's key and useless to exchange here.
 */
export function readSubject(header: string | string[] | undefined): SubjectReading {
  if (typeof header !== 'string' || header.length > MAX_ACCESS_TOKEN_CHARS + 16) return { kind: 'no-bearer' };
  const match = BEARER.exec(header);
  if (match === null || match[1]!.length > MAX_ACCESS_TOKEN_CHARS) return { kind: 'no-bearer' };
  return { kind: 'token', token: new SubjectToken(match[1]!) };
}

/**
 * The `exp` claim of a JWT, unverified. It only ever shortens how long an exchanged token is
 * cached (a forged `exp` can shorten the forger's own cache, never lengthen it past the issued
 * token's lifetime), so reading it without the issuer's key is safe.
 */
function readExpiry(token: string): number | undefined {
  const first = token.indexOf('.');
  const second = first < 0 ? -1 : token.indexOf('.', first + 1);
  if (second < 0) return undefined;
  try {
    const payload: unknown = JSON.parse(Buffer.from(token.slice(first + 1, second), 'base64url').toString('utf8'));
    if (typeof payload !== 'object' || payload === null) return undefined;
    const exp = (payload as { exp?: unknown }).exp;
    return typeof exp === 'number' && Number.isFinite(exp) ? exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}
