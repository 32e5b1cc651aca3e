import { createHash } from 'node:crypto';
import type { ClientAuth, ClientAuthDescription, ClientAuthRequest } from './client-auth';

/**
 * What the two secret methods share: a request built once (it never changes), the secret's
 * SHA-256 in the cache key, the secret itself as the store's key material.
 */
export abstract class SharedSecretAuth implements ClientAuth {
  abstract readonly method: string;
  readonly grantType = 'client_credentials';
  readonly refusedHint = 'clientId and secret';
  readonly cacheKeyParts: readonly string[];
  readonly #secret: string;
  readonly #request: ClientAuthRequest;
  readonly #description: string;

  protected constructor(secret: string, request: ClientAuthRequest, description: string) {
    this.#secret = secret;
    this.#request = Object.freeze({ headers: Object.freeze({ ...request.headers }), form: Object.freeze([...request.form]) });
    this.#description = description;
    this.cacheKeyParts = [createHash('sha256').update(secret).digest('hex')];
  }

  prepare(): ClientAuthRequest {
    return this.#request;
  }

  storeKeyMaterial(): string {
    return this.#secret;
  }

  describe(): ClientAuthDescription[] {
    return [{ label: 'clientAuth', value: this.#description }];
  }
}
