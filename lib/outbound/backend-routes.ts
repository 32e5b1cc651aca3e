import { hasHiddenTraversal, parseBackendUrl, type EntryMatcher } from './backend-matcher';
import type { TokenTarget } from './token-target';

/** A compiled `protectedBackends` entry and the token it gets. */
export interface BackendRoute {
  matcher: EntryMatcher;
  target: TokenTarget;
  /** Its place in the list: trust is per entry, and two entries may share one token. */
  index: number;
  /** The places of the entries whose redirects into this one may carry its token (`acceptRedirectsFrom`). */
  acceptsFrom: ReadonlySet<number>;
  /** The entry's name, or `protectedBackends[i]`, for the route debug lines. */
  label: string;
}

/** The place of the route every URL gets when there is no allowlist. */
export const UNLISTED_INDEX = -1;

/** URLs whose decision is remembered; when full, the memory starts over (no LRU bookkeeping per call). */
export const ROUTE_MEMORY_SIZE = 256;
/** Longer URLs are decided every time: a few of them must not pin megabytes of keys. */
const ROUTE_MEMORY_MAX_URL = 2048;
// A URL with userinfo (`https://user:pass@host/`) brings its own credentials: HTTP clients (axios's
// http adapter among them) send them as Basic in place of any Authorization. The token would not go
// out, and a 401 to those credentials must not cost a good token.
const USERINFO = /^[a-z][a-z\d+\-.]*:\/\/[^/?#\\]*@/i;

/**
 * Which token a URL gets, decided once per hop on the absolute URL. The first entry that matches
 * wins, as in the list. Precomputed: string entries are indexed by origin, so a call looks up its
 * origin and tests only that origin's entries and the RegExps, in list order; fifty back ends on
 * fifty origins cost one map lookup, not fifty tests.
 *
 * The decision is a pure function of the URL text (the list and the cleartext rule never change
 * after startup), so the last {@link ROUTE_MEMORY_SIZE} decisions are remembered by that exact
 * text: a proxy that calls the same URLs again skips the WHATWG parse (about 1 µs). The memory
 * holds the full parser's answer for an identical string, so it cannot decide differently.
 */
export class BackendRoutes {
  readonly #byOrigin = new Map<string, readonly BackendRoute[]>();
  // For an origin no string entry names: the RegExp entries alone.
  readonly #patterns: readonly BackendRoute[];
  readonly #fallback: BackendRoute | undefined;
  readonly #allowInsecureHttp: boolean;
  // null: decided, no token goes there.
  readonly #decided = new Map<string, BackendRoute | null>();

  /**
   * @param routes the allowlist in order, or undefined for none: then every URL that the
   * cleartext rule allows (https, loopback http, any http with `allowInsecureHttp`) gets `fallback`.
   */
  constructor(routes: readonly BackendRoute[] | undefined, fallback: TokenTarget, allowInsecureHttp: boolean) {
    this.#allowInsecureHttp = allowInsecureHttp;
    if (routes === undefined) {
      this.#patterns = [];
      this.#fallback = {
        matcher: { origin: undefined, match: () => true, byPath: false },
        target: fallback,
        index: UNLISTED_INDEX,
        acceptsFrom: new Set(),
        label: 'default',
      };
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

  /** How many decisions are remembered now (at most {@link ROUTE_MEMORY_SIZE}). */
  get remembered(): number {
    return this.#decided.size;
  }

  /** True when there is an allowlist (a URL off it gets no token). */
  get listed(): boolean {
    return this.#fallback === undefined;
  }

  /** The entry (and so the token) of an absolute URL, or undefined: no token goes there (nor to one with userinfo). */
  route(absoluteUrl: string): BackendRoute | undefined {
    const known = this.#decided.get(absoluteUrl);
    if (known !== undefined) return known ?? undefined;
    const target = this.#decide(absoluteUrl);
    if (absoluteUrl.length <= ROUTE_MEMORY_MAX_URL) {
      if (this.#decided.size >= ROUTE_MEMORY_SIZE) this.#decided.clear();
      this.#decided.set(absoluteUrl, target ?? null);
    }
    return target;
  }

  /**
   * Why {@link route} gives `absoluteUrl` no token, in words, for the route debug lines. Off the
   * hot path: only called while `DEBUG=express-mca-oauth:route` is on.
   */
  explain(absoluteUrl: string): string {
    if (USERINFO.test(absoluteUrl)) return 'the URL has userinfo (user@ or user:password@), which the HTTP client sends as its own Basic credentials';
    let url: URL;
    try {
      url = new URL(absoluteUrl);
    } catch {
      return 'the URL is not absolute';
    }
    if (url.username !== '' || url.password !== '')
      return 'the URL has userinfo (user@ or user:password@), which the HTTP client sends as its own Basic credentials';
    if (parseBackendUrl(absoluteUrl, this.#allowInsecureHttp) === undefined) {
      return url.protocol === 'http:'
        ? 'plain http: to a host other than loopback (to allow it, set allowInsecureHttp or MCA_ALLOW_INSECURE_HTTP=true, and list the URL in protectedBackends)'
        : `the scheme ${url.protocol} never gets a token`;
    }
    const candidates = this.#byOrigin.get(url.origin) ?? this.#patterns;
    if (candidates.some((route) => route.matcher.match(url)))
      return 'its path hides a traversal (an encoded / or \\, or ..;) and the entry it would match limits by path';
    return 'not on the allowlist (no protectedBackends entry matches it)';
  }

  #decide(absoluteUrl: string): BackendRoute | undefined {
    if (USERINFO.test(absoluteUrl)) return undefined;
    const url = parseBackendUrl(absoluteUrl, this.#allowInsecureHttp);
    // What the URL parses to, not its spelling: WHATWG takes `https:u@h`, `https:\\u@h` and a tab in
    // the scheme for `https://u@h` too, and so do the HTTP clients.
    if (url === undefined || url.username !== '' || url.password !== '') return undefined;
    // Without an allowlist, every URL that the cleartext rule allows (parsed above) gets the token.
    if (this.#fallback !== undefined) return this.#fallback;
    const candidates = this.#byOrigin.get(url.origin) ?? this.#patterns;
    let hidden: boolean | undefined;
    for (const route of candidates) {
      const matcher = route.matcher;
      if (!matcher.match(url)) continue;
      // An entry that limits by path never matches a path with a hidden traversal (`..%2f`).
      if (!matcher.byPath) return route;
      hidden ??= hasHiddenTraversal(url.pathname);
      if (!hidden) return route;
    }
    return undefined;
  }
}
