import { SharedSecretAuth } from './shared-secret';

/** `client_secret_post` (RFC 6749 §2.3.1): `client_id` and `client_secret` form fields, no header. */
export class ClientSecretPost extends SharedSecretAuth {
  readonly method = 'client_secret_post';

  constructor(clientId: string, secret: string) {
    super(
      secret,
      {
        headers: {},
        form: [
          ['client_id', clientId],
          ['client_secret', secret],
        ],
      },
      'post (client_secret_post)',
    );
  }
}
