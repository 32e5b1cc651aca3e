import { SharedSecretAuth } from './shared-secret';

/**
 * `client_secret_basic` (RFC 6749 §2.3.1) as MCA and App ID expect it: `Authorization: Basic
 * base64(id:secret)`, standard padded base64 of the raw id and secret, no URL-encoding.
 */
export class ClientSecretBasic extends SharedSecretAuth {
  readonly method = 'client_secret_basic';

  constructor(clientId: string, secret: string) {
    const basic = Buffer.from(`${clientId}:${secret}`, 'utf8').toString('base64');
    super(secret, { headers: { Authorization: `Basic ${basic}` }, form: [] }, 'basic (client_secret_basic)');
  }
}
