import { McaOAuthError, type McaOAuthErrorDetails } from './mca-oauth-error';

/**
 * A call on behalf of the end user (`onBehalfOf`) found no user token to exchange: it was made
 * outside a request the middleware serves, or that request carries no `Authorization: Bearer …`.
 * The call does not go out; neither the app's own token nor anything of the incoming header is
 * sent in its place, nor named in the message.
 */
export class McaSubjectTokenError extends McaOAuthError {
  // On the prototype, not a class field, so the stack header (captured in Error's constructor) names it.
  declare name: 'McaSubjectTokenError';
  /**
   * Always 401: `next(err)` answers the end user "authenticate", which is what a request without
   * a bearer token needs, never a 503 that sends them to retry the same request.
   */
  readonly status = 401;
  /** The same as {@link status}, for frameworks that read `statusCode`. */
  readonly statusCode = 401;

  constructor(code: string, message: string, details?: McaOAuthErrorDetails) {
    super(code, message, details);
  }

  override toJSON(): Record<string, unknown> {
    const out = super.toJSON();
    out.status = this.status;
    return out;
  }
}

/** True for a {@link McaSubjectTokenError}, also across realms (checks `name`). */
export function isMcaSubjectTokenError(error: unknown): error is McaSubjectTokenError {
  return error instanceof McaSubjectTokenError || (error instanceof Error && error.name === 'McaSubjectTokenError');
}

Object.defineProperty(McaSubjectTokenError.prototype, 'name', { value: 'McaSubjectTokenError', writable: true, configurable: true });
