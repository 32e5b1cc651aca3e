import type { IncomingHttpHeaders } from 'node:http';
import type { AxiosInstance } from 'axios';
import type { OutboundPolicy } from '../outbound/outbound-policy';
import { ServedRequest } from '../token/on-behalf-of/served-request';
import { bindClient } from '../transports/axios/bound-client';
import { createAuthorizedFetch, type McaFetch } from '../transports/fetch/authorized-fetch';
import type { FetchFunction } from '../transports/fetch/fetch-transport';
import type { RequestFields } from './request-fields';

/** What every request's fields are made over: the middleware's shared parts. */
export interface SharedFields {
  policy: OutboundPolicy;
  client: AxiosInstance;
  baseFetch: FetchFunction;
  authorization: (urlOrName: string | undefined, user: ServedRequest | undefined) => Promise<string>;
}

/**
 * One request's `req.mcaClient`, `req.mcaFetch` and `req.mcaAuth` with `onBehalfOf` somewhere: the
 * shared client, fetch and header function, each bound to this request, so that a token on behalf
 * of the user is always this request's user's, whatever async context the call runs in (a
 * callback from a connection another request opened, a timer) and whenever it is made.
 *
 * Made per request by the middleware (one small object), each field made on its first read, and
 * the request's `Authorization` read only when an on-behalf-of token is asked for: a route that
 * calls other back ends pays for the fields it reads, and nothing else. No `AsyncLocalStorage`:
 * on Node 20 and 22 an active one makes every promise of the process pay, whichever route made it.
 */
export class RequestBinding implements RequestFields {
  readonly #req: { readonly headers: IncomingHttpHeaders };
  readonly #shared: SharedFields;
  #served: ServedRequest | undefined;
  #client: AxiosInstance | undefined;
  #fetch: McaFetch | undefined;
  #auth: RequestFields['mcaAuth'] | undefined;

  constructor(req: { readonly headers: IncomingHttpHeaders }, shared: SharedFields) {
    this.#req = req;
    this.#shared = shared;
  }

  #user(): ServedRequest {
    return (this.#served ??= new ServedRequest(this.#req));
  }

  get mcaClient(): AxiosInstance {
    return (this.#client ??= bindClient(this.#shared.client, this.#user()));
  }

  get mcaFetch(): McaFetch {
    return (this.#fetch ??= createAuthorizedFetch(this.#shared.policy, this.#shared.baseFetch, this.#user()));
  }

  get mcaAuth(): RequestFields['mcaAuth'] {
    if (this.#auth === undefined) {
      const user = this.#user();
      const authorization = this.#shared.authorization;
      this.#auth = (urlOrName?: string) => authorization(urlOrName, user);
    }
    return this.#auth;
  }
}
