import type { TokenProvider } from '../core/token-provider-api';
import type { BackendPredicate } from '../client/protected-backends';
import { isRedirect, nextHop } from './next-hop';
import { ReplacementLimiter } from './replacement-limiter';
import type { Hop, OutboundCall, OutboundTransport } from './transport';
import { expired, remainingMs, waitForToken, type CallBounds } from './wait-for-token';

export interface OutboundPolicyOptions {
  provider: TokenProvider;
  /** The allowlist; undefined sends the token to every URL. */
  isProtected: BackendPredicate | undefined;
  retryOn401: boolean;
  /** See {@link ReplacementLimiter}. */
  replacementMinIntervalMs: number;
  /** The provider's clock (epoch ms), so that tests can move it. */
  now: () => number;
}

/**
 * Every transport-neutral decision about a call to a back end: whether a URL gets the token,
 * whether a hop keeps it, the 401 rule and its rate limit, and the token wait bounded by the
 * caller's timeout and signal. One instance per provider, shared by the transports over it.
 */
export class OutboundPolicy {
  readonly #provider: TokenProvider;
  readonly #isProtected: BackendPredicate | undefined;
  readonly #retryOn401: boolean;
  readonly #limiter: ReplacementLimiter;
  // The provider hands out the same already-resolved promise on every cache hit: once seen
  // resolved, it needs no race against the caller's timeout (no timer, no listener).
  #settled: Promise<string> | undefined;
  #settledHeader = '';

  constructor(options: OutboundPolicyOptions) {
    this.#provider = options.provider;
    this.#isProtected = options.isProtected;
    this.#retryOn401 = options.retryOn401;
    this.#limiter = new ReplacementLimiter(options.replacementMinIntervalMs, options.now);
  }

  /** The first hop gets the token when the caller did not opt out and the URL is allowed. */
  wantsToken(call: OutboundCall): boolean {
    // Decided on the final absolute URL, after the base URL: a per-request absolute URL that
    // leaves the allowlist gets no token (the CVE-2025-27152 class).
    return !call.optOut && !USERINFO.test(call.url) && (this.#isProtected === undefined || this.#isProtected(call.url));
  }

  /**
   * A redirect hop keeps the token only within the origin of the first request and, with an
   * allowlist, only on an allowed URL. Decided afresh on every hop, after the caller's own hook.
   */
  carriesToken(firstUrl: string, hopUrl: string): boolean {
    if (USERINFO.test(hopUrl) || new URL(hopUrl).origin !== new URL(firstUrl).origin) return false;
    return this.#isProtected === undefined || this.#isProtected(hopUrl);
  }

  /** The header, at once when the provider's answer is known to be resolved (no await, no race). */
  header<R>(bounds: CallBounds, transport: OutboundTransport<R>): string | Promise<string> {
    const pending = this.#provider.getAuthorizationHeader();
    if (pending === this.#settled) return this.#settledHeader;
    void pending.then(
      (header) => {
        this.#settled = pending;
        this.#settledHeader = header;
      },
      () => undefined,
    );
    return waitForToken(pending, bounds, () => transport.timeoutError(), (reason) => transport.canceledError(reason));
  }

  /**
   * Whether a 401 to `sent` is replayed: not when turned off, nor when the token was itself the
   * replacement of a 401 a moment ago.
   */
  replays401(sent: string): boolean {
    return this.#retryOn401 && this.#limiter.mayReplace(sent);
  }

  /** After a 401 to `sent`: the header to replay with. */
  async replacement<R>(sent: string, bounds: CallBounds, transport: OutboundTransport<R>): Promise<string> {
    // The back end no longer takes this token (revoked, keys rotated, its clock ahead of ours):
    // drop it if it is still the cached one, and get one (fifty such 401s make one token request).
    const dropped = this.#provider.invalidate(sent, 'backend-401');
    const fresh = await this.header(bounds, transport);
    if (dropped) this.#limiter.replaced(fresh);
    return fresh;
  }
}

/**
 * One call: the token, each hop, redirects followed here with the guard on every hop, and one
 * replay after a 401 to the header sent. Resolves with the last response whatever its status:
 * the transport applies the caller's own status check after this.
 */
export async function runOutbound<R>(policy: OutboundPolicy, call: OutboundCall, transport: OutboundTransport<R>): Promise<R> {
  const bounds: CallBounds = {
    deadline: call.timeoutMs > 0 ? performance.now() + call.timeoutMs : Infinity,
    signal: call.signal,
  };
  let header: string | undefined;
  if (policy.wantsToken(call)) {
    const answer = policy.header(bounds, transport);
    header = typeof answer === 'string' ? answer : await answer;
  }
  const first = (): Hop => ({
    url: call.url,
    method: call.method,
    authorization: header,
    first: true,
    dropBody: false,
    dropHeaders: NO_HEADERS,
    timeoutMs: remainingMs(bounds),
  });
  let hop = first();
  let redirects = 0;
  let replayed = false;
  for (;;) {
    if (expired(bounds)) throw transport.timeoutError();
    const response = await transport.send(hop);
    const { status, location } = transport.answer(response);
    if (location !== undefined && call.maxRedirects > 0 && isRedirect(status)) {
      const next = nextHop(hop, location, status, call, remainingMs(bounds));
      if (next !== undefined) {
        transport.discard(response);
        if (++redirects > call.maxRedirects) throw transport.tooManyRedirectsError(response);
        // The caller's hook first, the guard last: no hook can carry the token off the allowlist.
        transport.beforeRedirect?.(hop, next, response);
        // Once a hop has left the origin (the credential headers were dropped), the token stays
        // behind for good, as with follow-redirects and browsers: a foreign server must not be able
        // to bounce the call back to a path of its choosing on the protected origin, token attached.
        const dropped = next.dropHeaders.has('authorization');
        next.authorization = header !== undefined && !dropped && policy.carriesToken(call.url, next.url) ? header : undefined;
        hop = next;
        continue;
      }
    }
    // A 401 to a hop that never saw the token (it was dropped on the way) says nothing about it.
    if (status === 401 && hop.authorization !== undefined && !replayed && call.bodyReplayable && policy.replays401(hop.authorization)) {
      // Freed before the wait for a token: a discarded stream must not hold its socket meanwhile.
      transport.discard(response);
      header = await policy.replacement(hop.authorization, bounds, transport);
      replayed = true;
      redirects = 0;
      hop = first();
      continue;
    }
    return response;
  }
}

const NO_HEADERS: ReadonlySet<string> = new Set();
// A URL with userinfo (`https://user:pass@host/`) brings its own credentials: HTTP clients (axios's
// http adapter among them) send them as Basic in place of any Authorization. The token would not go
// out, and a 401 to those credentials must not cost a good token.
const USERINFO = /^[a-z][a-z\d+\-.]*:\/\/[^/?#\\]*@/i;
