import { McaConfigError } from '../errors/mca-config-error';
import type { BackendMatcher } from '../options';

/** Decides, from the absolute request URL, whether the token may be sent there. */
export type BackendPredicate = (absoluteUrl: string) => boolean;

function invalidBackend(fix: string): McaConfigError {
  return new McaConfigError('ERR_MCA_INVALID_PROTECTED_BACKENDS', `Invalid \`protectedBackends\`: ${fix}`, {
    field: 'protectedBackends',
  });
}

/** One compiled allowlist entry. `origin`: the one origin a string entry can match (an index key); undefined for a RegExp. */
export interface EntryMatcher {
  origin: string | undefined;
  match: (url: URL) => boolean;
}

function prefixMatcher(entry: string): EntryMatcher {
  let base: URL;
  try {
    base = new URL(entry.trim());
  } catch {
    throw invalidBackend(`"${entry}" is not an absolute http(s) URL or origin. Write it like "https://api.example.com" or "https://api.example.com/orders/".`);
  }
  if (base.protocol !== 'https:' && base.protocol !== 'http:') throw invalidBackend(`"${entry}" is not an http(s) URL.`);
  if (base.search !== '' || base.hash !== '' || base.username !== '' || base.password !== '') {
    throw invalidBackend(`"${entry}" has a query, fragment or credentials; give an origin or a path prefix only.`);
  }
  const origin = base.origin;
  const path = base.pathname;
  if (path === '/') return { origin, match: (url) => url.origin === origin };
  // "/orders" must not match "/orders-admin": a prefix ends at a path segment boundary.
  const dir = path.endsWith('/') ? path : `${path}/`;
  return { origin, match: (url) => url.origin === origin && (url.pathname === path || url.pathname.startsWith(dir)) };
}

/** Compiles one entry: a string (origin or path prefix) or a RegExp. */
export function compileBackendEntry(entry: unknown): EntryMatcher {
  if (typeof entry === 'string') return prefixMatcher(entry);
  if (entry instanceof RegExp) {
    // Without g/y so that test() keeps no lastIndex state between requests.
    const pattern = new RegExp(entry.source, entry.flags.replace(/[gy]/g, ''));
    return { origin: undefined, match: (url) => pattern.test(url.href) };
  }
  throw invalidBackend('each entry must be a string (origin or URL prefix), a RegExp, or an object with `match`.');
}

/** The URL a request goes to, or undefined when it is not an absolute http(s) URL. */
export function parseBackendUrl(absoluteUrl: string): URL | undefined {
  let url: URL;
  try {
    url = new URL(absoluteUrl);
  } catch {
    return undefined; // a relative URL with no baseURL goes nowhere we know
  }
  return url.protocol === 'https:' || url.protocol === 'http:' ? url : undefined;
}

/**
 * Compiles the allowlist once. Strings match by origin or by path prefix on segment boundaries;
 * RegExps are tested against the whole normalized URL. Both see the URL after WHATWG parsing, so
 * `..` segments, default ports and letter case cannot smuggle a request past them.
 */
export function compileProtectedBackends(entries: readonly BackendMatcher[] | undefined): BackendPredicate | undefined {
  if (entries === undefined) return undefined;
  if (!Array.isArray(entries)) throw invalidBackend('it must be an array of strings and RegExps.');
  const matchers = entries.map((entry) => compileBackendEntry(entry).match);
  return (absoluteUrl) => {
    const url = parseBackendUrl(absoluteUrl);
    return url !== undefined && matchers.some((match) => match(url));
  };
}

/** `MCA_PROTECTED_BACKENDS`: comma-separated strings. */
export function parseProtectedBackendsEnv(value: string): string[] {
  return value
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '');
}
