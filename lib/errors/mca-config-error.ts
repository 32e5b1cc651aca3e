import { McaOAuthError, type McaOAuthErrorDetails } from './mca-oauth-error';

/**
 * Thrown when options, environment, `.env` or `VCAP_SERVICES` do not add up to a usable
 * configuration. Raised once, at factory time (`mcaOAuth()`, `createTokenProvider()`), or as the
 * rejection of `getAuthorizationHeader()`.
 */
export class McaConfigError extends McaOAuthError {
  // On the prototype, not a class field, so the stack header (captured in Error's constructor) names it.
  declare name: 'McaConfigError';

  constructor(code: string, message: string, details?: McaOAuthErrorDetails) {
    super(code, message, details);
  }
}

/** True for a {@link McaConfigError}, also across realms (checks `name`). */
export function isMcaConfigError(error: unknown): error is McaConfigError {
  return error instanceof McaConfigError || (error instanceof Error && error.name === 'McaConfigError');
}

Object.defineProperty(McaConfigError.prototype, 'name', { value: 'McaConfigError', writable: true, configurable: true });
