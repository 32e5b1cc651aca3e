import { runOutbound, type OutboundPolicy } from '../../outbound/outbound-policy';
import { isRedirect } from '../../outbound/next-hop';
import type { OutboundCall } from '../../outbound/transport';
import { FETCH_MAX_REDIRECTS, isReplayableBody, optedOut } from '../../outbound/call-rules';
import type { ServedRequest } from '../../token/on-behalf-of/served-request';
import { requestBody } from './fetch-body';
import { FetchTransport, isPlainHeaders, type BodyInit, type FetchFunction, type FetchRequestParts, type HeadersInit } from './fetch-transport';

/** `RequestInit`, plus `mcaAuth: false` to keep one call free of the token. */
export interface McaFetchInit extends RequestInit {
  /**
   * `false` keeps this request free of the token, even to a protected back end.
   * @default true
   */
  mcaAuth?: boolean;
}

/** The signature of the global `fetch`, with the same guarantees as `req.mcaClient`. */
export type McaFetch = (input: string | URL | Request, init?: McaFetchInit) => Promise<Response>;

function hasAuthorization(headers: HeadersInit | undefined): boolean {
  if (headers === undefined) return false;
  if (isPlainHeaders(headers)) {
    for (const name of Object.keys(headers)) if (name.toLowerCase() === 'authorization') return true;
    return false;
  }
  // A Headers object is asked as it is (a Request's, from openapi-fetch or ky); pairs, or another
  // library's Headers-like iterable, are read the way fetch reads them.
  return (headers instanceof Headers ? headers : new Headers(headers)).has('authorization');
}

function redirectError(): TypeError {
  return new TypeError('fetch failed', { cause: new Error('unexpected redirect') });
}

/**
 * The fetch side of the outbound policy: `req.mcaFetch` and `mw.fetch`. The policy decides the
 * token of every hop (the allowlist, each back end's own token), follows redirects hop by hop
 * within the caller's `redirect` mode and {@link FETCH_MAX_REDIRECTS}, replays once after a 401
 * when the body can be sent again, and bounds the wait for a token by the caller's `signal`.
 * `base` is the fetch it sends with: the global one when the middleware was built, so that
 * `globalThis.fetch = mw.fetch` does not call itself. `user`: the request whose `req.mcaFetch`
 * this is, for tokens on behalf of its user (none for `mw.fetch`).
 */
export function createAuthorizedFetch(policy: OutboundPolicy, base: FetchFunction, user?: ServedRequest): McaFetch {
  return function mcaFetch(input, init) {
    // fetch never throws synchronously: neither does this (a bad `headers`, say, rejects).
    try {
      return start(policy, base, input, init, user);
    } catch (error) {
      return Promise.reject(error);
    }
  };
}

/** The caller's own init fields only: nothing polluted onto Object.prototype becomes a setting (or `mcaAuth: false`). */
function ownInit(init: McaFetchInit | undefined): McaFetchInit | undefined {
  return init === undefined || init === null ? undefined : (Object.assign(Object.create(null), init) as McaFetchInit);
}

function start(
  policy: OutboundPolicy,
  base: FetchFunction,
  input: string | URL | Request,
  given: McaFetchInit | undefined,
  user: ServedRequest | undefined,
): Promise<Response> {
  const init = ownInit(given);
  // The routes parse the URL (a relative one matches no entry); fetch parses it again to send.
  const url = typeof input === 'string' ? input : input instanceof Request ? input.url : String(input);
  if (input instanceof Request) {
    const mode = init?.redirect ?? input.redirect;
    // fetch(request, { body }) sends the init's body: the request's is not read then.
    if (input.body === null || init?.body !== undefined) return send(policy, base, url, init, mode, fromRequest(input, init, null), user);
    return requestBody(input).then(({ body, replayable }) => send(policy, base, url, init, mode, fromRequest(input, init, body), user, replayable));
  }
  const { method, headers, body, signal, redirect, mcaAuth: _mcaAuth, ...rest } = init ?? {};
  const parts: FetchRequestParts = { method: method ?? 'GET', headers, body, signal: signal ?? undefined, rest };
  return send(policy, base, url, init, redirect ?? 'follow', parts, user);
}

function fromRequest(request: Request, init: McaFetchInit | undefined, body: BodyInit | null): FetchRequestParts {
  // fetch(request, init): the init's fields win over the request's.
  const { method, headers, body: initBody, signal, redirect: _redirect, mcaAuth: _mcaAuth, ...rest } = init ?? {};
  return {
    method: method ?? request.method,
    headers: headers ?? request.headers,
    body: initBody !== undefined ? initBody : body,
    signal: signal ?? request.signal,
    rest,
  };
}

function send(
  policy: OutboundPolicy,
  base: FetchFunction,
  url: string,
  init: McaFetchInit | undefined,
  mode: NonNullable<RequestInit['redirect']>,
  parts: FetchRequestParts,
  user: ServedRequest | undefined,
  replayable = true,
): Promise<Response> {
  const call: OutboundCall = {
    url,
    method: parts.method.toUpperCase(),
    optOut: optedOut(init?.mcaAuth, hasAuthorization(parts.headers)),
    bodyReplayable: replayable && isReplayableBody(parts.body),
    // 'manual' and 'error' get the first hop's answer; the policy follows only 'follow'.
    maxRedirects: mode === 'follow' ? FETCH_MAX_REDIRECTS : 0,
    timeoutMs: 0,
    signal: parts.signal,
    sensitiveHeaders: [],
    user,
  };
  const transport = new FetchTransport(base, parts);
  const sent = runOutbound(policy, call, transport);
  if (mode !== 'error') return sent;
  return sent.then((response) => {
    if (!isRedirect(response.status)) return response;
    transport.discard(response);
    throw redirectError();
  });
}
