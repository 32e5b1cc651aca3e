// Which proxy a hop that carries the token may go through: the axios transport's rules.
import { isLoopbackHost } from '../../token/cleartext';
import { McaConfigError } from '../../errors/mca-config-error';
import type { Hop } from '../../outbound/transport';

/**
 * A hop that carries the token over `http:` to loopback is never sent through a proxy from the
 * environment (`HTTP_PROXY`): the proxy would read the token in clear, and "loopback" would mean
 * the proxy's own. The token request does the same. (`http:` elsewhere needs `allowInsecureHttp`,
 * and then the environment applies, as documented; an explicit `proxy` option is the caller's.)
 */
export function envProxyOff(hop: Hop, proxy: unknown): boolean {
  // axios reads the environment for any proxy option but `false` that is falsy (`null`, `''`, `0`).
  if (hop.authorization === undefined || proxy || proxy === false) return false;
  const url = httpUrl(hop);
  return url !== undefined && isLoopbackHost(url.hostname);
}

const HTTPS = /^https:/i;

/**
 * The hop's URL if it is `http:` as the adapter reads it (WHATWG): the caller's spelling of the
 * first hop may start with a space or hold a tab in its scheme (` http://…`, `ht\ttp://…`), which a
 * test of the text for `http:` would miss, and the token would go through the proxy in clear. Text
 * that starts with `https:` is no other scheme however it goes on: most calls, decided without the
 * parse (~1 µs a call).
 */
function httpUrl(hop: Hop): URL | undefined {
  if (HTTPS.test(hop.url)) return undefined;
  try {
    const url = new URL(String(hop.url));
    return url.protocol === 'http:' ? url : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A hop that carries the token over `http:` (to loopback, or anywhere with `allowInsecureHttp`)
 * through an explicit `proxy` on another machine: the token would cross the network in clear to a
 * host no entry names. Refused, not stripped: the caller asked for that proxy. A loopback proxy (a
 * local debugging proxy) and `https:` hops (tunnelled with CONNECT: the proxy reads nothing) pass.
 */
export function cleartextProxyError(hop: Hop, proxy: unknown): McaConfigError | undefined {
  // A function with the fields is a proxy to axios too (it reads own fields of any object).
  const isObject = (typeof proxy === 'object' && proxy !== null) || typeof proxy === 'function';
  if (hop.authorization === undefined || !isObject || httpUrl(hop) === undefined) return undefined;
  // As axios's http adapter reads them: a URL's own getters, else own fields only. An inherited
  // `hostname` (a prototype's, or pollution's) is not what axios connects to, so it must not make an
  // off-machine `host` look like loopback.
  const field = (key: string): unknown => (proxy instanceof URL || Object.hasOwn(proxy, key) ? (proxy as Record<string, unknown>)[key] : undefined);
  const name = field('hostname') || field('host');
  if (typeof name === 'string') {
    // `::1` and `[::1]` alike: the loopback rule takes IPv6 literals in brackets, as URLs spell them.
    const bare = name.replace(/^\[|\]$/g, '');
    if (isLoopbackHost(bare.includes(':') ? `[${bare}]` : bare)) return undefined;
  }
  return new McaConfigError(
    'ERR_MCA_REFUSED_AXIOS_PROXY',
    'The axios option `proxy` names a proxy off this machine for an `http:` request that carries the token: the proxy and the network would read the token in clear. Use https:// for the back end, a proxy on loopback, or `proxy: false` for this call.',
    { field: 'proxy' },
  );
}
