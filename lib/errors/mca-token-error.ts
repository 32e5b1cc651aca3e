import { McaOAuthError, type McaOAuthErrorDetails } from './mca-oauth-error';

/** What a token endpoint answered, kept off the enumerable surface of {@link McaTokenError}. */
export interface TokenErrorResponse {
  status: number;
  headers: Record<string, unknown>;
  /** The raw body, at most 1 MiB. */
  body: string;
}

export interface McaTokenErrorDetails extends McaOAuthErrorDetails {
  /** HTTP status of the token endpoint's answer, when there was one (becomes `tokenEndpointStatus`). */
  status?: number;
  /** The OAuth `error` field of the answer (e.g. `invalid_client`), when there was one. */
  oauthError?: string;
  response?: TokenErrorResponse;
  /** What the server's `Retry-After` asked for, in milliseconds. */
  retryAfterMs?: number;
  /** IBM Cloud IAM's `errorCode` (e.g. `BXNIM0415E`), when the answer had one. */
  errorCode?: string;
}

/**
 * A token request failed: the network, a non-200 answer, or a malformed body.
 * The raw response is attached as the non-enumerable `response`, so logging the error never
 * dumps a body.
 */
export class McaTokenError extends McaOAuthError {
  // On the prototype, not a class field, so the stack header (captured in Error's constructor) names it.
  declare name: 'McaTokenError';
  /**
   * Always 503. Express's error handler (and the common `res.status(err.status ?? 500)`) answers
   * the end user with `status`: a wrong secret must not become a 401 to them, nor a wrong tenant
   * a 404. The token server's own status is {@link tokenEndpointStatus}.
   */
  readonly status = 503;
  /** The same as {@link status}, for frameworks that read `statusCode`. */
  readonly statusCode = 503;
  /** HTTP status of the token endpoint's answer; absent for network failures. */
  readonly tokenEndpointStatus?: number;
  /** The OAuth `error` value the server gave, e.g. `invalid_client`. */
  readonly oauthError?: string;
  /** What the server's `Retry-After` asked for, in milliseconds, when it sent one. */
  readonly retryAfterMs?: number;
  /** IBM Cloud IAM's `errorCode` (e.g. `BXNIM0415E`: the API key was not found), when IAM gave one. */
  readonly errorCode?: string;
  /** How many token requests were made before giving up (set by the retry loop). */
  attempts?: number;
  /** The raw answer. Non-enumerable: read it on purpose, it is never serialized. */
  declare readonly response?: TokenErrorResponse;

  constructor(code: string, message: string, details: McaTokenErrorDetails = {}) {
    super(code, message, details);
    if (details.status !== undefined) this.tokenEndpointStatus = details.status;
    if (details.oauthError !== undefined) this.oauthError = details.oauthError;
    if (details.retryAfterMs !== undefined) this.retryAfterMs = details.retryAfterMs;
    if (details.errorCode !== undefined) this.errorCode = details.errorCode;
    Object.defineProperty(this, 'response', { value: details.response, enumerable: false, writable: false });
  }

  override toJSON(): Record<string, unknown> {
    const out = super.toJSON();
    out.status = this.status;
    if (this.tokenEndpointStatus !== undefined) out.tokenEndpointStatus = this.tokenEndpointStatus;
    if (this.oauthError !== undefined) out.oauthError = this.oauthError;
    if (this.retryAfterMs !== undefined) out.retryAfterMs = this.retryAfterMs;
    if (this.attempts !== undefined) out.attempts = this.attempts;
    if (this.errorCode !== undefined) out.errorCode = this.errorCode;
    return out;
  }
}

/** True for a {@link McaTokenError}, also across realms (checks `name`). */
export function isMcaTokenError(error: unknown): error is McaTokenError {
  return error instanceof McaTokenError || (error instanceof Error && error.name === 'McaTokenError');
}

Object.defineProperty(McaTokenError.prototype, 'name', { value: 'McaTokenError', writable: true, configurable: true });
