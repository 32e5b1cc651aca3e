import type { DpopBinding } from '../token/dpop/dpop-binding';
import type { Hop, OutboundTransport } from './transport';

const SCHEME = 'DPoP ';
const MAX_CHALLENGE = 4096;
const DPOP_SCHEME = /(?:^|[\s,])DPoP(?:\s|$)/i;
const USE_DPOP_NONCE = /error\s*=\s*"?use_dpop_nonce\b/i;

/**
 * Gives a hop that carries a DPoP-bound token its proof (RFC 9449 §7): `htm` and `htu` of this
 * hop, `ath` of the token, the server's nonce when it asked for one, a new `jti`. A hop without a
 * bound token carries none.
 */
export function signHop(dpop: DpopBinding, hop: Hop): void {
  const authorization = hop.authorization;
  if (authorization === undefined || !authorization.startsWith(SCHEME)) {
    hop.proof = undefined;
    hop.proofNonce = undefined;
    return;
  }
  const nonce = dpop.nonces.get(hop.url);
  hop.proof = dpop.key.proof({ htm: hop.method, htu: hop.url, accessToken: authorization.slice(SCHEME.length), nonce }, Date.now());
  hop.proofNonce = nonce;
}

/**
 * Remembers the `DPoP-Nonce` of the answer to a hop that carried a proof, so that the next proof
 * to that server carries it: a resource server may hand out its next nonce on any answer (a 200,
 * a redirect), not only on a `use_dpop_nonce` challenge (RFC 9449 §9), and one that rotates them
 * would otherwise answer every other call with a challenge. Hops without a proof are not read: a
 * server that got no bound token has no say in what the next proof carries, and the header lookup
 * stays off the bearer path.
 */
export function noteNonce<R>(dpop: DpopBinding | undefined, hop: Hop, transport: OutboundTransport<R>, response: R): void {
  if (dpop !== undefined && hop.proof !== undefined) dpop.nonces.remember(hop.url, transport.nonce(response));
}

/** `DPoP-Nonce` of a 401 whose `WWW-Authenticate` asks for one (`error="use_dpop_nonce"`). */
export function askedNonce(status: number, wwwAuthenticate: unknown, nonce: unknown): string | undefined {
  if (status !== 401 || typeof nonce !== 'string' || typeof wwwAuthenticate !== 'string' || wwwAuthenticate.length > MAX_CHALLENGE) return undefined;
  // Two linear tests, no pattern that backtracks over a header a hostile back end wrote.
  return DPOP_SCHEME.test(wwwAuthenticate) && USE_DPOP_NONCE.test(wwwAuthenticate) ? nonce : undefined;
}
