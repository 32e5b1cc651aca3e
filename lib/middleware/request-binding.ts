import type { IncomingHttpHeaders } from 'node:http';
import type { AxiosInstance } from 'axios';
import type { OutboundPolicy } from '../outbound/outbound-policy';
import { ServedRequest } from '../token/on-behalf-of/served-request';
import { bindClient } from '../transports/axios/bound-client';
import { createAuthorizedFetch } from '../transports/fetch/authorized-fetch';
import type { FetchFunction } from '../transports/fetch/fetch-transport';
import type { RequestFields } from './request-fields';

/** What every request's fields are made over: the middleware's shared parts. */
export interface SharedFields {
  policy: OutboundPolicy;
  client: AxiosInstance;
  baseFetch: FetchFunction;
  authorization: (urlOrName: string | undefined, user: ServedRequest | undefined) => Promise<string>;
}

/** Makes one field of a request, bound to it. */
export type BindField = <K extends keyof RequestFields>(req: { readonly headers: IncomingHttpHeaders }, name: K) => RequestFields[K];

/**
 * A request's `req.mcaClient`, `req.mcaFetch` and `req.mcaAuth` with `onBehalfOf` somewhere: the
 * shared client, fetch and header function, each bound to that request, so that a token on behalf
 * of the user is always that request's user's, whatever async context the call runs in (a
 * callback from a connection another request opened, a timer) and whenever it is made.
 *
 * Each read makes the field anew, small (a view of the shared axios instance, a closure), and
 * nothing keeps it but the caller: the middleware stores nothing per request, so a route that
 * reads no field pays nothing. (A per-request `WeakMap` entry whose value pointed back at its
 * request, as a binding made up front would, measured ~10% of a hello-world request's CPU in
 * bench/on-behalf-of-cost.js: likely costlier young-generation collections, the request's graph
 * surviving them.) The request's `Authorization` is read only
 * when an on-behalf-of token is asked for. No `AsyncLocalStorage`: on Node 20 and 22 an active
 * one makes every promise of the process pay, whichever route made it.
 */
export function fieldBinder(shared: SharedFields): BindField {
  const bind = (req: { readonly headers: IncomingHttpHeaders }, name: keyof RequestFields): RequestFields[keyof RequestFields] => {
    const user = new ServedRequest(req);
    if (name === 'mcaClient') return bindClient(shared.client, user);
    if (name === 'mcaFetch') return createAuthorizedFetch(shared.policy, shared.baseFetch, user);
    const authorization = shared.authorization;
    return (urlOrName?: string) => authorization(urlOrName, user);
  };
  return bind as BindField;
}
