import { createHash } from 'node:crypto';
import type { ClientAuth, ClientAuthDescription, ClientAuthRequest } from './client-auth';

/** `client_secret_post` (RFC 6749 §2.3.1): `client_id` and `client_secret` form fields, no header. */
export class ClientSecretPost implements ClientAuth {
  readonly method = 'client_secret_post';
  readonly grantType = 'client_credentials';
  readonly cacheKeyParts: readonly string[];
  readonly #secret: string;
  readonly #request: ClientAuthRequest;

  constructor(clientId: string, secret: string) {
    this.#secret = secret;
    this.cacheKeyParts = [createHash('sha256').update(secret).digest('hex')];
    this.#request = Object.freeze({
      headers: Object.freeze({}),
      form: Object.freeze([
        ['client_id', clientId],
        ['client_secret', secret],
      ] as const),
    });
  }

  prepare(): ClientAuthRequest {
    return this.#request;
  }

  storeKeyMaterial(): string {
    return this.#secret;
  }

  describe(): ClientAuthDescription[] {
    return [{ label: 'clientAuth', value: 'post (client_secret_post)' }];
  }
}
