import type { BackendRoute, BackendRoutes } from './backend-routes';
import { isRedirect, nextHop } from './next-hop';
import type { TokenTarget } from './token-target';
import type { Hop, OutboundCall, OutboundTransport } from './transport';
import { expired, remainingMs, type CallBounds } from './wait-for-token';
import { logNoToken, routeDebugEnabled } from './route-debug';
import { noteNonce, signHop } from './dpop-proof';

export interface OutboundPolicyOptions {
  /** Which token each URL gets (the allowlist, and each back end's own token). */
  routes: BackendRoutes;
  /** The middleware's own token: `req.mcaAuth()` without an argument. */
  defaultTarget: TokenTarget;
  retryOn401: boolean;
}

/**
 * Every transport-neutral decision about a call to a back end: which token a URL gets (by the
 * routes: the allowlist, and each back end's own token), which token each redirect hop gets, the
 * 401 rule and its rate limit, and the token wait bounded by the caller's timeout and signal. One
 * instance per middleware, shared by the transports over it (axios, fetch).
 */
export class OutboundPolicy {
  readonly routes: BackendRoutes;
  readonly defaultTarget: TokenTarget;
  readonly #retryOn401: boolean;

  constructor(options: OutboundPolicyOptions) {
    this.routes = options.routes;
    this.defaultTarget = options.defaultTarget;
    this.#retryOn401 = options.retryOn401;
  }

  /** The entry (and token) of the first hop, or undefined: the caller opted out, or the URL is off the allowlist. */
  target(call: OutboundCall): BackendRoute | undefined {
    // Decided on the final absolute URL, after the base URL: a per-request absolute URL that
    // leaves the allowlist gets no token (the CVE-2025-27152 class).
    return call.optOut ? undefined : this.routes.route(call.url);
  }

  /**
   * The entry (and token) of a redirect hop, decided afresh on every hop, after the caller's own
   * hook. Trust is per entry: a hop within the entries the call has carried a token to so far
   * (`chain`) gets that entry's token again; a hop into another entry gets its token only when
   * that entry names every entry of the chain in `acceptRedirectsFrom`. Otherwise a back end with
   * a low-privilege token could point a call, with the method and body meant for it, at any path
   * of a back end with a high-privilege token, as browsers and fetch know when they drop
   * `Authorization` on a cross-origin redirect. Without an allowlist, the token stays within the
   * origin of the first request, and the cleartext rule still holds on every hop.
   */
  hopTarget(call: OutboundCall, hopUrl: string, chain: ReadonlySet<number>): BackendRoute | undefined {
    if (call.optOut) return undefined;
    if (!this.routes.listed && new URL(hopUrl).origin !== new URL(call.url).origin) return undefined;
    const route = this.routes.route(hopUrl);
    if (route === undefined) return undefined;
    for (const from of chain) if (from !== route.index && !route.acceptsFrom.has(from)) return undefined;
    return route;
  }

  /**
   * Why a call or hop got no token, in words, for `DEBUG=express-mca-oauth:route`. Mirrors
   * {@link target} and {@link hopTarget}; only called while that namespace is on.
   */
  whyNoToken(call: OutboundCall, url: string, chain?: ReadonlySet<number>): string {
    if (call.optOut) return 'the call opted out: it carries its own Authorization (or axios auth, or mcaAuth: false)';
    if (chain !== undefined && !this.routes.listed && new URL(url).origin !== new URL(call.url).origin) {
      return "without protectedBackends the token stays on the first request's origin";
    }
    const route = this.routes.route(url);
    if (route === undefined) return this.routes.explain(url);
    const refused = [...(chain ?? [])].find((from) => from !== route.index && !route.acceptsFrom.has(from));
    if (refused === undefined) return 'no reason found (please report it)';
    return `a redirect into ${route.label}, which does not accept redirects from the entries the call passed (acceptRedirectsFrom)`;
  }

  /** Whether a 401 to `sent` from `target` is replayed. */
  replays401(target: TokenTarget, sent: string): boolean {
    return this.#retryOn401 && target.mayReplace(sent);
  }
}

async function headerOf<R>(
  target: TokenTarget | undefined,
  call: OutboundCall,
  bounds: CallBounds,
  transport: OutboundTransport<R>,
): Promise<string | undefined> {
  if (target === undefined) return undefined;
  const answer = target.header(bounds, transport, call.user);
  return typeof answer === 'string' ? answer : await answer;
}

function firstHop(call: OutboundCall, header: string | undefined, bounds: CallBounds): Hop {
  return { url: call.url, method: call.method, authorization: header, first: true, dropBody: false, dropHeaders: NO_HEADERS, timeoutMs: remainingMs(bounds) };
}

/** Whether the policy has something to do with this answer: a redirect to follow, or a 401. */
function needsPolicy(status: number, location: string | undefined, call: OutboundCall): boolean {
  return status === 401 || (location !== undefined && call.maxRedirects > 0 && isRedirect(status));
}

/**
 * One call: the token, each hop, redirects followed here with the guard on every hop, and one
 * replay after a 401 to the header sent. Resolves with the last response whatever its status:
 * the transport applies the caller's own status check after this.
 *
 * The hot path (a cached token, an answer that is neither a redirect nor a 401) is one send and
 * one `then`: no async function, no await. Every other answer goes on to {@link follow}.
 */
export function runOutbound<R>(policy: OutboundPolicy, call: OutboundCall, transport: OutboundTransport<R>): Promise<R> {
  const bounds: CallBounds = {
    deadline: call.timeoutMs > 0 ? performance.now() + call.timeoutMs : Infinity,
    signal: call.signal,
  };
  const route = policy.target(call);
  if (route === undefined) {
    if (routeDebugEnabled()) logNoToken(call.method, call.url, 'call', policy.whyNoToken(call, call.url));
    return sendFirst(policy, call, transport, bounds, undefined, undefined);
  }
  const answer = route.target.header(bounds, transport, call.user);
  if (typeof answer === 'string') return sendFirst(policy, call, transport, bounds, route, answer);
  return answer.then((header) => sendFirst(policy, call, transport, bounds, route, header));
}

function sendFirst<R>(
  policy: OutboundPolicy,
  call: OutboundCall,
  transport: OutboundTransport<R>,
  bounds: CallBounds,
  route: BackendRoute | undefined,
  header: string | undefined,
): Promise<R> {
  if (expired(bounds)) return Promise.reject(transport.timeoutError());
  const hop = firstHop(call, header, bounds);
  if (route?.target.dpop !== undefined) signHop(route.target.dpop, hop);
  return transport.send(hop).then(
    (response) => {
      noteNonce(route?.target.dpop, hop, transport, response);
      const { status, location } = transport.answer(response);
      return needsPolicy(status, location, call) ? follow(policy, call, transport, bounds, route, hop, response) : response;
    },
    (error: unknown) => {
      throw transport.sendFailed ? transport.sendFailed(error, hop) : error;
    },
  );
}

/**
 * Redirects, hop by hop with the guard on each, and the 401 replay; from the first answer on.
 * A 401 replays the hop that answered it, with a fresh token of that hop's own back end, never an
 * earlier hop: replaying from the first would send the first back end its method and body again
 * (a POST twice) because of another back end's answer.
 */
async function follow<R>(
  policy: OutboundPolicy,
  call: OutboundCall,
  transport: OutboundTransport<R>,
  bounds: CallBounds,
  firstRoute: BackendRoute | undefined,
  sentHop: Hop,
  firstResponse: R,
): Promise<R> {
  let hop = sentHop;
  let response = firstResponse;
  let route = firstRoute;
  let redirects = 0;
  let replayed = false;
  let nonceRetried = false;
  // The entries this call has carried a token to: the next entry must accept redirects from each.
  const chain = new Set<number>(firstRoute === undefined ? [] : [firstRoute.index]);
  // Once a hop has gone where no token goes (off the allowlist, into an entry that does not accept
  // the chain's redirects; without a list, off the first origin), no later hop gets one, as with
  // follow-redirects and browsers: a server that got no token must not be able to bounce the call
  // on to a protected back end of its choosing, token attached.
  let left = firstRoute === undefined;
  for (;;) {
    const { status, location } = transport.answer(response);
    let next: Hop | undefined;
    if (location !== undefined && call.maxRedirects > 0 && isRedirect(status)) {
      next = nextHop(hop, location, status, call, remainingMs(bounds));
      if (next !== undefined) {
        transport.discard(response);
        if (++redirects > call.maxRedirects) throw transport.tooManyRedirectsError(response);
        // The caller's hook first, the guard last: no hook can carry a token off the allowlist.
        transport.beforeRedirect?.(hop, next, response);
        const wasLeft = left;
        route = left ? undefined : policy.hopTarget(call, next.url, chain);
        if (route === undefined) {
          left = true;
          if (routeDebugEnabled()) {
            const why = wasLeft ? 'an earlier hop went where no token goes, so no later hop gets one' : policy.whyNoToken(call, next.url, chain);
            logNoToken(next.method, next.url, 'redirect', why);
          }
        } else chain.add(route.index);
        next.authorization = await headerOf(route?.target, call, bounds, transport);
        // A caller's own DPoP proof goes with a caller's own Authorization only: beside this
        // package's token it is a stray proof (the first hop's was replaced by the package's
        // own), and beside a Bearer token it would make the hop look DPoP-bound.
        if (next.authorization !== undefined) next.dropHeaders = new Set(next.dropHeaders).add('dpop');
        next.timeoutMs = remainingMs(bounds);
        // Every hop that carries a bound token gets a proof of its own: method, URL, a new jti.
        if (route?.target.dpop !== undefined) signHop(route.target.dpop, next);
      }
    }
    // RFC 9449 §9: a resource server that wants its nonce in the proof answers 401 with one. The
    // same hop once more, same token, a proof with the nonce: not a token replacement, so it does
    // not count against the 401 rule's limit. The nonce was remembered with the answer; a
    // challenge for the very nonce the proof carried (or one not remembered: not a usable nonce)
    // is not retried.
    const dpop = route?.target.dpop;
    if (next === undefined && status === 401 && dpop !== undefined && hop.proof !== undefined && !nonceRetried && (hop.dropBody || call.bodyReplayable)) {
      const nonce = transport.answer(response).dpopNonce;
      if (nonce !== undefined && nonce !== hop.proofNonce && dpop.nonces.get(hop.url) === nonce) {
        transport.discard(response);
        nonceRetried = true;
        next = { ...hop, timeoutMs: remainingMs(bounds) };
        signHop(dpop, next);
      }
    }
    // A 401 to a hop that never saw a token (it was dropped on the way) says nothing about one.
    // A 401 from a hop that carried another back end's token drops that back end's token only.
    if (
      next === undefined &&
      status === 401 &&
      route !== undefined &&
      hop.authorization !== undefined &&
      !replayed &&
      (hop.dropBody || call.bodyReplayable) &&
      policy.replays401(route.target, hop.authorization)
    ) {
      // Freed before the wait for a token: a discarded stream must not hold its socket meanwhile.
      transport.discard(response);
      const fresh = await route.target.replacement(hop.authorization, bounds, transport, call.user);
      replayed = true;
      next = { ...hop, authorization: fresh, timeoutMs: remainingMs(bounds) };
      if (route.target.dpop !== undefined) signHop(route.target.dpop, next);
    }
    if (next === undefined) return response;
    if (expired(bounds)) throw transport.timeoutError();
    hop = next;
    try {
      response = await transport.send(hop);
    } catch (error) {
      throw transport.sendFailed ? transport.sendFailed(error, hop) : error;
    }
    noteNonce(route?.target.dpop, hop, transport, response);
  }
}

const NO_HEADERS: ReadonlySet<string> = new Set();
