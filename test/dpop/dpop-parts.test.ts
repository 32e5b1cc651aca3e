// The parts of DPoP that take input from servers: the nonce a 401 asks for, and the nonce memory.
import { inspect } from 'node:util';
import { askedNonce, signHop } from '../../lib/outbound/dpop-proof';
import type { Hop } from '../../lib/outbound/transport';
import { createDpopBinding } from '../../lib/token/dpop/dpop-binding';
import { DpopNonces } from '../../lib/token/dpop/dpop-nonces';
import { DpopKey, proofUrl } from '../../lib/token/dpop/dpop-key';

it.each<[string, string, string | undefined]>([
  ['the DPoP challenge', 'DPoP error="use_dpop_nonce"', 'n-1'],
  ['DPoP after Bearer', 'Bearer realm="api", DPoP algs="ES256", error="use_dpop_nonce"', 'n-1'],
  ['unquoted, lower case', 'dpop error=use_dpop_nonce', 'n-1'],
  ['another DPoP error', 'DPoP error="invalid_token"', undefined],
  ['the Bearer scheme', 'Bearer error="use_dpop_nonce"', undefined],
  ['a challenge over 4 KiB', `DPoP error="use_dpop_nonce", x="${'a'.repeat(5000)}"`, undefined],
])('askedNonce: %s', (_name, challenge, expected) => {
  expect(askedNonce(401, challenge, 'n-1')).toBe(expected);
  expect(askedNonce(400, challenge, 'n-1')).toBeUndefined();
});

it('askedNonce: a challenge of exactly 4 KiB is still read, one byte more is not', () => {
  const head = 'DPoP error="use_dpop_nonce", x="';
  const challenge = (length: number): string => `${head}${'a'.repeat(length - head.length - 1)}"`;
  expect(challenge(4096)).toHaveLength(4096);
  expect(askedNonce(401, challenge(4096), 'n-1')).toBe('n-1');
  expect(askedNonce(401, challenge(4097), 'n-1')).toBeUndefined();
});

it.each<[string, unknown, unknown]>([
  ['no DPoP-Nonce header (fetch reads null)', 'DPoP error="use_dpop_nonce"', null],
  ['no DPoP-Nonce header (axios reads undefined)', 'DPoP error="use_dpop_nonce"', undefined],
  ['a DPoP-Nonce without any WWW-Authenticate (fetch)', null, 'n-1'],
  ['a DPoP-Nonce without any WWW-Authenticate (axios)', undefined, 'n-1'],
  ['a challenge that is not a string', ['DPoP error="use_dpop_nonce"'], 'n-1'],
])('askedNonce: %s asks for no nonce, and does not throw', (_name, challenge, nonce) => {
  expect(askedNonce(401, challenge, nonce)).toBeUndefined();
});

it('a hop without a DPoP-bound token carries no proof, not even the one signed for the hop before', () => {
  const dpop = createDpopBinding();
  const hop: Hop = {
    url: 'https://api.example.com/a',
    method: 'GET',
    authorization: 'DPoP tok',
    first: true,
    dropBody: false,
    dropHeaders: new Set(),
    timeoutMs: 0,
  };
  dpop.nonces.remember(hop.url, 'n-1');
  signHop(dpop, hop);
  expect(hop.proof).toEqual(expect.any(String));
  expect(hop.proofNonce).toBe('n-1');
  for (const authorization of [undefined, 'Bearer tok', 'dpop tok']) {
    const next: Hop = { ...hop, authorization };
    signHop(dpop, next);
    expect(next.proof).toBeUndefined();
    expect(next.proofNonce).toBeUndefined();
  }
});

it('a long hostile challenge is decided in linear time', () => {
  const hostile = `DPoP ${'DPoP error '.repeat(370)}`;
  const started = performance.now();
  for (let i = 0; i < 100; i++) askedNonce(401, hostile, 'n');
  expect(performance.now() - started).toBeLessThan(200);
});

it('nonces: per origin, only RFC 9449 nonce characters, at most 1 KiB, a repeat is not new', () => {
  const nonces = new DpopNonces();
  expect(nonces.remember('https://a.example/x', 'abc')).toBe(true);
  expect(nonces.remember('https://a.example/y', 'abc')).toBe(false);
  expect(nonces.get('https://a.example/z?q')).toBe('abc');
  expect(nonces.get('https://b.example/')).toBeUndefined();
  for (const bad of ['with space', 'quo"te', 'back\\slash', '', 'x'.repeat(1025), 42]) expect(nonces.remember('https://a.example/', bad)).toBe(false);
  expect(nonces.get('https://a.example/')).toBe('abc');
});

it('a proof names htu without query or fragment, and the key renders as its thumbprint only', () => {
  expect(proofUrl('https://api.example.com:8443/a/b?x=1#f')).toBe('https://api.example.com:8443/a/b');
  const key = DpopKey.generate();
  const proof = key.proof({ htm: 'GET', htu: 'https://api.example.com/a?b', accessToken: 'tok' }, Date.UTC(2026, 0, 1));
  const [header, payload] = proof
    .split('.')
    .slice(0, 2)
    .map((part) => JSON.parse(Buffer.from(part, 'base64url').toString()) as Record<string, unknown>);
  expect(header).toMatchObject({ typ: 'dpop+jwt', alg: 'ES256', jwk: { kty: 'EC', crv: 'P-256' } });
  expect((header!.jwk as Record<string, unknown>).d).toBeUndefined();
  expect(payload).toMatchObject({ htm: 'GET', htu: 'https://api.example.com/a', iat: Date.UTC(2026, 0, 1) / 1000 });
  expect(inspect(key, { showHidden: true, depth: Infinity })).toBe(`DpopKey { thumbprint: '${key.thumbprint}' }`);
  expect(JSON.stringify(key)).toBe(JSON.stringify({ thumbprint: key.thumbprint }));
});
