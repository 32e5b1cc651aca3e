import { types } from 'node:util';
import { McaConfigError } from '../errors/mca-config-error';
import { echoUrl } from '../errors/echo';
import { cleartextAllowed } from '../token/cleartext';
import { scopedField, type FieldScope } from '../errors/field-scope';

/**
 * `scope`: the entry object whose `match` this is (`protectedBackends[2].`), so that the message
 * names that field from the start; without one, the list itself.
 */
function invalidBackend(fix: string, scope?: FieldScope): McaConfigError {
  const field = scope === undefined ? 'protectedBackends' : scopedField('match', scope);
  return new McaConfigError('ERR_MCA_INVALID_PROTECTED_BACKENDS', `Invalid \`${field}\`: ${fix}${scope?.note ?? ''}`, { field });
}

/** How an entry is named in a message: its place, and its origin and path when it parses (no userinfo, no query). */
function describe(index: number, entry: string): string {
  const shown = echoUrl(entry);
  return shown === undefined ? `entry ${index}` : `entry ${index} (${shown})`;
}

/**
 * One compiled allowlist entry. `origin`: the one origin a string entry can match (the key of the
 * routes' origin index); undefined for a RegExp. `byPath`: it limits by path, so a path with a
 * hidden traversal must not match it.
 */
export interface EntryMatcher {
  origin: string | undefined;
  match: (url: URL) => boolean;
  byPath: boolean;
}

function prefixMatcher(entry: string, index: number, allowInsecureHttp: boolean, scope: FieldScope | undefined): EntryMatcher {
  let base: URL;
  try {
    base = new URL(entry.trim());
  } catch {
    throw invalidBackend(
      `${describe(index, entry)} is not an absolute http(s) URL or origin. Write it like "https://api.example.com" or "https://api.example.com/orders/".`,
      scope,
    );
  }
  if (base.protocol !== 'https:' && base.protocol !== 'http:') throw invalidBackend(`${describe(index, entry)} is not an http(s) URL.`, scope);
  if (base.search !== '' || base.hash !== '' || base.username !== '' || base.password !== '' || /[?#]/.test(entry)) {
    throw invalidBackend(`${describe(index, entry)} has a query, fragment or credentials; give an origin or a path prefix only.`, scope);
  }
  // https: needs no opt-in; only plain http: asks the cleartext rule.
  if (base.protocol === 'http:' && !cleartextAllowed(base, allowInsecureHttp)) {
    throw invalidBackend(
      `${describe(index, entry)} is plain http:// to a host other than loopback, so the token would cross the network in clear. Use https://, or opt in with \`allowInsecureHttp: true\` (MCA_ALLOW_INSECURE_HTTP=true).`,
      scope,
    );
  }
  const origin = base.origin;
  const path = base.pathname;
  if (path === '/') return { origin, match: (url) => url.origin === origin, byPath: false };
  // "/orders" must not match "/orders-admin": a prefix ends at a path segment boundary.
  const dir = path.endsWith('/') ? path : `${path}/`;
  return { origin, match: (url) => url.origin === origin && (url.pathname === path || url.pathname.startsWith(dir)), byPath: true };
}

/**
 * Compiles one entry: a string (origin or path prefix) or a RegExp (origin and path only).
 * `scope`: given when the match is an entry object's `match`, whose field the errors then name.
 */
export function compileBackendEntry(entry: unknown, index: number, allowInsecureHttp: boolean, scope?: FieldScope): EntryMatcher {
  if (typeof entry === 'string') return prefixMatcher(entry, index, allowInsecureHttp, scope);
  if (types.isRegExp(entry)) {
    // Without g/y so that test() keeps no lastIndex state between requests.
    const pattern = new RegExp(entry.source, entry.flags.replace(/[gy]/g, ''));
    return { origin: undefined, match: (url) => pattern.test(`${url.origin}${url.pathname}`), byPath: true };
  }
  throw invalidBackend(`entry ${index} must be a string (origin or URL prefix), a RegExp, or an object with \`match\`.`, scope);
}

/** The URL a request goes to, or undefined when no credential may go there (not http(s), or cleartext off loopback). */
export function parseBackendUrl(absoluteUrl: string, allowInsecureHttp: boolean): URL | undefined {
  let url: URL;
  try {
    url = new URL(absoluteUrl);
  } catch {
    return undefined; // a relative URL with no baseURL goes nowhere we know
  }
  return cleartextAllowed(url, allowInsecureHttp) ? url : undefined;
}

/**
 * WHATWG parsing resolves `..` and `%2e%2e` segments, but leaves `%2f`, `%5c` and `..;` alone,
 * and many servers and proxies (Tomcat, Spring, some gateways) decode or strip those after the
 * fact: `/orders/..%2fadmin` is `/admin` to them. A path whose segments, decoded up to three times,
 * hold a separator, a dot segment (also before a `;` parameter) or still an escape (what a fourth
 * decode would make of it is a guess) never matches an entry that limits by path.
 */
export function hasHiddenTraversal(pathname: string): boolean {
  for (const raw of pathname.split('/')) {
    if (raw === '') continue;
    let segment = raw;
    for (let i = 0; i < 3 && segment.includes('%'); i++) {
      try {
        const decoded = decodeURIComponent(segment);
        if (decoded === segment) break;
        segment = decoded;
      } catch {
        return true; // a malformed escape is decoded differently by every server
      }
    }
    if (segment.includes('%') || segment.includes('/') || segment.includes('\\')) return true;
    const bare = segment.split(';', 1)[0]!;
    if (bare === '.' || bare === '..') return true;
  }
  return false;
}

/** An allowlist that lists nothing allows nothing: never taken for "unset". */
export function emptyListError(): McaConfigError {
  return invalidBackend('it is empty, so it allows no back end. List the back ends; to send the token to every host, leave it unset.');
}
