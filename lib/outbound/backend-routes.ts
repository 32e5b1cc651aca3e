import { compileProtectedBackends, hasHiddenTraversal, parseBackendUrl, type BackendPredicate, type EntryMatcher } from '../client/protected-backends';
import type { TokenTarget } from './token-target';

/** A compiled `protectedBackends` entry and the token it gets. */
export interface BackendRoute {
  matcher: EntryMatcher;
  target: TokenTarget;
}

/**
 * Which token a URL gets, decided once per hop on the absolute URL. The first entry that matches
 * wins, as in the list. Precomputed: string entries are indexed by origin, so a call looks up its
 * origin and tests only that origin's entries and the RegExps, in list order; fifty back ends on
 * fifty origins cost one map lookup, not fifty tests.
 */
export class BackendRoutes {
  readonly #byOrigin = new Map<string, readonly BackendRoute[]>();
  // For an origin no string entry names: the RegExp entries alone.
  readonly #patterns: readonly BackendRoute[];
  readonly #fallback: TokenTarget | undefined;
  // Without an allowlist: which URLs a credential may go to at all (https, loopback http).
  readonly #anyAllowed: BackendPredicate;
  readonly #allowInsecureHttp: boolean;

  /**
   * @param routes the allowlist in order, or undefined for none: then every URL that the
   * cleartext rule allows (https, loopback http, any http with `allowInsecureHttp`) gets `fallback`.
   */
  constructor(routes: readonly BackendRoute[] | undefined, fallback: TokenTarget, allowInsecureHttp: boolean) {
    this.#allowInsecureHttp = allowInsecureHttp;
    this.#anyAllowed = compileProtectedBackends(undefined, allowInsecureHttp);
    if (routes === undefined) {
      this.#patterns = [];
      this.#fallback = fallback;
      return;
    }
    this.#fallback = undefined;
    this.#patterns = routes.filter((route) => route.matcher.origin === undefined);
    for (const route of routes) {
      const origin = route.matcher.origin;
      if (origin === undefined || this.#byOrigin.has(origin)) continue;
      // This origin's string entries and every RegExp, in list order (order decides a tie).
      this.#byOrigin.set(
        origin,
        routes.filter((r) => r.matcher.origin === origin || r.matcher.origin === undefined),
      );
    }
  }

  /** True when there is an allowlist (a URL off it gets no token). */
  get listed(): boolean {
    return this.#fallback === undefined;
  }

  /** The token target for an absolute URL, or undefined: no token goes there. */
  route(absoluteUrl: string): TokenTarget | undefined {
    if (this.#fallback !== undefined) return this.#anyAllowed(absoluteUrl) ? this.#fallback : undefined;
    const url = parseBackendUrl(absoluteUrl, this.#allowInsecureHttp);
    if (url === undefined) return undefined;
    const candidates = this.#byOrigin.get(url.origin) ?? this.#patterns;
    let hidden: boolean | undefined;
    for (const { matcher, target } of candidates) {
      if (!matcher.match(url)) continue;
      // An entry that limits by path never matches a path with a hidden traversal (`..%2f`).
      if (!matcher.byPath) return target;
      hidden ??= hasHiddenTraversal(url.pathname);
      if (!hidden) return target;
    }
    return undefined;
  }
}
