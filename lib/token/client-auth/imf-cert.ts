import { X509Certificate, createHash, type KeyObject } from 'node:crypto';
import type { ClientAuth, ClientAuthContext, ClientAuthDescription, ClientAuthRequest } from './client-auth';
import { signJws } from './jws';
import { commonName, describeCertificate, keyLabel, keyThumbprint, parsePrivateKey, readMaterialFile, readMaterialFileSync } from './key-material';
import { McaConfigError } from '../../errors/mca-config-error';

/**
 * The certificate's base64 as the seed's PEM reader takes it: the first CERTIFICATE block after
 * the bag attribute `friendlyName: cert` (a PKCS#12 export), newlines removed, a trailing "=="
 * dropped. The seed gives up without that attribute; any first block is accepted here.
 */
export function seedCertificateString(pem: string): string | undefined {
  const begin = '-----BEGIN CERTIFICATE-----';
  const friendly = pem.indexOf('friendlyName: cert');
  const start = pem.indexOf(begin, friendly >= 0 ? friendly : 0);
  if (start < 0) return undefined;
  const end = pem.indexOf('-----END CERTIFICATE-----', start);
  if (end < 0) return undefined;
  const body = pem.slice(start + begin.length, end).replace(/[\r\n]/g, '');
  return body.endsWith('==') ? body.slice(0, -2) : body;
}

export interface ImfCertSettings {
  keyFile: string;
  certificateFile: string;
  /** The seed's `properties` form field, sent when given. */
  properties?: string;
}

/**
 * Every failure to read or parse the two files is the seed's MISSING_PEM_ERROR condition, at
 * startup and at each fetch alike: one code, the file named, its content never.
 */
function asPemError(error: unknown): unknown {
  if (!(error instanceof McaConfigError)) return error;
  return new McaConfigError('ERR_MCA_MISSING_PEM', error.message, { field: error.field });
}

async function pemGuard<T>(work: () => T | Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw asPemError(error);
  }
}

interface Loaded {
  key: KeyObject;
  x5c: string;
  /** The certificate the seed string names (the one sent), for its CN. */
  certificate: X509Certificate;
}

/**
 * The seed's "service flow" for Mobile Client Access: `Authorization: IMFCert <jws>`, where the
 * JWS is RS256 over `{"timestamp": <ms>}` with the header `{"alg":"RS256","x5c":"<cert base64>"}`
 * (a string, not an array), and the form `grant_type=client_credentials&client_id=<CN>`. Both
 * files are read again at each fetch, as the seed read them at each call.
 */
export class ImfCert implements ClientAuth {
  readonly method = 'imf_cert';
  readonly grantType = 'client_credentials';
  readonly refusedHint = 'the certificate and key in imf_certificate/';
  readonly cacheKeyParts: readonly string[];
  /** The client id: the certificate's subject CN. */
  readonly clientId: string;
  readonly #settings: ImfCertSettings;
  readonly #storeKey: string;
  readonly #description: string;

  /** Reads and checks both files once, synchronously: a missing file fails at the first call. */
  constructor(settings: ImfCertSettings) {
    this.#settings = settings;
    let startup: { clientId: string; cacheKeyParts: string[]; storeKey: string; description: string };
    try {
      startup = this.#startup();
    } catch (error) {
      throw asPemError(error);
    }
    this.clientId = startup.clientId;
    this.cacheKeyParts = startup.cacheKeyParts;
    this.#storeKey = startup.storeKey;
    this.#description = startup.description;
  }

  #startup(): { clientId: string; cacheKeyParts: string[]; storeKey: string; description: string } {
    const settings = this.#settings;
    const certText = readMaterialFileSync('certificateFile', settings.certificateFile);
    const loaded = this.#load(readMaterialFileSync('privateKeyFile', settings.keyFile), certText);
    const certificate = loaded.certificate;
    const cn = commonName(certificate);
    if (cn === undefined || cn === '') {
      throw new McaConfigError(
        'ERR_MCA_INVALID_CERTIFICATE',
        `Invalid \`certificate\` (from file ${settings.certificateFile}): its subject has no CN, which is the client id. Use the certificate the MCA service issued.`,
        { field: 'certificate' },
      );
    }
    return {
      clientId: cn,
      cacheKeyParts: [keyThumbprint(loaded.key), createHash('sha256').update(certificate.raw).digest('hex'), settings.properties ?? ''],
      storeKey: loaded.key.export({ format: 'der', type: 'pkcs8' }).toString('base64'),
      description: `${keyLabel(loaded.key)}, JWK thumbprint ${keyThumbprint(loaded.key)} (file ${settings.keyFile}); certificate ${describeCertificate(certificate, Date.now())} (file ${settings.certificateFile})`,
    };
  }

  #load(keyText: string, certText: string): Loaded {
    const key = parsePrivateKey(keyText, `file ${this.#settings.keyFile}`);
    if (key.asymmetricKeyType !== 'rsa') {
      throw new McaConfigError(
        'ERR_MCA_INVALID_PRIVATE_KEY',
        `Invalid \`privateKey\` (from file ${this.#settings.keyFile}): the IMFCert flow signs RS256 and needs an RSA key.`,
        {
          field: 'privateKey',
        },
      );
    }
    const x5c = seedCertificateString(certText);
    if (x5c === undefined) {
      throw new McaConfigError(
        'ERR_MCA_INVALID_CERTIFICATE',
        `Invalid \`certificate\` (from file ${this.#settings.certificateFile}): it holds no PEM "CERTIFICATE" block.`,
        {
          field: 'certificate',
        },
      );
    }
    let certificate: X509Certificate;
    try {
      certificate = new X509Certificate(Buffer.from(x5c, 'base64'));
    } catch {
      throw new McaConfigError(
        'ERR_MCA_INVALID_CERTIFICATE',
        `Invalid \`certificate\` (from file ${this.#settings.certificateFile}): its CERTIFICATE block does not parse as X.509.`,
        {
          field: 'certificate',
        },
      );
    }
    // The server checks the signature against this certificate: a key of another one cannot work.
    if (!certificate.checkPrivateKey(key)) {
      throw new McaConfigError(
        'ERR_MCA_INVALID_CERTIFICATE',
        `Invalid \`certificate\` (from file ${this.#settings.certificateFile}): it does not belong to the private key in ${this.#settings.keyFile}.`,
        { field: 'certificate' },
      );
    }
    return { key, x5c, certificate };
  }

  async prepare(context: ClientAuthContext): Promise<ClientAuthRequest> {
    const { key, x5c } = await pemGuard(async () => {
      const [keyText, certText] = await Promise.all([
        readMaterialFile('privateKeyFile', this.#settings.keyFile),
        readMaterialFile('certificateFile', this.#settings.certificateFile),
      ]);
      return this.#load(keyText, certText);
    });
    const jws = signJws({ alg: 'RS256', x5c }, { timestamp: context.now }, key, 'RS256');
    const form: [string, string][] = [['client_id', this.clientId]];
    if (this.#settings.properties !== undefined) form.push(['properties', this.#settings.properties]);
    return { headers: { Authorization: `IMFCert ${jws}` }, form };
  }

  storeKeyMaterial(): string {
    return this.#storeKey;
  }

  describe(): ClientAuthDescription[] {
    return [
      { label: 'clientAuth', value: 'imf_cert (the seed SDK certificate flow)' },
      { label: 'keys', value: this.#description },
    ];
  }
}
