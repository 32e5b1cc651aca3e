import http from 'node:http';
import { createHash, randomBytes } from 'node:crypto';
import { EmbeddedJWK, calculateJwkThumbprint, decodeProtectedHeader, jwtVerify, type JWK } from 'jose';
import { listenOnLoopback } from './loopback';

/** One proof the back end accepted, as it read it. */
export interface VerifiedProof {
  proof: string;
  htm: string;
  htu: string;
  jti: string;
  nonce: string | undefined;
  jkt: string;
}

export interface DpopBackend {
  url: string;
  /** Proofs that passed every check, in order. */
  verified: VerifiedProof[];
  /** Why each refused request was refused. */
  refused: string[];
  /** Requests seen, by path. */
  paths: string[];
  /** When set, every proof must carry this nonce, or the answer is 401 `use_dpop_nonce` with it. */
  nonce: string | undefined;
  /** Paths answered 302 to another URL. */
  redirects: Map<string, string>;
  /** Paths answered 401 `invalid_token` whatever they carry. */
  deny: Set<string>;
  /** Every `DPoP` header received, accepted or not. */
  seenProofs: string[];
  /** Every request's headers, in order, accepted or not. */
  received: http.IncomingHttpHeaders[];
  /**
   * When true, every accepted request's answer (a 200, a redirect) carries a new `DPoP-Nonce`,
   * which the next proof must carry (RFC 9449 §9: a nonce on any answer).
   */
  rotateNonces: boolean;
  /** The nonces handed out on accepted answers, in order. */
  rotated: string[];
  close(): Promise<void>;
}

/**
 * A resource server on 127.0.0.1 that checks every DPoP request as RFC 9449 §7 says: the scheme
 * `DPoP`; one proof, its signature against the `jwk` of its own header; `typ` `dpop+jwt`; `htm` and
 * `htu` (scheme, host, path) of this very request; `iat` within a minute; `jti` never seen before;
 * `ath` the hash of this token; the nonce it asked for; and the binding: the `jwk`'s thumbprint
 * equals the token's `cnf.jkt`, read by introspection at the token server (`introspect`).
 */
export async function startDpopBackend(introspect: (token: string) => Promise<{ active: boolean; cnf?: { jkt?: string } }>): Promise<DpopBackend> {
  const jtis = new Set<string>();
  const state: DpopBackend = {
    url: '',
    verified: [],
    refused: [],
    paths: [],
    nonce: undefined,
    redirects: new Map(),
    deny: new Set(),
    seenProofs: [],
    received: [],
    rotateNonces: false,
    rotated: [],
    close: async () => undefined,
  };
  const refuse = (res: http.ServerResponse, reason: string, nonce?: string): void => {
    state.refused.push(reason);
    res.writeHead(401, {
      'WWW-Authenticate': nonce === undefined ? 'DPoP error="invalid_token"' : 'DPoP error="use_dpop_nonce", error_description="nonce"',
      ...(nonce === undefined ? {} : { 'DPoP-Nonce': nonce }),
    });
    res.end();
  };
  const handle = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    req.resume();
    const path = req.url ?? '/';
    state.paths.push(path);
    state.received.push(req.headers);
    const auth = req.headers.authorization;
    const proofs = req.headers.dpop;
    if (typeof proofs === 'string') state.seenProofs.push(proofs);
    if (typeof auth !== 'string' || !auth.startsWith('DPoP ')) return refuse(res, `scheme: ${auth === undefined ? 'none' : auth.split(' ')[0]}`);
    if (typeof proofs !== 'string' || proofs.includes(',')) return refuse(res, 'not exactly one proof');
    const token = auth.slice(5);
    try {
      const header = decodeProtectedHeader(proofs);
      const { payload } = await jwtVerify(proofs, EmbeddedJWK, { typ: 'dpop+jwt', algorithms: ['ES256'] });
      const here = `http://${req.headers.host}${path.split('?')[0]}`;
      if (payload.htm !== req.method) return refuse(res, `htm ${String(payload.htm)}`);
      if (payload.htu !== here) return refuse(res, `htu ${String(payload.htu)} for ${here}`);
      if (typeof payload.iat !== 'number' || Math.abs(Date.now() / 1000 - payload.iat) > 60) return refuse(res, 'iat');
      if (typeof payload.jti !== 'string' || jtis.has(payload.jti)) return refuse(res, 'jti replayed');
      jtis.add(payload.jti);
      if (payload.ath !== createHash('sha256').update(token).digest('base64url')) return refuse(res, 'ath');
      if (state.nonce !== undefined && payload.nonce !== state.nonce) return refuse(res, 'nonce', state.nonce);
      const jkt = await calculateJwkThumbprint(header.jwk as JWK, 'sha256');
      const introspected = await introspect(token);
      if (!introspected.active || introspected.cnf?.jkt !== jkt) return refuse(res, 'binding: cnf.jkt is not the proof key');
      state.verified.push({
        proof: proofs,
        htm: payload.htm as string,
        htu: payload.htu,
        jti: payload.jti,
        nonce: payload.nonce as string | undefined,
        jkt,
      });
    } catch (error) {
      return refuse(res, `proof: ${(error as Error).message}`);
    }
    if (state.deny.has(path)) return refuse(res, 'denied');
    const next: Record<string, string> = {};
    if (state.rotateNonces) {
      state.nonce = `rs-${randomBytes(6).toString('base64url')}`;
      state.rotated.push(state.nonce);
      next['DPoP-Nonce'] = state.nonce;
    }
    const to = state.redirects.get(path);
    if (to !== undefined) {
      res.writeHead(302, { Location: to, ...next });
      res.end();
      return;
    }
    res.writeHead(200, { 'Content-Type': 'application/json', ...next });
    res.end(JSON.stringify({ ok: true, path }));
  };
  const server = http.createServer((req, res) => void handle(req, res));
  const loop = await listenOnLoopback(server);
  state.url = loop.url;
  state.close = loop.close;
  return state;
}
