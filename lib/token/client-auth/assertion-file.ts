import type { ClientAuth, ClientAuthDescription, ClientAuthRequest } from './client-auth';
import { JWT_BEARER_ASSERTION_TYPE } from './private-key-jwt';
import type { FieldScope } from '../../errors/field-scope';
import { describeTokenFile, readTokenFile, readTokenFileSync, type TokenFileRead } from './token-file';

export interface AssertionFileSettings {
  clientId: string;
  path: string;
  /** Where the setting came from ("option clientAssertionFile", "environment variable MCA_CLIENT_ASSERTION_FILE"). */
  origin: string;
  /** Whose setting it is (a `protectedBackends` entry's), for the messages of errors about the file. */
  scope?: FieldScope;
}

/**
 * A client assertion that the platform signs and rotates in a file (Kubernetes projected
 * service-account tokens, Azure workload identity's AZURE_FEDERATED_TOKEN_FILE): the form fields
 * `client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer` and
 * `client_assertion=<file>`, with the client id, for any RFC 7523 server. The file is read again for
 * every token request, never cached: the platform replaces it before the old one expires.
 */
export class AssertionFile implements ClientAuth {
  readonly method = 'private_key_jwt';
  readonly grantType = 'client_credentials';
  readonly cacheKeyParts: readonly string[];
  readonly refusedHint = 'clientId, and that the server trusts the issuer and subject of the assertion in `clientAssertionFile`';
  readonly #settings: AssertionFileSettings;
  readonly #startup: TokenFileRead;

  /** Reads the file once now, so that a missing or empty one fails at startup. */
  constructor(settings: AssertionFileSettings) {
    this.#settings = settings;
    this.#startup = readTokenFileSync('clientAssertionFile', settings.path, settings.scope);
    // The path names this client's assertion across rotations; its content never enters the key.
    this.cacheKeyParts = [settings.path];
  }

  async prepare(): Promise<ClientAuthRequest> {
    const { token } = await readTokenFile('clientAssertionFile', this.#settings.path, this.#settings.scope);
    return {
      headers: {},
      form: [
        ['client_id', this.#settings.clientId],
        ['client_assertion_type', JWT_BEARER_ASSERTION_TYPE],
        ['client_assertion', token],
      ],
    };
  }

  /**
   * No long-lived secret exists here (the file rotates): the store key comes from the client and
   * the path, so a shared store must bring its own key (the Redis store's fleet key).
   */
  storeKeyMaterial(): string {
    return JSON.stringify([this.#settings.clientId, this.#settings.path]);
  }

  describe(): ClientAuthDescription[] {
    const { path, origin } = this.#settings;
    return [
      { label: 'clientAuth', value: 'client assertion from a file (jwt-bearer, RFC 7523)' },
      { label: 'assertionFile', value: `${describeTokenFile(path, this.#startup, Date.now())} (from ${origin})` },
    ];
  }
}
