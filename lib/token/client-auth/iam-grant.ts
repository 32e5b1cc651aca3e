import { escape } from 'node:querystring';
import type { ClientAuth, ClientAuthContext, ClientAuthDescription, ClientAuthRequest, FormLayout } from './client-auth';

/** IBM Cloud's IAM token service, the default `iamUrl`. */
export const DEFAULT_IAM_URL = 'https://iam.cloud.ibm.com';
/** The operation path IBM's SDK core appends to the IAM URL. */
export const IAM_TOKEN_PATH = '/identity/token';

/**
 * The body as IBM's SDK core (`ibm-cloud-sdk-core`, IamRequestBasedTokenManager) writes it: the
 * method's fields in the order its token manager sets them (`grant_type` among them, where IBM puts
 * it), then `scope`, encoded with Node's `querystring` (`%20` for a space, `!*'()~` left as they
 * are). So the bytes on the wire are IBM's own.
 */
export const ibmSdkFormLayout: FormLayout = (_grantType, fields, tail) =>
  [...fields, ...tail].map(([name, value]) => `${escape(name)}=${escape(value)}`).join('&');

/** IAM's optional client (IBM's `clientId`/`clientSecret`): a Basic header, sent only when both are set. */
export interface IamClient {
  id: string;
  secret: string;
}

/**
 * What IBM's IAM grants share (one file per grant on top: the API key, the compute-resource
 * token): IBM's body layout, the optional Basic client, the secret-free description lines.
 */
export abstract class IamGrant implements ClientAuth {
  abstract readonly method: string;
  abstract readonly grantType: string;
  abstract readonly cacheKeyParts: readonly string[];
  abstract readonly refusedHint: string;
  readonly formLayout = ibmSdkFormLayout;
  readonly #headers: Readonly<Record<string, string>>;
  readonly #clientLine: ClientAuthDescription | undefined;

  protected constructor(client: IamClient | undefined) {
    // IBM's computeBasicAuthHeader: base64 of the raw "id:secret".
    const headers: Record<string, string> = {};
    if (client) headers.Authorization = `Basic ${Buffer.from(`${client.id}:${client.secret}`, 'utf8').toString('base64')}`;
    this.#headers = Object.freeze(headers);
    this.#clientLine = client && { label: 'iamClientId', value: `${client.id} (Basic client of the IAM token service; secret ****)` };
  }

  protected get headers(): Readonly<Record<string, string>> {
    return this.#headers;
  }

  abstract prepare(context: ClientAuthContext): ClientAuthRequest | Promise<ClientAuthRequest>;
  abstract storeKeyMaterial(): string;

  /** The grant's own lines, after the grant line and before the IAM client. */
  protected abstract describeGrant(): ClientAuthDescription[];

  describe(): ClientAuthDescription[] {
    return [{ label: 'grant', value: `${this.method} (${this.grantType})` }, ...this.describeGrant(), ...(this.#clientLine ? [this.#clientLine] : [])];
  }
}
