import { AsyncLocalStorage } from 'node:async_hooks';
import type { IncomingMessage } from 'node:http';
import { readSubject, type SubjectReading } from '../token/on-behalf-of/subject-token';

const NO_REQUEST: SubjectReading = { kind: 'no-request' };

/**
 * The scope's store. Node hangs it on every async resource the request's handling creates (the
 * sockets of its outbound calls among them), and `util.inspect` of an error that reaches such a
 * socket prints it: the request sits in a private field, which no rendering shows, so that the
 * user's token never appears in a logged AxiosError.
 */
class Served {
  readonly #req: IncomingMessage;
  constructor(req: IncomingMessage) {
    this.#req = req;
  }
  authorization(): string | string[] | undefined {
    return this.#req.headers.authorization;
  }
  serves(req: object): boolean {
    return this.#req === req;
  }
}

/**
 * Which request a call serves, for tokens exchanged on behalf of its user. One shared axios
 * instance and one fetch function serve every request, so a call cannot be told its request by an
 * argument; the middleware runs the rest of the request's handling inside an `AsyncLocalStorage`
 * scope holding the request (one small object per request), and a call reads the incoming
 * `Authorization` from there when it needs a user's token, never earlier.
 *
 * Only a middleware with `onBehalfOf` somewhere enters a scope: one without it is what it was.
 * A call made outside any scope (at startup, from a timer the app set up before any request)
 * finds no request, and fails closed.
 */
export class RequestContext {
  readonly #requests = new AsyncLocalStorage<Served>();

  readonly #served = new WeakMap<object, Served>();

  /** Runs `next` (and everything it starts) as the handling of `req`. */
  run(req: IncomingMessage, next: () => void): void {
    const served = new Served(req);
    this.#served.set(req, served);
    this.#requests.run(served, next);
  }

  /**
   * Makes the code running now serve `req`, from here on: called when `req.mcaClient` (or another
   * field) is read. A callback can run in another request's async context (a pooled connection
   * that request opened calls back into every later request's code), and a call made there
   * through this request's `req` must carry this request's user, never the other one's.
   */
  readonly enter = (req: object): void => {
    const served = this.#served.get(req);
    if (served !== undefined && this.#requests.getStore() !== served) this.#requests.enterWith(served);
  };

  /** The subject token of the request being served now. */
  readonly subject = (): SubjectReading => {
    const served = this.#requests.getStore();
    return served === undefined ? NO_REQUEST : readSubject(served.authorization());
  };
}
