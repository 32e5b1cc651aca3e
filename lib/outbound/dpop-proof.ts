import type { DpopBinding } from '../token/dpop/dpop-binding';
import type { Hop } from './transport';

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
    return;
  }
  hop.proof = dpop.key.proof({ htm: hop.method, htu: hop.url, accessToken: authorization.slice(SCHEME.length), nonce: dpop.nonces.get(hop.url) }, Date.now());
}

/** `DPoP-Nonce` of a 401 whose `WWW-Authenticate` asks for one (`error="use_dpop_nonce"`). */
export function askedNonce(status: number, wwwAuthenticate: unknown, nonce: unknown): string | undefined {
  if (status !== 401 || typeof nonce !== 'string' || typeof wwwAuthenticate !== 'string' || wwwAuthenticate.length > MAX_CHALLENGE) return undefined;
  // Two linear tests, no pattern that backtracks over a header a hostile back end wrote.
  return DPOP_SCHEME.test(wwwAuthenticate) && USE_DPOP_NONCE.test(wwwAuthenticate) ? nonce : undefined;
}
