// The parts of DPoP that take input from servers: the nonce a 401 asks for, and the nonce memory.
import { inspect } from 'node:util';
import { askedNonce } from '../../lib/outbound/dpop-proof';
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
