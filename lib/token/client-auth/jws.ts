import { constants, sign, type KeyObject } from 'node:crypto';
import type { AssertionAlgorithm } from './key-material';

/**
 * A compact JWS (RFC 7515) signed with node:crypto. Signing needs one `crypto.sign` call and two
 * base64url encodings; a library would add a runtime dependency (jose is ESM-only) for that.
 * ES256 signatures are the raw r||s form JWS requires (`ieee-p1363`), not DER.
 */
export function signJws(header: Record<string, unknown>, payload: Record<string, unknown>, key: KeyObject, alg: AssertionAlgorithm): string {
  const input = `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
  const data = Buffer.from(input);
  const signature =
    alg === 'RS256'
      ? sign('sha256', data, key)
      : alg === 'PS256'
        ? sign('sha256', data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 })
        : sign('sha256', data, { key, dsaEncoding: 'ieee-p1363' });
  return `${input}.${signature.toString('base64url')}`;
}
