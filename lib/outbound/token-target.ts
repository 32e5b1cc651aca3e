import type { TokenProvider } from '../token/token-provider-api';
import type { DpopBinding } from '../token/dpop/dpop-binding';
import { ReplacementLimiter } from './replacement-limiter';
import type { OutboundTransport } from './transport';
import { waitForToken, type CallBounds } from './wait-for-token';

/**
 * One token a call may carry: the middleware's own, or a back end's own (its audience, scope,
 * resource or client). Holds the provider of that token and, per token, the 401 rule's state:
 * a 401 from one back end drops and refetches that back end's token only.
 */
export class TokenTarget {
  /** `default`, or the entry's name (`protectedBackends[2]` when it has none). */
  readonly name: string;
  readonly provider: TokenProvider;
  /** The key this target's tokens are bound to (DPoP): each hop that carries one gets a fresh proof. */
  readonly dpop: DpopBinding | undefined;
  readonly #limiter: ReplacementLimiter;
  // The provider hands out the same already-resolved promise on every cache hit: once seen
  // resolved, it needs no race against the caller's timeout (no timer, no listener).
  #settled: Promise<string> | undefined;
  #settledHeader = '';

  constructor(name: string, provider: TokenProvider, replacementMinIntervalMs: number, now: () => number, dpop?: DpopBinding) {
    this.name = name;
    this.provider = provider;
    this.dpop = dpop;
    this.#limiter = new ReplacementLimiter(replacementMinIntervalMs, now);
  }

  /** The header, at once when the provider's answer is known to be resolved (no await, no race). */
  header<R>(bounds: CallBounds, transport: OutboundTransport<R>): string | Promise<string> {
    const pending = this.provider.getAuthorizationHeader();
    if (pending === this.#settled) return this.#settledHeader;
    void pending.then(
      (header) => {
        this.#settled = pending;
        this.#settledHeader = header;
      },
      () => undefined,
    );
    return waitForToken(
      pending,
      bounds,
      () => transport.timeoutError(),
      (reason) => transport.canceledError(reason),
    );
  }

  /** Whether a 401 to `sent` may drop it: not when it was itself the replacement of a 401 a moment ago. */
  mayReplace(sent: string): boolean {
    return this.#limiter.mayReplace(sent);
  }

  /** After a 401 to `sent`: the header to replay with. */
  async replacement<R>(sent: string, bounds: CallBounds, transport: OutboundTransport<R>): Promise<string> {
    // The back end no longer takes this token (revoked, keys rotated, its clock ahead of ours):
    // drop it if it is still the cached one, and get one (fifty such 401s make one token request).
    const dropped = this.provider.invalidate(sent, 'backend-401');
    const fresh = await this.header(bounds, transport);
    if (dropped) this.#limiter.replaced(fresh);
    return fresh;
  }
}
