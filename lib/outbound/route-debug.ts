import createDebug from 'debug';

// `DEBUG=express-mca-oauth:route`: one line for each call or redirect hop that goes out with no
// token, and why. A migrating user whose calls get 401s sees the reason (plain http, off the
// allowlist …) instead of nothing. The line holds the scheme, host and path, never the query (it
// may carry a key), userinfo or any header. When the namespace is off, the policy reads one
// boolean per call that got no token and builds nothing.
const log = createDebug('express-mca-oauth:route');

/** Whether the namespace is on (read per call: `debug.enable()` may switch it at run time). */
export function routeDebugEnabled(): boolean {
  return log.enabled;
}

/** `https://host:port/path`, without userinfo, query or fragment; a URL that does not parse is named so. */
export function shownUrl(absoluteUrl: string): string {
  try {
    const url = new URL(absoluteUrl);
    return `${url.protocol}//${url.host}${url.pathname}`;
  } catch {
    return '(a URL that does not parse)';
  }
}

/** Logs that `method url` goes out without a token, and why. Call only when {@link routeDebugEnabled}. */
export function logNoToken(method: string, absoluteUrl: string, hop: 'call' | 'redirect', why: string): void {
  log('%s %s %s: no token: %s', hop === 'call' ? 'call' : 'redirect hop', method.toUpperCase(), shownUrl(absoluteUrl), why);
}
