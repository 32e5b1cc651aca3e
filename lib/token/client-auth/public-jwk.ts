import { createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';

/**
 * The public JWK of a private key. node:crypto exports no JWK for an RSA-PSS key ("Unsupported JWK
 * Key Type"), yet its public part is an ordinary RSA modulus and exponent: the BIT STRING of its
 * SubjectPublicKeyInfo holds a PKCS#1 RSAPublicKey (RFC 4055 §1.2), which imports as an RSA key.
 */
export function publicJwk(key: KeyObject): JsonWebKey {
  const publicKey = createPublicKey(key);
  if (publicKey.asymmetricKeyType !== 'rsa-pss') return publicKey.export({ format: 'jwk' });
  const spki = publicKey.export({ format: 'der', type: 'spki' });
  const outer = element(spki, 0);
  const algorithm = element(spki, outer.contentStart);
  const bitString = element(spki, algorithm.end);
  // The BIT STRING's first content byte counts the unused bits (0 for a DER key).
  const rsaPublicKey = spki.subarray(bitString.contentStart + 1, bitString.end);
  return createPublicKey({ key: rsaPublicKey, format: 'der', type: 'pkcs1' }).export({ format: 'jwk' });
}

/** One DER element's content start and end (RFC 4055 keys use definite lengths only). */
function element(der: Buffer, offset: number): { contentStart: number; end: number } {
  const first = der[offset + 1]!;
  if (first < 0x80) return { contentStart: offset + 2, end: offset + 2 + first };
  const octets = first & 0x7f;
  let length = 0;
  for (let i = 0; i < octets; i++) length = length * 256 + der[offset + 2 + i]!;
  return { contentStart: offset + 2 + octets, end: offset + 2 + octets + length };
}
