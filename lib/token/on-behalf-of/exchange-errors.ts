import { McaSubjectTokenError } from '../../errors/mca-subject-token-error';
import { McaTokenError } from '../../errors/mca-token-error';
import type { SubjectReading } from './subject-token';

/** Why there is no subject token, as the error's message says it; never anything of the header. */
export function noSubjectError(kind: Exclude<SubjectReading['kind'], 'token'>, backend: string | undefined): McaSubjectTokenError {
  const where = backend === undefined ? 'The call' : `The call to \`${backend}\``;
  return new McaSubjectTokenError(
    'ERR_MCA_NO_SUBJECT_TOKEN',
    kind === 'no-request'
      ? `${where} is made on behalf of the end user (\`onBehalfOf\`), but not while the middleware serves a request (not through a request's own \`req.mcaClient\`, \`req.mcaFetch\` or \`req.mcaAuth\`), so there is no user token to exchange. Make it through those fields of the route's \`req\` (\`auth.client\`, \`auth.fetch\` and \`auth.authorization\` serve no user), or give the entry \`onBehalfOf: false\` and the app's own token. The call was not sent.`
      : `${where} is made on behalf of the end user (\`onBehalfOf\`), but the incoming request has no \`Authorization: Bearer <token>\` header to exchange. Authenticate the user before this route. The call was not sent.`,
  );
}

/**
 * The error of a failed exchange, without the server's raw answer: an exchange's answer may echo
 * the user's token back, so unlike the client's own token errors it is not kept even
 * non-enumerably. A 400, 401 or 403 (other than `invalid_client`, the app's own credentials) is
 * the server refusing this user's token: `ERR_MCA_TOKEN_EXCHANGE_REFUSED`, a code of its own.
 */
export function exchangeError(error: unknown, endpointLabel: string, backend: string | undefined): unknown {
  if (!(error instanceof McaTokenError)) return error;
  const status = error.tokenEndpointStatus;
  const refused = (status === 400 || status === 401 || status === 403) && error.oauthError !== 'invalid_client';
  const where = backend === undefined ? '' : ` for \`${backend}\``;
  const message = refused
    ? `The token endpoint ${endpointLabel} refused to exchange the end user's token${where}: HTTP ${status}${error.oauthError === undefined ? '' : ` (${error.oauthError})`}. The user's token may be expired or revoked, or the client may not exchange it for this audience, resource or scope. The call was not sent.`
    : error.message;
  const copy = new McaTokenError(refused ? 'ERR_MCA_TOKEN_EXCHANGE_REFUSED' : error.code, message, {
    status,
    oauthError: error.oauthError,
    errorCode: error.errorCode,
    retryAfterMs: error.retryAfterMs,
    cause: error.cause,
  });
  if (error.attempts !== undefined) copy.attempts = error.attempts;
  return copy;
}
