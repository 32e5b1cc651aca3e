import { createHash } from 'node:crypto';
import type { ClientAuth, ClientAuthDescription, ClientAuthRequest } from './client-auth';

/**
 * `client_secret_basic` (RFC 6749 §2.3.1) as MCA and App ID expect it: `Authorization: Basic
 * base64(id:secret)`, standard padded base64 of the raw id and secret, no URL-encoding.
 */
export class ClientSecretBasic implements ClientAuth {
  readonly method = 'client_secret_basic';
  readonly grantType = 'client_credentials';
  readonly cacheKeyParts: readonly string[];
  readonly #secret: string;
  readonly #request: ClientAuthRequest;

  constructor(clientId: string, secret: string) {
    this.#secret = secret;
    this.cacheKeyParts = [createHash('sha256').update(secret).digest('hex')];
    const basic = Buffer.from(`${clientId}:${secret}`, 'utf8').toString('base64');
    this.#request = Object.freeze({ headers: Object.freeze({ Authorization: `Basic ${basic}` }), form: Object.freeze([]) });
  }

  prepare(): ClientAuthRequest {
    return this.#request;
  }

  storeKeyMaterial(): string {
    return this.#secret;
  }

  describe(): ClientAuthDescription[] {
    return [{ label: 'clientAuth', value: 'basic (client_secret_basic)' }];
  }
}
