// Where a credential may travel without TLS. On the loopback interface nobody else can read the
// bytes; anywhere else, an `http:` URL hands the Basic credentials or the bearer token to every
// hop and to any HTTP_PROXY, which could then mint or replay tokens.

/** 127.0.0.0/8, ::1 and `localhost`, as WHATWG URL parsing normalizes them (`hostname`). */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/\.$/, '');
  if (host === 'localhost' || host === '[::1]') return true;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** True when a credential may be sent to `url`: `https:`, or `http:` to loopback, or `http:` anywhere with the opt-in. */
export function cleartextAllowed(url: URL, allowInsecureHttp: boolean): boolean {
  if (url.protocol === 'https:') return true;
  if (url.protocol !== 'http:') return false;
  return allowInsecureHttp || isLoopbackHost(url.hostname);
}
