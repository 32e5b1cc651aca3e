import { createHash, createPublicKey, generateKeyPairSync, randomUUID, sign, type KeyObject } from 'node:crypto';
import { inspect } from 'node:util';
import { McaConfigError } from '../../errors/mca-config-error';

/** The public half of a P-256 key, as a proof's header carries it. */
interface PublicJwk {
  crv: 'P-256';
  kty: 'EC';
  x: string;
  y: string;
}

/** What one proof is for (RFC 9449 §4.2). */
export interface ProofClaims {
  /** The HTTP method, upper-case. */
  htm: string;
  /** The target URL; its query and fragment are left out here. */
  htu: string;
  /** The access token the request carries (its hash becomes `ath`); absent for the token request. */
  accessToken?: string;
  /** The server's last `DPoP-Nonce`, when it asked for one. */
  nonce?: string;
}

const b64 = (text: string): string => Buffer.from(text).toString('base64url');

/** `htu`: scheme, host and path; no query, no fragment (RFC 9449 §4.2). */
export function proofUrl(url: string): string {
  const parsed = new URL(url);
  return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
}

/** `ath`: base64url of the SHA-256 of the access token's ASCII bytes. */
export function tokenHash(accessToken: string): string {
  return createHash('sha256').update(accessToken, 'ascii').digest('base64url');
}

/**
 * The key a middleware's DPoP-bound tokens are bound to (ES256, P-256). The private key is a
 * `KeyObject` in a private field: `util.inspect`, `JSON.stringify` and a walk of own properties show
 * the thumbprint only, and it is never exported. A token stolen without it is worthless.
 */
export class DpopKey {
  readonly #privateKey: KeyObject;
  // The header is the same for every proof: encoded once.
  readonly #header: string;
  /** RFC 7638 SHA-256 thumbprint of the public key: the `jkt` a bound token names. */
  readonly thumbprint: string;

  /** A fresh key pair, per middleware. */
  static generate(): DpopKey {
    return new DpopKey(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey);
  }

  /** `field` is the setting the key came from, which an error names (`dpopKey` or `dpopKeyFile`). */
  constructor(privateKey: KeyObject, field: 'dpopKey' | 'dpopKeyFile' = 'dpopKey') {
    if (privateKey.type !== 'private' || privateKey.asymmetricKeyType !== 'ec' || privateKey.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
      const code = field === 'dpopKey' ? 'ERR_MCA_INVALID_DPOP_KEY' : 'ERR_MCA_INVALID_DPOP_KEY_FILE';
      throw new McaConfigError(code, `Invalid \`${field}\`: it must be a P-256 (ES256) private key.`, { field });
    }
    this.#privateKey = privateKey;
    const exported = createPublicKey(privateKey).export({ format: 'jwk' }) as { x: string; y: string };
    // RFC 7638: the required members, in lexicographic order, no whitespace.
    const jwk: PublicJwk = { crv: 'P-256', kty: 'EC', x: exported.x, y: exported.y };
    this.thumbprint = createHash('sha256').update(JSON.stringify(jwk)).digest('base64url');
    this.#header = b64(JSON.stringify({ typ: 'dpop+jwt', alg: 'ES256', jwk }));
  }

  /** A fresh proof: a new `jti`, `iat` now (epoch ms given; wall clock, the server checks it). */
  proof(claims: ProofClaims, now: number): string {
    const payload: Record<string, unknown> = { jti: randomUUID(), htm: claims.htm, htu: proofUrl(claims.htu), iat: Math.floor(now / 1000) };
    if (claims.accessToken !== undefined) payload.ath = tokenHash(claims.accessToken);
    if (claims.nonce !== undefined) payload.nonce = claims.nonce;
    const input = `${this.#header}.${b64(JSON.stringify(payload))}`;
    const signature = sign('sha256', Buffer.from(input), { key: this.#privateKey, dsaEncoding: 'ieee-p1363' });
    return `${input}.${signature.toString('base64url')}`;
  }

  toJSON(): Record<string, unknown> {
    return { thumbprint: this.thumbprint };
  }

  [inspect.custom](): string {
    return `DpopKey { thumbprint: '${this.thumbprint}' }`;
  }
}
