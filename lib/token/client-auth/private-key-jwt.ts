import { randomUUID, type KeyObject, type X509Certificate } from 'node:crypto';
import type { ClientAuth, ClientAuthContext, ClientAuthDescription, ClientAuthRequest } from './client-auth';
import { signJws } from './jws';
import {
  algorithmFor,
  certificateThumbprint,
  describeCertificate,
  keyLabel,
  keyThumbprint,
  parseCertificateChain,
  parsePrivateKey,
  readMaterialFile,
  readMaterialFileSync,
  type AssertionAlgorithm,
  type MaterialSource,
} from './key-material';
import { McaConfigError } from '../../errors/mca-config-error';
import { OWN_SETTINGS, fieldName, scopedField, type FieldScope } from '../../errors/field-scope';

/** Lifetime of one assertion. It is used at once and never again; a minute covers clock skew. */
export const ASSERTION_LIFETIME_SECONDS = 60;

export const JWT_BEARER_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

export interface PrivateKeyJwtSettings {
  clientId: string;
  /** A parsed key (PEM, JWK, KeyObject given as a value) or a file read at each fetch. */
  key: MaterialSource<unknown>;
  /** A PEM chain, leaf first; its leaf must belong to the key. */
  certificate?: MaterialSource<string>;
  keyId?: string;
  algorithm?: AssertionAlgorithm;
  /** The assertion's `aud`; the token endpoint URL when unset. */
  audience?: string;
  /** Add the SHA-1 `x5t` header (Entra ID still asks for it). */
  x5t: boolean;
  /** Add the `x5c` chain header. */
  x5c: boolean;
  /** Whose settings these are (a `protectedBackends` entry's), for the messages of errors about them. */
  scope?: FieldScope;
}

interface Loaded {
  key: KeyObject;
  alg: AssertionAlgorithm;
  chain: X509Certificate[] | undefined;
  header: Record<string, unknown>;
}

/**
 * `private_key_jwt` (RFC 7523 §2.2, OpenID Connect Core §9): a fresh signed assertion in the
 * form for every request, no Basic header. Key and certificate files are read again at each
 * fetch, so a rotated key needs no restart.
 */
export class PrivateKeyJwt implements ClientAuth {
  readonly method = 'private_key_jwt';
  readonly grantType = 'client_credentials';
  readonly refusedHint = 'clientId and the key (and certificate) registered for it';
  readonly cacheKeyParts: readonly string[];
  readonly #settings: PrivateKeyJwtSettings;
  readonly #initial: Loaded;
  readonly #storeKey: string;

  /** Loads and checks key and certificate once, synchronously: a bad file fails at startup. */
  constructor(settings: PrivateKeyJwtSettings) {
    this.#settings = settings;
    const scope = settings.scope ?? OWN_SETTINGS;
    const keyText = settings.key.kind === 'file' ? readMaterialFileSync('privateKeyFile', settings.key.path, scope) : undefined;
    const certText =
      settings.certificate?.kind === 'file' ? readMaterialFileSync('certificateFile', settings.certificate.path, scope) : settings.certificate?.value;
    this.#initial = this.#load(keyText ?? (settings.key as { value: unknown }).value, certText);
    this.#storeKey = this.#initial.key.export({ format: 'der', type: 'pkcs8' }).toString('base64');
    // The fingerprint of the key at startup tells configurations apart; a file's path too, as the
    // same path keeps naming this client's key after a rotation.
    this.cacheKeyParts = [
      keyThumbprint(this.#initial.key),
      settings.key.kind === 'file' ? settings.key.path : '',
      settings.keyId ?? '',
      settings.audience ?? '',
    ];
  }

  #load(keyInput: unknown, certText: string | undefined): Loaded {
    const settings = this.#settings;
    const scope = settings.scope ?? OWN_SETTINGS;
    const key = parsePrivateKey(keyInput, settings.key.kind === 'file' ? `file ${settings.key.path}` : settings.key.origin, scope);
    const alg = algorithmFor(key, settings.algorithm, settings.key.origin, scope);
    const header: Record<string, unknown> = { alg, typ: 'JWT' };
    if (settings.keyId !== undefined) header.kid = settings.keyId;
    let chain: X509Certificate[] | undefined;
    if (certText !== undefined && settings.certificate) {
      const origin = settings.certificate.kind === 'file' ? `file ${settings.certificate.path}` : settings.certificate.origin;
      chain = parseCertificateChain(certText, origin, scope);
      // A thumbprint of someone else's certificate would make the server look up the wrong key.
      if (!chain[0]!.checkPrivateKey(key)) {
        throw new McaConfigError(
          'ERR_MCA_INVALID_CERTIFICATE',
          `Invalid ${fieldName('certificate', scope)} (from ${origin}): its first certificate does not belong to the private key. Put the key's own certificate first.${scope.note}`,
          { field: scopedField('certificate', scope) },
        );
      }
      header['x5t#S256'] = certificateThumbprint(chain[0]!, 'sha256');
      if (settings.x5t) header.x5t = certificateThumbprint(chain[0]!, 'sha1');
      if (settings.x5c) header.x5c = chain.map((certificate) => certificate.raw.toString('base64'));
    }
    return { key, alg, chain, header };
  }

  async #current(): Promise<Loaded> {
    const { key, certificate, scope } = this.#settings;
    if (key.kind !== 'file' && certificate?.kind !== 'file') return this.#initial;
    const keyInput = key.kind === 'file' ? await readMaterialFile('privateKeyFile', key.path, scope) : key.value;
    const certText = certificate?.kind === 'file' ? await readMaterialFile('certificateFile', certificate.path, scope) : certificate?.value;
    return this.#load(keyInput, certText);
  }

  async prepare(context: ClientAuthContext): Promise<ClientAuthRequest> {
    const { header, key, alg } = await this.#current();
    const iat = Math.floor(context.now / 1000);
    const clientId = this.#settings.clientId;
    const assertion = signJws(
      header,
      {
        iss: clientId,
        sub: clientId,
        aud: this.#settings.audience ?? context.tokenUrl,
        jti: randomUUID(),
        iat,
        exp: iat + ASSERTION_LIFETIME_SECONDS,
      },
      key,
      alg,
    );
    return {
      headers: {},
      form: [
        ['client_id', clientId],
        ['client_assertion_type', JWT_BEARER_ASSERTION_TYPE],
        ['client_assertion', assertion],
      ],
    };
  }

  storeKeyMaterial(): string {
    return this.#storeKey;
  }

  describe(now = Date.now()): ClientAuthDescription[] {
    const { key, certificate, keyId, audience } = this.#settings;
    const loaded = this.#initial;
    const lines: ClientAuthDescription[] = [
      { label: 'clientAuth', value: 'private_key_jwt' },
      {
        label: 'privateKey',
        value: `${keyLabel(loaded.key)}, JWK thumbprint ${keyThumbprint(loaded.key)} (${key.kind === 'file' ? `file ${key.path}, read at each fetch` : key.origin})`,
      },
    ];
    if (loaded.chain) {
      lines.push({
        label: 'certificate',
        value: `${describeCertificate(loaded.chain[0]!, now)} (${certificate!.kind === 'file' ? `file ${certificate!.path}` : certificate!.origin})`,
      });
    }
    const headers = Object.keys(loaded.header).filter((name) => name !== 'typ');
    lines.push({
      label: 'assertion',
      value: `${loaded.alg}, aud ${audience ?? 'the token URL'}, header ${headers.join(' ')}${keyId !== undefined ? ` (kid ${keyId})` : ''}, ${ASSERTION_LIFETIME_SECONDS} s`,
    });
    return lines;
  }
}
