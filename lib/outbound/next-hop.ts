import type { Hop, OutboundCall } from './transport';

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
// What a browser and follow-redirects drop when a redirect leaves the origin, and the caller's own
// DPoP proof with them: it goes with a caller's own `Authorization: DPoP`, and a header this
// package did not make follows the caller's Authorization's rule.
const CREDENTIAL_HEADERS = ['authorization', 'proxy-authorization', 'cookie', 'dpop'];
const BODY_HEADERS = ['content-type', 'content-length', 'content-encoding', 'content-language', 'content-location'];

export function isRedirect(status: number): boolean {
  return REDIRECT_STATUSES.has(status);
}

/**
 * The hop a redirect leads to, by the rules of RFC 9110 §15.4 as browsers apply them, or undefined
 * when it must not be followed (the response then goes back to the caller as it is): a Location
 * that is not an http(s) URL, or a 307/308 that would have to send a body that cannot be sent again (a stream, even a GET's).
 * The token is not decided here: `OutboundPolicy.hopTarget` does that for every hop.
 */
export function nextHop(from: Hop, location: string, status: number, call: OutboundCall, timeoutMs: number): Hop | undefined {
  let target: URL;
  try {
    target = new URL(location, from.url);
  } catch {
    return undefined;
  }
  if (target.protocol !== 'http:' && target.protocol !== 'https:') return undefined;
  target.hash = '';
  let method = from.method;
  let dropBody = from.dropBody;
  if (((status === 301 || status === 302) && method === 'POST') || (status === 303 && method !== 'GET' && method !== 'HEAD')) {
    method = 'GET';
    dropBody = true;
  }
  if (!dropBody && !call.bodyReplayable) return undefined;
  const dropHeaders = new Set(from.dropHeaders);
  const source = new URL(from.url);
  // Leaving the origin, or going from https to http: the caller's credentials stay behind.
  if (target.origin !== source.origin) {
    for (const name of CREDENTIAL_HEADERS) dropHeaders.add(name);
    for (const name of call.sensitiveHeaders) dropHeaders.add(name);
  }
  if (dropBody) for (const name of BODY_HEADERS) dropHeaders.add(name);
  return { url: target.href, method, authorization: undefined, first: false, dropBody, dropHeaders, timeoutMs };
}
