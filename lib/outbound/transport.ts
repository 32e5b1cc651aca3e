import type { ServedRequest } from '../token/on-behalf-of/served-request';

/**
 * The contract between the outbound policy (this folder) and a transport (the axios client in
 * lib/transports/axios/, the fetch wrapper in lib/transports/fetch/). The policy decides; the transport only moves bytes.
 *
 * Where each duty lives, and why:
 * - Injection, the allowlist and which token: `OutboundPolicy.target` / `hopTarget` (by
 *   `BackendRoutes`: each back end's own token), decided on the absolute URL of every hop. The
 *   transport only reports the URL and whether the caller opted out.
 * - The redirect guard: `runOutbound` follows redirects itself, hop by hop (`next-hop.ts`). A
 *   transport that followed them on its own (follow-redirects, fetch's `redirect: 'follow'`) would
 *   send the header before anyone could look at the new URL, ignore `maxRedirects` (fetch), or log
 *   the request options, token included, under DEBUG=* (follow-redirects).
 * - The 401 rule: `runOutbound` sees every hop's status, because a transport must resolve every
 *   HTTP status; the caller's own status check (axios's `validateStatus`) runs after the policy, so
 *   it can never hide a 401 from it.
 * - Redaction: the transport scrubs what it sent (`scrub-sent-request.ts`) and never lets the
 *   header reach the caller's config; its own error shapes (AxiosError) are redacted by the
 *   transport on the way out.
 * - The caller's timeout and signal: `wait-for-token.ts` races the token wait against them, and
 *   each hop gets what is left of the timeout.
 */

/** One request on the wire: the first, a redirect, or the replay after a 401. */
export interface Hop {
  /** Absolute URL (for the first hop, without the query that the transport adds itself). */
  url: string;
  /** Upper-case method. */
  method: string;
  /** The `Authorization` value this hop carries from the provider, or undefined for none. */
  authorization: string | undefined;
  /** True for the caller's own request (the transport sends the caller's URL and query as is). */
  first: boolean;
  /** The body is not sent on this hop (a 301/302/303 turned it into a GET). */
  dropBody: boolean;
  /** Lower-case names of the caller's headers that must not follow to this hop. */
  dropHeaders: ReadonlySet<string>;
  /** What is left of the caller's timeout, in ms; 0 for none. */
  timeoutMs: number;
  /** The `DPoP` proof for this hop (RFC 9449), fresh for its method and URL, with a DPoP-bound token. */
  proof?: string;
  /** The resource server's nonce that {@link proof} carries, if any. */
  proofNonce?: string;
}

/** What the policy needs to know about a response. */
export interface HopAnswer {
  status: number;
  location: string | undefined;
  /** On a 401 that says `WWW-Authenticate: DPoP error="use_dpop_nonce"`: the `DPoP-Nonce` it sent. */
  dpopNonce?: string;
}

/**
 * A transport sends single hops. It must not follow redirects and must resolve for every HTTP
 * status (it rejects only when there is no response: network, timeout, abort).
 */
export interface OutboundTransport<R> {
  send(hop: Hop): Promise<R>;
  answer(response: R): HopAnswer;
  /**
   * The raw `DPoP-Nonce` header of an answer, whatever its status (RFC 9449 §9: a resource server
   * may send its next nonce on any answer). Read only for hops that carried a proof.
   */
  nonce(response: R): unknown;
  /** Frees a response the caller will never see (a redirect, a replayed 401): no socket is held. */
  discard(response: R): void;
  /**
   * What `send`'s rejection becomes (redacted), when the transport leaves that to the policy: one
   * handler on the policy's own `then` instead of a promise of its own per hop.
   */
  sendFailed?(error: unknown, hop: Hop): unknown;
  /** The caller's own redirect hook, if its API has one; runs before the policy's guard. */
  beforeRedirect?(from: Hop, to: Hop, response: R): void;
  timeoutError(): unknown;
  canceledError(reason: unknown): unknown;
  tooManyRedirectsError(response: R): unknown;
}

/** The caller's request, as the policy sees it. */
export interface OutboundCall {
  /** Absolute URL, after the base URL (query left out: it cannot move a request elsewhere). */
  url: string;
  method: string;
  /** The caller said no token (`mcaAuth: false`) or set its own `Authorization`. */
  optOut: boolean;
  /** The body can be sent again (not a stream). */
  bodyReplayable: boolean;
  /** 0: redirects go back to the caller as they are. */
  maxRedirects: number;
  /** 0 for none. Bounds the whole call: token wait, every hop, the replay. */
  timeoutMs: number;
  signal: AbortSignal | undefined;
  /** Lower-case header names to drop when a redirect leaves the origin, besides the credentials. */
  sensitiveHeaders: readonly string[];
  /** The request the call serves (a request's own `req.mcaClient` / `req.mcaFetch`), for tokens on behalf of its user. */
  user?: ServedRequest;
}
