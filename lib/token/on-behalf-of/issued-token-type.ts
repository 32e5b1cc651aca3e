import { McaTokenError } from '../../errors/mca-token-error';
import { ACCESS_TOKEN_TYPE, type OnBehalfOfGrant } from './exchange-grant';

export const JWT_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:jwt';

/**
 * What an exchanged token may be, by its `issued_token_type` (RFC 8693 §3), to go out as a
 * call's `Authorization`: an access token, or a JWT. A JWT is a format, not a use: RFC 8693 §2.2.1
 * has the server say `token_type: N_A` for a token that is not usable as an access token, and the
 * answer's `token_type` is checked to be `Bearer` (or `DPoP`) already, so a JWT answered with one
 * is a JWT access token (what some servers issue, e.g. when a JWT is their access-token format).
 */
const USABLE = new Set([ACCESS_TOKEN_TYPE, JWT_TOKEN_TYPE]);

// The other token types RFC 8693 §3 registers: named in the message, since they say what went wrong.
const KNOWN = new Set([
  'urn:ietf:params:oauth:token-type:refresh_token',
  'urn:ietf:params:oauth:token-type:id_token',
  'urn:ietf:params:oauth:token-type:saml1',
  'urn:ietf:params:oauth:token-type:saml2',
]);

/**
 * Refuses an exchange answer whose token is not an access token: `issued_token_type` missing
 * (RFC 8693 §2.2.1 requires it) or naming something else (an ID token, a refresh token, a SAML
 * assertion). Sending such a token to a back end would hand it a credential minted for another
 * purpose, and one whose type the server did not state is one the client cannot vouch for.
 * Entra's on-behalf-of flow (the JWT bearer grant) is not RFC 8693 and returns no
 * `issued_token_type`: there its absence is expected, but a value, when present, is held to the
 * same rule.
 */
export function issuedTokenTypeError(grant: OnBehalfOfGrant, issued: unknown, endpointLabel: string, backend: string | undefined): McaTokenError | undefined {
  if (issued === undefined && grant === 'jwt-bearer') return undefined;
  if (typeof issued === 'string' && USABLE.has(issued)) return undefined;
  // The value is echoed only when it is a registered type: anything else is the server's text.
  const what =
    issued === undefined
      ? 'no `issued_token_type`, which RFC 8693 requires'
      : typeof issued === 'string' && KNOWN.has(issued)
        ? `\`issued_token_type\` \`${issued}\`, not an access token`
        : '`issued_token_type` that is neither an access token nor a JWT';
  const where = backend === undefined ? '' : ` for \`${backend}\``;
  return new McaTokenError(
    'ERR_MCA_EXCHANGE_TOKEN_TYPE',
    `The token endpoint ${endpointLabel} answered the exchange of the end user's token${where} with ${what} (\`${ACCESS_TOKEN_TYPE}\` or \`${JWT_TOKEN_TYPE}\` expected). The token was not used and the call was not sent. Have the token server issue access tokens for this client's exchanges.`,
    { status: 200 },
  );
}
