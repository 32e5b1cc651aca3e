import { inspect } from 'node:util';

/** Fields every error of this package may carry besides `code`. */
export interface McaOAuthErrorDetails {
  /** The option or credential field the error is about, e.g. `clientId`. */
  field?: string;
  /** The underlying cause. Only sanitized causes are attached: never a request config or header. */
  cause?: unknown;
}

/**
 * Base class of every error this package throws or rejects with.
 *
 * `code` is stable and documented in docs/errors.md; match on it, not on the message.
 * Messages, stacks, `toJSON()` and `util.inspect` output never contain a client secret,
 * a Basic header or an access token: errors are built from field names, never from values.
 */
export class McaOAuthError extends Error {
  // On the prototype, not a class field, so the stack header (captured in Error's constructor) names it.
  declare name: string;
  /** Stable machine-readable code, e.g. `ERR_MCA_MISSING_CLIENT_ID`. */
  readonly code: string;
  /** The option or credential field the error is about, when there is one. */
  readonly field?: string;

  constructor(code: string, message: string, details: McaOAuthErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.code = code;
    if (details.field !== undefined) this.field = details.field;
  }

  /** What `JSON.stringify(error)` and structured loggers see: no cause chain, no response body. */
  toJSON(): Record<string, unknown> {
    const out: Record<string, unknown> = { name: this.name, code: this.code, message: this.message };
    if (this.field !== undefined) out.field = this.field;
    return out;
  }

  /** Keeps `console.log(error)` to the safe summary plus the stack. */
  [inspect.custom](): string {
    return `${this.stack ?? `${this.name}: ${this.message}`}\n  ${inspect(this.toJSON())}`;
  }
}

const OUR_NAMES = new Set(['McaOAuthError', 'McaConfigError', 'McaTokenError', 'McaSubjectTokenError']);

/** True for any error of this package, also across realms or duplicate installs (checks `name`). */
export function isMcaOAuthError(error: unknown): error is McaOAuthError {
  return error instanceof McaOAuthError || (error instanceof Error && OUR_NAMES.has(error.name) && typeof (error as { code?: unknown }).code === 'string');
}

Object.defineProperty(McaOAuthError.prototype, 'name', { value: 'McaOAuthError', writable: true, configurable: true });
