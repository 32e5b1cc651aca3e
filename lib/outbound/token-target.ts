import type { TokenProvider } from '../token/token-provider-api';
import type { DpopBinding } from '../token/dpop/dpop-binding';
import { OnBehalfOfProvider } from '../token/on-behalf-of/on-behalf-of-provider';
import { NO_REQUEST, type ServedRequest } from '../token/on-behalf-of/served-request';
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
  readonly #perUser: OnBehalfOfProvider | undefined;
  // The provider hands out the same already-resolved promise on every cache hit: once seen
  // resolved, it needs no race against the caller's timeout (no timer, no listener).
  #settled: Promise<string> | undefined;
  #settledHeader = '';

  constructor(name: string, provider: TokenProvider, replacementMinIntervalMs: number, now: () => number, dpop?: DpopBinding) {
    this.name = name;
    this.provider = provider;
    this.dpop = dpop;
    this.#perUser = provider instanceof OnBehalfOfProvider ? provider : undefined;
    this.#limiter = new ReplacementLimiter(replacementMinIntervalMs, now);
  }

  /**
   * The header this target gives a call for `user` (the request the call serves, if any): the
   * user's exchanged token when the target is on behalf of the user, the provider's otherwise. The
   * user's `Authorization` is read here, and only for such a target.
   */
  authorization(user: ServedRequest | undefined): Promise<string> {
    const perUser = this.#perUser;
    return perUser === undefined ? this.provider.getAuthorizationHeader() : perUser.headerFor(user === undefined ? NO_REQUEST : user.subject());
  }

  /** The header, at once when the provider's answer is known to be resolved (no await, no race). */
  header<R>(bounds: CallBounds, transport: OutboundTransport<R>, user: ServedRequest | undefined): string | Promise<string> {
    const pending = this.authorization(user);
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
  async replacement<R>(sent: string, bounds: CallBounds, transport: OutboundTransport<R>, user: ServedRequest | undefined): Promise<string> {
    // The back end no longer takes this token (revoked, keys rotated, its clock ahead of ours):
    // drop it if it is still the cached one, and get one (fifty such 401s make one token request).
    // On behalf of the user: that user's token only.
    const perUser = this.#perUser;
    const dropped =
      perUser === undefined
        ? this.provider.invalidate(sent, 'backend-401')
        : perUser.invalidateFor(user === undefined ? NO_REQUEST : user.subject(), sent, 'backend-401');
    const fresh = await this.header(bounds, transport, user);
    if (dropped) this.#limiter.replaced(fresh);
    return fresh;
  }
}
