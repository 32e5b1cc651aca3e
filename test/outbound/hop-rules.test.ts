// Which answers the policy acts on, hop by hop (lib/outbound/outbound-policy.ts): which redirect
// it follows, which hop gets a token once one went without, how many times a 401 is replayed, and
// that a call whose timeout ran out before its first hop sends nothing. Found unprotected by
// StrykerJS (issue 22). Real token server and back ends on 127.0.0.1, through req.mcaClient and
// req.mcaFetch.
import http from 'node:http';
import type { AxiosAdapter } from 'axios';
import type { McaOAuthMiddleware } from '../../lib';
import { middlewareFixture } from '../helpers/middleware-fixture';
import { listenOnLoopback, type Loopback } from '../helpers/loopback';
import { startScriptedBackend } from '../client/scripted-backend';

const fixture = middlewareFixture(startScriptedBackend);

type Kind = 'axios' | 'fetch';

async function get(kind: Kind, m: McaOAuthMiddleware, url: string, extra: Record<string, unknown> = {}): Promise<number> {
  if (kind === 'axios') return (await m.client.get(url, { validateStatus: () => true, ...extra })).status;
  const response = await m.fetch(url);
  await response.arrayBuffer();
  return response.status;
}

/**
 * A back end whose answers depend on the token: `/stale-then-redirect` answers 401 to tok-1 and
 * 302 to `/landing` otherwise; `/401-with-location` answers 401 with a Location header;
 * `/401-thrice` answers 401 to its first three requests, then 200; `/asks-dpop-nonce` answers 401
 * `use_dpop_nonce` with a nonce. Every request is kept.
 */
interface Hit {
  path: string;
  authorization: string | undefined;
}
let strict: Loopback & { hits: Hit[] };

beforeEach(async () => {
  const hits: Hit[] = [];
  let thrice = 0;
  const server = http.createServer((req, res) => {
    req.resume();
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    hits.push({ path, authorization: req.headers.authorization });
    const unauthorized = (headers: Record<string, string> = {}): void => {
      res.writeHead(401, { 'WWW-Authenticate': 'Bearer error="invalid_token"', ...headers });
      res.end();
    };
    if (path === '/stale-then-redirect') {
      if (req.headers.authorization === 'Bearer tok-1') return unauthorized();
      res.writeHead(302, { Location: '/landing' });
      res.end();
      return;
    }
    if (path === '/401-with-location') return unauthorized({ Location: '/landing' });
    if (path === '/asks-dpop-nonce') return unauthorized({ 'WWW-Authenticate': 'DPoP error="use_dpop_nonce"', 'DPoP-Nonce': 'rs-1' });
    if (path === '/401-thrice' && ++thrice <= 3) return unauthorized();
    res.writeHead(200, { 'Content-Type': 'text/plain' });
    res.end('ok');
  });
  strict = Object.assign(await listenOnLoopback(server), { hits });
});
afterEach(() => strict.close());

describe.each<Kind>(['axios', 'fetch'])('through %s', (kind) => {
  it('a call to a server off the allowlist that redirects to a protected back end reaches it without a token', async () => {
    const m = fixture.make();
    const { backend, elsewhere } = fixture;
    expect(await get(kind, m, `${elsewhere.url}/redirect?to=${encodeURIComponent(`${backend.url}/ok`)}`)).toBe(401);
    expect(elsewhere.hits.map((h) => h.authorization)).toStrictEqual([undefined]);
    expect(backend.hits.map((h) => [h.path, h.authorization])).toStrictEqual([['/ok', undefined]]);
    expect(fixture.tokens.issued).toEqual([]);
  });

  it('a redirect whose target answers a 3xx without Location: the caller gets that 3xx, nothing more is requested', async () => {
    const m = fixture.make();
    const { backend } = fixture;
    expect(await get(kind, m, `${backend.url}/redirect?to=/status/302`)).toBe(302);
    expect(backend.hits.map((h) => [h.path, h.authorization])).toStrictEqual([
      ['/redirect', 'Bearer tok-1'],
      ['/status/302', 'Bearer tok-1'],
    ]);
  });

  it('with retryOn401MinIntervalMs 0, a back end that answers 401 again after the replay gets two requests, and the caller its 401', async () => {
    const m = fixture.make({ protectedBackends: [strict.url], retryOn401MinIntervalMs: 0 });
    expect(await get(kind, m, `${strict.url}/401-thrice`)).toBe(401);
    expect(strict.hits.map((h) => h.authorization)).toEqual(['Bearer tok-1', 'Bearer tok-2']);
  });

  it('a back end that asks a bearer token for a DPoP nonce gets the 401 rule: one replay with a new token, then the caller its 401', async () => {
    const m = fixture.make({ protectedBackends: [strict.url] });
    expect(await get(kind, m, `${strict.url}/asks-dpop-nonce`)).toBe(401);
    expect(strict.hits.map((h) => h.authorization)).toEqual(['Bearer tok-1', 'Bearer tok-2']);
  });
});

describe('through axios', () => {
  it('a 401 that carries a Location header is a 401: replayed once with a new token, never followed', async () => {
    const m = fixture.make({ protectedBackends: [strict.url] });
    expect(await get('axios', m, `${strict.url}/401-with-location`)).toBe(401);
    expect(strict.hits.map((h) => [h.path, h.authorization])).toEqual([
      ['/401-with-location', 'Bearer tok-1'],
      ['/401-with-location', 'Bearer tok-2'],
    ]);
  });

  it('with maxRedirects 0, the redirect that answers the replay after a 401 goes back to the caller', async () => {
    const m = fixture.make({ protectedBackends: [strict.url] });
    const response = await m.client.get(`${strict.url}/stale-then-redirect`, { maxRedirects: 0, validateStatus: () => true });
    expect([response.status, response.headers.location]).toEqual([302, '/landing']);
    expect(strict.hits.map((h) => [h.path, h.authorization])).toEqual([
      ['/stale-then-redirect', 'Bearer tok-1'],
      ['/stale-then-redirect', 'Bearer tok-2'],
    ]);
  });

  it('a call whose timeout is over before its first hop (the token was cached) fails with axios’s timeout error and sends nothing', async () => {
    const m = fixture.make();
    const { backend } = fixture;
    // Two calls first: from then on the cached token is handed over at once, not through the
    // token wait (which has its own timeout check).
    await m.client.get(`${backend.url}/ok`);
    await m.client.get(`${backend.url}/ok`);
    let sent = 0;
    const counting: AxiosAdapter = () => {
      sent++;
      return Promise.reject(new Error('the adapter was called'));
    };
    // A timeout of a nanosecond (1e-6 ms) is over by the time the cached token is in hand.
    const error = (await m.client.get(`${backend.url}/ok`, { timeout: 1e-6, adapter: counting }).catch((e: unknown) => e)) as { code?: string };
    fixture.watch.collect(error);
    expect(error.code).toBe('ECONNABORTED');
    expect(sent).toBe(0);
  });
});
