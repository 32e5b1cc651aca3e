import type { IncomingHttpHeaders } from 'node:http';
import { readSubject, type SubjectReading } from './subject-token';

/** No request: the reading of a call made through a field that serves no request (`auth.client`). */
export const NO_REQUEST: SubjectReading = { kind: 'no-request' };

/**
 * The request a call serves, for tokens exchanged on behalf of its user. The middleware binds one
 * to the fields it gives that request (`req.mcaClient`, `req.mcaFetch`, `req.mcaAuth`), and the
 * call carries it down to the token: no ambient state, so no async context can lend one request's
 * user to another's call. The incoming `Authorization` is read only when an on-behalf-of token is
 * asked for; a call to any other back end never reads it.
 *
 * The request sits in a private field: `util.inspect`, `JSON.stringify` and a walk of own
 * properties (an axios error's `config` holds this object) never reach the user's token.
 */
export class ServedRequest {
  readonly #req: { readonly headers: IncomingHttpHeaders };

  constructor(req: { readonly headers: IncomingHttpHeaders }) {
    this.#req = req;
  }

  /** True only for an object this class made: a look-alike put into a config serves no one. */
  static is(value: unknown): value is ServedRequest {
    return typeof value === 'object' && value !== null && #req in value;
  }

  /** The subject token of this request, read now. */
  subject(): SubjectReading {
    return readSubject(this.#req.headers.authorization);
  }
}
