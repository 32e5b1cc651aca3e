import { isRedirect } from '../../outbound/next-hop';
import type { Hop, HopAnswer, OutboundTransport } from '../../outbound/transport';
import { isStreamBody } from './fetch-body';
import { redactFetchError } from './redact-fetch-error';
import { askedNonce } from '../../outbound/dpop-proof';

// The DOM lib's names, which @types/node does not declare globally.
export type HeadersInit = NonNullable<RequestInit['headers']>;
export type BodyInit = NonNullable<RequestInit['body']>;

export type FetchFunction = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

/** The caller's request, taken apart once: what every hop is built from. */
export interface FetchRequestParts {
  /** The caller's method as given (fetch upper-cases only the standard ones). */
  method: string;
  headers: HeadersInit | undefined;
  body: BodyInit | null | undefined;
  signal: AbortSignal | undefined;
  /** The rest of the caller's init (`dispatcher`, `keepalive`, …), passed on as is. */
  rest: RequestInit | undefined;
}

/**
 * fetch says `redirected: true` on a response it reached through a redirect. Each hop here is a
 * fetch of its own, so the last one would say false: its own property says what the caller's
 * fetch did. (A `clone()` reads the internal state again, and says false.)
 */
function markRedirected(response: Response): Response {
  // A fetch of the caller's own may hand back a frozen object: it is passed on as it is.
  if (Object.isExtensible(response)) Object.defineProperty(response, 'redirected', { value: true, configurable: true });
  return response;
}

/** Undefined or a plain record; anything else (Headers, pairs, a Headers-like iterable of another library) goes through `new Headers`. */
export function isPlainHeaders(headers: HeadersInit | undefined): headers is Record<string, string> | undefined {
  if (headers === undefined) return true;
  const proto: unknown = Object.getPrototypeOf(headers);
  return proto === Object.prototype || proto === null;
}

/**
 * A thin transport over a fetch function for one call. Each hop is sent with `redirect: 'manual'`
 * (Node's fetch then hands back the 3xx itself), so `runOutbound` sees every hop and decides its
 * token. The token is put only into the headers built for the hop, never into the caller's.
 */
export class FetchTransport implements OutboundTransport<Response> {
  readonly #fetch: FetchFunction;
  readonly #parts: FetchRequestParts;

  constructor(fetchFunction: FetchFunction, parts: FetchRequestParts) {
    this.#fetch = fetchFunction;
    this.#parts = parts;
  }

  send(hop: Hop): Promise<Response> {
    const parts = this.#parts;
    const init: RequestInit & { duplex?: 'half'; dispatcher?: unknown } = {
      // An own `dispatcher`, the caller's or undefined (Node's global one): Node's fetch reads it
      // from the init, and one inherited from a polluted Object.prototype would route the hop,
      // token and all, through connection code nobody configured.
      dispatcher: undefined,
      ...parts.rest,
      method: hop.first ? parts.method : hop.method,
      headers: this.#headers(hop),
      redirect: 'manual',
      signal: parts.signal,
    };
    if (!hop.dropBody && parts.body !== undefined && parts.body !== null) {
      init.body = parts.body;
      if (isStreamBody(parts.body)) init.duplex = 'half';
    }
    const sent = this.#fetch(hop.url, init);
    return hop.first ? sent : sent.then(markRedirected);
  }

  sendFailed(error: unknown, hop: Hop): unknown {
    return redactFetchError(error, hop.authorization);
  }

  #headers(hop: Hop): HeadersInit | undefined {
    const given = this.#parts.headers;
    // The hot path: no Headers object to build when the caller gave a plain object or nothing.
    if (hop.dropHeaders.size === 0 && isPlainHeaders(given)) {
      if (hop.authorization === undefined) return given;
      if (hop.proof === undefined) return { ...given, authorization: hop.authorization };
      // The proof is the only `DPoP` header: a caller's own (any spelling) would be joined to it,
      // and a request with two proofs is refused (RFC 9449 §4.3).
      const headers: Record<string, string> = { ...given, authorization: hop.authorization };
      for (const name of Object.keys(headers)) if (name.length === 4 && name.toLowerCase() === 'dpop') delete headers[name];
      headers.dpop = hop.proof;
      return headers;
    }
    const headers = new Headers(given);
    for (const name of hop.dropHeaders) headers.delete(name);
    if (hop.authorization !== undefined) headers.set('authorization', hop.authorization);
    if (hop.proof !== undefined) headers.set('dpop', hop.proof);
    return headers;
  }

  answer(response: Response): HopAnswer {
    const status = response.status;
    // Headers.get is not free (WebIDL checks): read Location only where it can matter.
    const answer: HopAnswer = { status, location: isRedirect(status) ? (response.headers.get('location') ?? undefined) : undefined };
    if (status === 401) {
      const nonce = askedNonce(status, response.headers.get('www-authenticate'), response.headers.get('dpop-nonce'));
      if (nonce !== undefined) answer.dpopNonce = nonce;
    }
    return answer;
  }

  nonce(response: Response): unknown {
    return response.headers.get('dpop-nonce');
  }

  discard(response: Response): void {
    // Frees the connection of a response the caller never sees (a redirect, a replayed 401).
    response.body?.cancel().catch(() => undefined);
  }

  timeoutError(): unknown {
    return new DOMException('The operation was aborted due to timeout', 'TimeoutError');
  }

  canceledError(reason: unknown): unknown {
    // What fetch itself rejects with: the signal's reason (an AbortError DOMException by default).
    return reason ?? new DOMException('This operation was aborted', 'AbortError');
  }

  tooManyRedirectsError(): unknown {
    return new TypeError('fetch failed', { cause: new Error('redirect count exceeded') });
  }
}
