import { open } from 'node:fs/promises';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { KeyObject, X509Certificate, createHash, createPrivateKey } from 'node:crypto';
import { McaConfigError } from '../../errors/mca-config-error';
import { capped } from '../../errors/echo';
import { OWN_SETTINGS, fieldName, scopedField, type FieldScope } from '../../errors/field-scope';
import { NON_BLOCKING_READ, mustBeRegularFile } from './token-file';
import { publicJwk } from './public-jwk';

/**
 * Private keys and certificates for the assertion-based methods: parsed with node:crypto, read
 * from files on every fetch when they come from files. Every error names the option, variable or
 * file, and never the content: a key that fails to parse is still a key.
 */

/** Where a key or certificate comes from: a value held in memory, or a file read at each fetch. */
export type MaterialSource<T> = { kind: 'value'; value: T; origin: string } | { kind: 'file'; path: string; origin: string };

/** The signing algorithms a client assertion may use. */
export type AssertionAlgorithm = 'RS256' | 'PS256' | 'ES256';
export const ASSERTION_ALGORITHMS: readonly AssertionAlgorithm[] = ['RS256', 'PS256', 'ES256'];

/** `scope` says whose setting it is (a `protectedBackends` entry's), so the message names it from the start. */
function bad(field: string, origin: string, why: string, scope: FieldScope): McaConfigError {
  const code = `ERR_MCA_INVALID_${field.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()}`;
  // The origin names an option, a variable or a file path, never a value; capped all the same.
  return new McaConfigError(code, `Invalid ${fieldName(field, scope)} (from ${capped(origin, 200)}): ${why}${scope.note}`, {
    field: scopedField(field, scope),
  });
}

function fileError(field: string, path: string, error: unknown, scope: FieldScope): McaConfigError {
  const code = (error as NodeJS.ErrnoException).code ?? 'error';
  return bad(field, `file ${path}`, `the file cannot be read (${code}). Fix the path or the file's permissions.`, scope);
}

/** Largest key or certificate file read: a PEM chain is a few KiB; far more is the wrong file. */
export const MAX_MATERIAL_FILE_BYTES = 1024 * 1024;

class MaterialFileError extends Error {}

// A FIFO, a device (/dev/zero) or a huge file must neither hang the read nor fill memory: the file
// is opened without blocking, must be a regular file, and is read up to the cap and one byte more.
function materialText(bytes: Buffer, bytesRead: number, size: number): string {
  if (Math.max(size, bytesRead) > MAX_MATERIAL_FILE_BYTES) {
    throw new MaterialFileError(`the file is over ${MAX_MATERIAL_FILE_BYTES} bytes, which no key or certificate file is. Check the path.`);
  }
  return bytes.subarray(0, bytesRead).toString('utf8');
}

function materialError(field: string, path: string, error: unknown, scope: FieldScope): McaConfigError {
  return error instanceof MaterialFileError ? bad(field, `file ${path}`, error.message, scope) : fileError(field, path, error, scope);
}

/** Reads a key or certificate file. Async on the fetch path, sync once at startup (fail fast). */
export async function readMaterialFile(field: string, path: string, scope: FieldScope = OWN_SETTINGS): Promise<string> {
  try {
    const handle = await open(path, NON_BLOCKING_READ);
    try {
      const stats = await handle.stat();
      mustBeRegularFile(stats, (why) => new MaterialFileError(why));
      const buffer = Buffer.alloc(Math.min(stats.size, MAX_MATERIAL_FILE_BYTES) + 1);
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
      return materialText(buffer, bytesRead, stats.size);
    } finally {
      await handle.close();
    }
  } catch (error) {
    throw materialError(field, path, error, scope);
  }
}

export function readMaterialFileSync(field: string, path: string, scope: FieldScope = OWN_SETTINGS): string {
  try {
    const fd = openSync(path, NON_BLOCKING_READ);
    try {
      const stats = fstatSync(fd);
      mustBeRegularFile(stats, (why) => new MaterialFileError(why));
      const buffer = Buffer.alloc(Math.min(stats.size, MAX_MATERIAL_FILE_BYTES) + 1);
      return materialText(buffer, readSync(fd, buffer, 0, buffer.length, 0), stats.size);
    } finally {
      closeSync(fd);
    }
  } catch (error) {
    throw materialError(field, path, error, scope);
  }
}

/**
 * A PEM (PKCS#8, PKCS#1 or SEC1), a JWK (object or JSON text) or a `KeyObject`, as a private
 * KeyObject. `field` is the setting errors name (`privateKey`, or the DPoP key's `dpopKey`).
 */
export function parsePrivateKey(input: unknown, origin: string, scope: FieldScope = OWN_SETTINGS, field = 'privateKey'): KeyObject {
  input = unescapeNewlines(input);
  let key: KeyObject;
  try {
    if (input instanceof KeyObject) key = input;
    else if (typeof input === 'string' && input.trim().startsWith('{')) {
      key = createPrivateKey({ key: JSON.parse(input) as import('node:crypto').JsonWebKey, format: 'jwk' });
    } else if (typeof input === 'string') key = createPrivateKey(input);
    else if (typeof input === 'object' && input !== null) {
      key = createPrivateKey({ key: input as import('node:crypto').JsonWebKey, format: 'jwk' });
    } else throw new TypeError('not a key');
  } catch {
    // A passphrase-protected PEM parses only with its passphrase, which no option carries: say so,
    // rather than claim that the key is not a key.
    if (typeof input === 'string' && /ENCRYPTED PRIVATE KEY-----|Proc-Type: 4,ENCRYPTED/.test(input)) {
      throw bad(
        field,
        origin,
        'it is encrypted with a passphrase, which is not supported. Decrypt it (`openssl pkey -in key.pem -out plain.pem`) and keep the file readable only by the service.',
        scope,
      );
    }
    throw bad(field, origin, 'it is not a private key in PEM (PKCS#8, PKCS#1, SEC1), a private JWK, or a KeyObject.', scope);
  }
  if (key.type !== 'private') throw bad(field, origin, `it is a ${key.type} key; a private key is needed to sign.`, scope);
  return key;
}

/**
 * A PEM put in one environment variable often has its newlines written as `\n`; the PEM parser
 * needs real ones.
 */
function unescapeNewlines<T>(input: T): T {
  return (typeof input === 'string' && !input.includes('\n') && input.includes('\\n') ? input.replace(/\\n/g, '\n') : input) as T;
}

/** Every `CERTIFICATE` block of a PEM text, leaf first. */
export function parseCertificateChain(pem: string, origin: string, scope: FieldScope = OWN_SETTINGS): X509Certificate[] {
  pem = unescapeNewlines(pem);
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0) throw bad('certificate', origin, 'it holds no PEM "CERTIFICATE" block.', scope);
  try {
    return blocks.map((block) => new X509Certificate(block));
  } catch {
    throw bad('certificate', origin, 'a CERTIFICATE block does not parse as X.509.', scope);
  }
}

const base64url = (data: Buffer): string => data.toString('base64url');

/** RFC 7638 JWK thumbprint (SHA-256) of the public half: what `check` shows and the cache key holds. */
export function keyThumbprint(key: KeyObject): string {
  const jwk = publicJwk(key);
  // The required members only, in lexicographic order, no whitespace (RFC 7638 §3).
  const members =
    jwk.kty === 'RSA'
      ? { e: jwk.e, kty: jwk.kty, n: jwk.n }
      : jwk.kty === 'EC'
        ? { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y }
        : { crv: jwk.crv, kty: jwk.kty, x: jwk.x };
  return base64url(createHash('sha256').update(JSON.stringify(members)).digest());
}

/** e.g. "RSA 2048-bit", "EC P-256". */
export function keyLabel(key: KeyObject): string {
  const details = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType === 'rsa' || key.asymmetricKeyType === 'rsa-pss') {
    return `${key.asymmetricKeyType.toUpperCase()} ${details.modulusLength ?? '?'}-bit`;
  }
  if (key.asymmetricKeyType === 'ec') return `EC ${details.namedCurve === 'prime256v1' ? 'P-256' : (details.namedCurve ?? '?')}`;
  return String(key.asymmetricKeyType);
}

/** Shortest RSA modulus accepted for signing. */
export const MIN_RSA_BITS = 2048;

/** The algorithm a key signs with: RS256 for RSA (PS256 on request), PS256 for RSA-PSS keys, ES256 for P-256. */
export function algorithmFor(key: KeyObject, requested: AssertionAlgorithm | undefined, origin: string, scope: FieldScope = OWN_SETTINGS): AssertionAlgorithm {
  const type = key.asymmetricKeyType;
  const curve = key.asymmetricKeyDetails?.namedCurve;
  // RFC 7518 §3.3 and §3.5: RS256 and PS256 MUST use keys of 2048 bits or more. A shorter key can be
  // factored; refuse it at startup rather than sign with it (fail closed).
  const bits = key.asymmetricKeyDetails?.modulusLength;
  if ((type === 'rsa' || type === 'rsa-pss') && (bits === undefined || bits < MIN_RSA_BITS)) {
    throw bad(
      'privateKey',
      origin,
      `an ${keyLabel(key)} key is too short: RFC 7518 requires ${MIN_RSA_BITS} bits or more. Generate a new key (\`openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048\`) and register it.`,
      scope,
    );
  }
  // An RSA-PSS key may carry parameters that restrict what it signs; PS256 is SHA-256, MGF1 with
  // SHA-256 and a 32-byte salt (RFC 7518 §3.5). node:crypto would refuse any other at the first
  // fetch (ERR_OSSL_DIGEST_NOT_ALLOWED): refuse it at startup instead.
  if (type === 'rsa-pss') {
    const { hashAlgorithm, mgf1HashAlgorithm, saltLength } = key.asymmetricKeyDetails ?? {};
    const sha256 = (hash: string | undefined): boolean => hash === undefined || hash === 'sha256';
    if (!sha256(hashAlgorithm) || !sha256(mgf1HashAlgorithm) || (saltLength !== undefined && saltLength > 32)) {
      throw bad(
        'privateKey',
        origin,
        `an ${keyLabel(key)} key restricted to ${hashAlgorithm ?? 'sha256'}, MGF1 ${mgf1HashAlgorithm ?? 'sha256'} and a salt of at least ${saltLength ?? 0} bytes cannot sign PS256 (SHA-256, MGF1 SHA-256, a 32-byte salt). Use an RSA-PSS key without parameters or with those, or an RSA key.`,
        scope,
      );
    }
  }
  const fits = (alg: AssertionAlgorithm): boolean =>
    alg === 'ES256' ? type === 'ec' && curve === 'prime256v1' : alg === 'PS256' ? type === 'rsa' || type === 'rsa-pss' : type === 'rsa';
  if (requested !== undefined) {
    if (!fits(requested)) throw bad('signingAlgorithm', origin, `${requested} cannot be used with an ${keyLabel(key)} key.`, scope);
    return requested;
  }
  if (type === 'rsa') return 'RS256';
  if (type === 'rsa-pss') return 'PS256';
  if (type === 'ec' && curve === 'prime256v1') return 'ES256';
  throw bad('privateKey', origin, `an ${keyLabel(key)} key is not supported. Use an RSA key (RS256, PS256) or an EC P-256 key (ES256).`, scope);
}

/** A certificate's thumbprint for the JWS `x5t` (SHA-1) or `x5t#S256` header: base64url of the DER's hash. */
export function certificateThumbprint(certificate: X509Certificate, hash: 'sha1' | 'sha256'): string {
  return base64url(createHash(hash).update(certificate.raw).digest());
}

/** The subject's CN, or undefined. Node prints the subject one `KEY=value` per line. */
export function commonName(certificate: X509Certificate): string | undefined {
  for (const line of certificate.subject.split('\n')) if (line.startsWith('CN=')) return line.slice(3);
  return undefined;
}

/** For `check`: subject, expiry, and a warning when the certificate is outside its validity. */
export function describeCertificate(certificate: X509Certificate, now: number): string {
  const expires = new Date(certificate.validTo);
  const state = now > expires.getTime() ? ' (EXPIRED)' : now < new Date(certificate.validFrom).getTime() ? ' (NOT YET VALID)' : '';
  return `${certificate.subject.replace(/\n/g, ', ')}; expires ${expires.toISOString()}${state}`;
}
