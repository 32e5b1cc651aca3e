import type { ClientAuth, ClientAuthDescription, ClientAuthRequest } from './client-auth';
import { secretFingerprint } from './slow-fingerprint';

/**
 * What the two secret methods share: a request built once (it never changes), and the secret's
 * slow fingerprint: its public half in the cache key, its private half as the store's key
 * material. A fast hash of the secret in either would let whoever sees `provider.cacheKey`, or a
 * custom TokenStore (it is handed the key and the encryption key), test guesses at hash speed.
 */
export abstract class SharedSecretAuth implements ClientAuth {
  abstract readonly method: string;
  readonly grantType = 'client_credentials';
  readonly refusedHint = 'clientId and secret';
  readonly cacheKeyParts: readonly string[];
  readonly #keyMaterial: string;
  /** The secret's slow fingerprint (what `check` shows the start of). */
  readonly fingerprint: string;
  readonly #request: ClientAuthRequest;
  readonly #description: string;

  protected constructor(secret: string, request: ClientAuthRequest, description: string) {
    this.#request = Object.freeze({ headers: Object.freeze({ ...request.headers }), form: Object.freeze([...request.form]) });
    this.#description = description;
    const slow = secretFingerprint('client secret', [secret]);
    this.fingerprint = slow.fingerprint;
    this.#keyMaterial = slow.keyMaterial;
    this.cacheKeyParts = [slow.fingerprint];
  }

  prepare(): ClientAuthRequest {
    return this.#request;
  }

  storeKeyMaterial(): string {
    return this.#keyMaterial;
  }

  describe(): ClientAuthDescription[] {
    return [{ label: 'clientAuth', value: this.#description }];
  }
}
