import type { ClientAuthDescription, ClientAuthRequest } from './client-auth';
import { IamGrant, type IamClient } from './iam-grant';
import { secretFingerprint } from './slow-fingerprint';

export const IAM_APIKEY_GRANT = 'urn:ibm:params:oauth:grant-type:apikey';

export interface IamApiKeySettings {
  apikey: string;
  /** Where the key came from, for `check` ("option apikey", "VCAP_SERVICES cloudantNoSQLDB[0]" …). */
  origin: string;
  client?: IamClient;
}

/**
 * IBM Cloud IAM's API key grant, as IBM's IamAuthenticator sends it: `POST {iamUrl}/identity/token`,
 * `apikey=…&grant_type=urn:ibm:params:oauth:grant-type:apikey&response_type=cloud_iam` (then
 * `scope`), a Basic header only with both IAM client fields. The refresh token IAM returns is never
 * used: for an API key a new grant is the renewal.
 */
export class IamApiKey extends IamGrant {
  readonly method = 'iam_apikey';
  readonly grantType = IAM_APIKEY_GRANT;
  readonly cacheKeyParts: readonly string[];
  readonly refusedHint: string;
  readonly #keyMaterial: string;
  readonly #request: ClientAuthRequest;
  readonly #origin: string;
  readonly #fingerprint: string;

  constructor(settings: IamApiKeySettings) {
    super(settings.client);
    this.#origin = settings.origin;
    // Where the key came from tells two keys apart (the middleware's, each back end's), never the key.
    this.refusedHint = `the API key (from ${settings.origin}); \`errorCode\` holds IAM's reason`;
    const slow = secretFingerprint('iam apikey', [settings.apikey, settings.client?.id ?? '', settings.client?.secret ?? '']);
    this.#fingerprint = slow.fingerprint;
    this.#keyMaterial = slow.keyMaterial;
    this.cacheKeyParts = [this.#fingerprint];
    // The order of IBM's IamTokenManager: apikey, grant_type, response_type.
    this.#request = Object.freeze({
      headers: this.headers,
      form: Object.freeze([
        ['apikey', settings.apikey],
        ['grant_type', IAM_APIKEY_GRANT],
        ['response_type', 'cloud_iam'],
      ] as const),
    });
  }

  prepare(): ClientAuthRequest {
    return this.#request;
  }

  /** Not the key itself: the store's key is handed to a custom TokenStore, and HKDF is cheap to guess through. */
  storeKeyMaterial(): string {
    return this.#keyMaterial;
  }

  protected describeGrant(): ClientAuthDescription[] {
    return [{ label: 'apikey', value: `**** (from ${this.#origin}), fingerprint ${this.#fingerprint.slice(0, 12)}` }];
  }
}
