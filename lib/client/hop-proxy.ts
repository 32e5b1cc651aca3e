// Which proxy a hop that carries the token may go through: the axios transport's rules.
import { isLoopbackHost } from '../config/cleartext';
import { McaConfigError } from '../errors/mca-config-error';
import type { Hop } from '../outbound/transport';

/**
 * A hop that carries the token over `http:` to loopback is never sent through a proxy from the
 * environment (`HTTP_PROXY`): the proxy would read the token in clear, and "loopback" would mean
 * the proxy's own. The token request does the same. (`http:` elsewhere needs `allowInsecureHttp`,
 * and then the environment applies, as documented; an explicit `proxy` option is the caller's.)
 */
export function envProxyOff(hop: Hop, proxy: unknown): boolean {
  if (hop.authorization === undefined || proxy !== undefined) return false;
  const url = String(hop.url);
  if (!/^http:/i.test(url)) return false;
  try {
    return isLoopbackHost(new URL(url).hostname);
  } catch {
    return false;
  }
}

/**
 * A hop that carries the token over `http:` (to loopback, or anywhere with `allowInsecureHttp`)
 * through an explicit `proxy` on another machine: the token would cross the network in clear to a
 * host no entry names. Refused, not stripped: the caller asked for that proxy. A loopback proxy (a
 * local debugging proxy) and `https:` hops (tunnelled with CONNECT: the proxy reads nothing) pass.
 */
export function cleartextProxyError(hop: Hop, proxy: unknown): McaConfigError | undefined {
  if (hop.authorization === undefined || typeof proxy !== 'object' || proxy === null || !/^http:/i.test(hop.url)) return undefined;
  const { hostname, host } = proxy as { hostname?: unknown; host?: unknown };
  const name = typeof hostname === 'string' && hostname !== '' ? hostname : host;
  if (typeof name === 'string' && isLoopbackHost(name.replace(/^\[|\]$/g, ''))) return undefined;
  return new McaConfigError(
    'ERR_MCA_REFUSED_AXIOS_PROXY',
    'The axios option `proxy` names a proxy off this machine for an `http:` request that carries the token: the proxy and the network would read the token in clear. Use https:// for the back end, a proxy on loopback, or `proxy: false` for this call.',
    { field: 'proxy' },
  );
}
