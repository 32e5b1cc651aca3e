import type { GrantOverride } from '../client-auth/token-request';
import type { SubjectToken } from './subject-token';

/**
 * Which on-behalf-of grant an entry sends: RFC 8693 token exchange (Keycloak, Okta, Auth0, any
 * RFC 8693 server), or Microsoft Entra's on-behalf-of flow (RFC 7523's JWT bearer grant with
 * `requested_token_use=on_behalf_of`).
 */
export type OnBehalfOfGrant = 'token-exchange' | 'jwt-bearer';

export const TOKEN_EXCHANGE_GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';
export const JWT_BEARER_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
export const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';

/**
 * The grant part of one exchange request. The entry's `scope`, `audience` and `resource` follow
 * from the configured tail, and the client authentication from the entry's method, as for its own
 * token.
 */
export function exchangeGrant(grant: OnBehalfOfGrant, subject: SubjectToken): GrantOverride {
  if (grant === 'jwt-bearer') {
    return {
      grantType: JWT_BEARER_GRANT,
      fields: [['assertion', subject.reveal()]],
      tail: [['requested_token_use', 'on_behalf_of']],
    };
  }
  return {
    grantType: TOKEN_EXCHANGE_GRANT,
    fields: [
      ['subject_token', subject.reveal()],
      ['subject_token_type', ACCESS_TOKEN_TYPE],
    ],
  };
}
