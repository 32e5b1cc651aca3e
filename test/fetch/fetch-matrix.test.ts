// Issue 15: req.mcaFetch / mw.fetch keep the promises of req.mcaClient. One block per promise:
// injection, no injection, redirects, 401 replay, bodies that cannot be replayed, abort while
// waiting for a token, and leaks. Real token server and back ends on 127.0.0.1.
import { inspect } from 'node:util';
import createClient from 'openapi-fetch';
import { mcaOAuth, type McaOAuthMiddleware } from '../../lib';
import type { TokenServer } from '../helpers/token-server';
import { middlewareFixture } from '../helpers/middleware-fixture';
import { leakedSecrets, reachableStrings } from '../helpers/leak-watch';
import { waitFor } from '../helpers/wait';
import { startScriptedBackend, type ScriptedBackend } from '../client/scripted-backend';

const fixture = middlewareFixture(startScriptedBackend);
const { revoked, secrets, watch, make } = fixture;
let tokens: TokenServer;
let backend: ScriptedBackend;
let elsewhere: ScriptedBackend;
beforeEach(() => ({ tokens, backend, elsewhere } = fixture));

/** The error a call rejects with, checked for leaks and collected for the suite's check. */
async function failure(p: Promise<unknown>): Promise<Error & { cause?: unknown; code?: string }> {
  const error = await p.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: unknown) => e,
  );
  watch.collect(error);
  expect(leakedSecrets(error, secrets())).toEqual([]);
  return error as Error;
}

const auths = (b: ScriptedBackend) => b.hits.map((h) => h.authorization);

describe('injection', () => {
  it.each<[string, (url: string) => Parameters<McaOAuthMiddleware['fetch']>]>([
    ['a string', (url) => [url]],
    ['a URL object', (url) => [new URL(url)]],
    ['a Request', (url) => [new Request(url)]],
    ['Headers the caller passes', (url) => [url, { headers: new Headers({ 'X-Trace': 't1' }) }]],
    ['header pairs', (url) => [url, { headers: [['X-Trace', 't1']] }]],
    ['a Headers-like iterable of another library', (url) => [url, { headers: new Map([['X-Trace', 't1']]) as unknown as RequestInit['headers'] }]],
  ])('%s: the allowlisted URL gets the token', async (_name, args) => {
    const m = make();
    const response = await m.fetch(...args(`${backend.url}/ok`));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true, path: '/ok' });
    expect(auths(backend)).toEqual(['Bearer tok-1']);
    expect(tokens.requests).toHaveLength(1);
  });

  it('the caller’s own headers stay as they are (not mutated, no token in them)', async () => {
    const m = make();
    const plain: Record<string, string> = { 'X-Trace': 't1' };
    const headers = new Headers({ 'X-Trace': 't2' });
    await m.fetch(`${backend.url}/ok`, { headers: plain });
    await m.fetch(`${backend.url}/ok`, { headers });
    expect(plain).toEqual({ 'X-Trace': 't1' });
    expect([...headers]).toEqual([['x-trace', 't2']]);
    expect(auths(backend)).toEqual(['Bearer tok-1', 'Bearer tok-1']);
  });
});

describe('no injection', () => {
  it.each<[string, (url: string) => Parameters<McaOAuthMiddleware['fetch']>, string | undefined]>([
    ['mcaAuth: false', (url) => [url, { mcaAuth: false }], undefined],
    ['its own Authorization (object, any case)', (url) => [url, { headers: { authorization: 'Bearer mine' } }], 'Bearer mine'],
    ['its own Authorization (Headers)', (url) => [url, { headers: new Headers({ Authorization: 'Bearer mine' }) }], 'Bearer mine'],
    ['its own Authorization (pairs)', (url) => [url, { headers: [['AUTHORIZATION', 'Bearer mine']] }], 'Bearer mine'],
    [
      'its own Authorization (a Headers-like iterable)',
      (url) => [url, { headers: new Map([['Authorization', 'Bearer mine']]) as unknown as RequestInit['headers'] }],
      'Bearer mine',
    ],
    ['its own Authorization (a Request)', (url) => [new Request(url, { headers: { Authorization: 'Bearer mine' } })], 'Bearer mine'],
  ])('%s: no token, no token request', async (_name, args, sent) => {
    const m = make();
    await m.fetch(...args(`${backend.url}/status/204`));
    expect(auths(backend)).toEqual([sent]);
    expect(tokens.requests).toHaveLength(0);
  });

  it('a URL off the allowlist gets none; a relative URL rejects as fetch does, with nothing sent', async () => {
    const m = make();
    expect((await m.fetch(`${elsewhere.url}/ok`)).status).toBe(401);
    expect(auths(elsewhere)).toEqual([undefined]);
    const error = await failure(m.fetch('/ok'));
    expect(error.name).toBe('TypeError'); // fetch's own realm: not this test's TypeError
    expect(tokens.requests).toHaveLength(0);
  });
});

describe('redirects: handled hop by hop, the allowlist checked on each', () => {
  it('within the back end the token follows; out of the allowlist it and the caller’s Cookie stay behind', async () => {
    const m = make();
    const followed = await m.fetch(`${backend.url}/redirect?to=/ok`);
    expect([followed.status, followed.redirected, followed.url]).toEqual([200, true, `${backend.url}/ok`]);
    expect((await m.fetch(`${backend.url}/ok`)).redirected).toBe(false);
    expect(backend.hits.map((h) => [h.path, h.authorization])).toEqual([
      ['/redirect', 'Bearer tok-1'],
      ['/ok', 'Bearer tok-1'],
      ['/ok', 'Bearer tok-1'],
    ]);
    const r = await m.fetch(`${backend.url}/redirect?to=${encodeURIComponent(`${elsewhere.url}/status/200`)}`, { headers: { Cookie: 'session=1' } });
    expect(r.status).toBe(200);
    expect(r.url).toBe(`${elsewhere.url}/status/200`);
    expect(elsewhere.hits.map((h) => [h.authorization, h.cookie])).toEqual([[undefined, undefined]]);
  });

  it('redirect: "manual" gets the 3xx itself; "error" rejects as fetch does; both after one hop', async () => {
    const m = make();
    const manual = await m.fetch(`${backend.url}/redirect?to=/ok`, { redirect: 'manual' });
    expect([manual.status, manual.headers.get('location'), manual.redirected]).toEqual([302, '/ok', false]);
    const error = await failure(m.fetch(`${backend.url}/redirect?to=/ok`, { redirect: 'error' }));
    expect(error).toBeInstanceOf(TypeError);
    expect(backend.hits.map((h) => h.path)).toEqual(['/redirect', '/redirect']);
  });

  it('stops after 20 redirects, as fetch does', async () => {
    const m = make();
    const error = await failure(m.fetch(`${backend.url}/loop`));
    expect(error).toBeInstanceOf(TypeError);
    expect((error.cause as Error).message).toBe('redirect count exceeded');
    expect(backend.hits).toHaveLength(21);
  });

  it('303 turns a POST into a GET without its body; 307 sends a replayable body again, not a stream', async () => {
    const m = make();
    await m.fetch(`${backend.url}/redirect?to=/ok&status=303`, { method: 'POST', body: 'payload', headers: { 'Content-Type': 'text/plain' } });
    expect(backend.hits.map((h) => [h.method, h.body])).toEqual([
      ['POST', 'payload'],
      ['GET', ''],
    ]);
    backend.hits.length = 0;
    await m.fetch(`${backend.url}/redirect?to=/ok&status=307`, { method: 'POST', body: 'payload' });
    expect(backend.hits.map((h) => [h.method, h.body])).toEqual([
      ['POST', 'payload'],
      ['POST', 'payload'],
    ]);
    backend.hits.length = 0;
    const stream = new ReadableStream({ start: (c) => (c.enqueue(new TextEncoder().encode('once')), c.close()) });
    const r = await m.fetch(`${backend.url}/redirect?to=/ok&status=307`, { method: 'POST', body: stream, duplex: 'half' });
    expect(r.status).toBe(307);
    expect(backend.hits).toHaveLength(1);
  });
});

describe('401: one replay with a new token, when the body can be sent again', () => {
  const bodies: [string, () => { body?: RequestInit['body']; expected: string; request?: boolean }][] = [
    ['no body (GET)', () => ({ expected: '' })],
    ['a string', () => ({ body: 'text body', expected: 'text body' })],
    ['a Buffer', () => ({ body: Buffer.from('buffer body'), expected: 'buffer body' })],
    ['URLSearchParams', () => ({ body: new URLSearchParams({ a: '1' }), expected: 'a=1' })],
    ['a Blob', () => ({ body: new Blob(['blob body']), expected: 'blob body' })],
    [
      'FormData',
      () => {
        const form = new FormData();
        form.set('field', 'form value');
        return { body: form, expected: 'form value' };
      },
    ],
    ['a Request with a JSON body (what openapi-fetch and ky pass)', () => ({ body: JSON.stringify({ a: 1 }), expected: '{"a":1}', request: true })],
  ];
  it.each(bodies)('%s', async (_name, make_) => {
    const m = make();
    await (await m.fetch(`${backend.url}/ok`)).arrayBuffer();
    revoked.add('tok-1');
    const { body, expected, request } = make_();
    const method = body === undefined ? 'GET' : 'POST';
    const r = request ? await m.fetch(new Request(`${backend.url}/ok`, { method, body })) : await m.fetch(`${backend.url}/ok`, { method, body });
    expect(r.status).toBe(200);
    expect(auths(backend)).toEqual(['Bearer tok-1', 'Bearer tok-1', 'Bearer tok-2']);
    expect(backend.hits.slice(1).map((h) => h.body.includes(expected))).toEqual([true, true]);
    expect(tokens.requests).toHaveLength(2);
  });

  it('a back end that always answers 401: the second 401 goes back; the next call makes no new token request', async () => {
    const m = make();
    expect((await m.fetch(`${backend.url}/always401`)).status).toBe(401);
    expect((await m.fetch(`${backend.url}/always401`)).status).toBe(401);
    expect(auths(backend)).toEqual(['Bearer tok-1', 'Bearer tok-2', 'Bearer tok-2']);
    expect(tokens.requests).toHaveLength(2);
  });

  it('retryOn401: false returns the 401 as it is', async () => {
    const m = make({ retryOn401: false });
    expect((await m.fetch(`${backend.url}/always401`)).status).toBe(401);
    expect(backend.hits).toHaveLength(1);
  });
});

describe('bodies that cannot be replayed', () => {
  it('a ReadableStream body: the 401 goes back to the caller, sent once, no token dropped', async () => {
    const m = make();
    await m.fetch(`${backend.url}/ok`);
    revoked.add('tok-1');
    const stream = new ReadableStream({ start: (c) => (c.enqueue(new TextEncoder().encode('streamed')), c.close()) });
    const r = await m.fetch(`${backend.url}/ok`, { method: 'POST', body: stream, duplex: 'half' });
    expect(r.status).toBe(401);
    expect(backend.hits.map((h) => h.body)).toEqual(['', 'streamed']);
    expect(tokens.requests).toHaveLength(1);
  });

  it('a Request body over 1 MiB is streamed once and not replayed', async () => {
    const m = make();
    await m.fetch(`${backend.url}/ok`);
    revoked.add('tok-1');
    const big = 'x'.repeat(1024 * 1024 + 10);
    const r = await m.fetch(new Request(`${backend.url}/ok`, { method: 'POST', body: big }));
    expect(r.status).toBe(401);
    // The back end answers 401 without reading the whole body, so how much of it arrived varies.
    expect(backend.hits).toHaveLength(2);
    expect(backend.hits[1]!.body.length).toBeGreaterThan(0);
    expect(tokens.requests).toHaveLength(1);
  });
});

describe('cancellation: the caller’s signal covers the wait for the token', () => {
  it('an abort while the token request is under way rejects at once; the fetch goes on for the others', async () => {
    const m = make();
    tokens.script.push({ delayMs: 1500 });
    const controller = new AbortController();
    const aborted = failure(m.fetch(`${backend.url}/ok`, { signal: controller.signal }));
    const patient = m.fetch(`${backend.url}/ok`);
    await waitFor(() => tokens.requests.length === 1);
    const started = performance.now();
    controller.abort();
    const error = await aborted;
    expect(performance.now() - started).toBeLessThan(1000);
    expect(error.name).toBe('AbortError');
    expect((await patient).status).toBe(200);
    expect(auths(backend)).toEqual(['Bearer tok-1']);
    expect(tokens.requests).toHaveLength(1);
  });

  it('a signal aborted with a null reason rejects a protected call with the AbortError of a plain abort(), not with null; nothing is sent', async () => {
    const m = make();
    const controller = new AbortController();
    controller.abort(null);
    const error = await failure(m.fetch(`${backend.url}/ok`, { signal: controller.signal }));
    const plain = AbortSignal.abort().reason as DOMException;
    expect(error).toBeInstanceOf(DOMException);
    expect([error.name, error.message]).toEqual([plain.name, plain.message]);
    expect(backend.hits).toHaveLength(0);
  });

  it('AbortSignal.timeout() bounds the wait; an already aborted signal sends nothing', async () => {
    const m = make();
    tokens.script.push({ delayMs: 1500 });
    const error = await failure(m.fetch(`${backend.url}/ok`, { signal: AbortSignal.timeout(100) }));
    expect(error.name).toBe('TimeoutError');
    const before = AbortSignal.abort();
    expect((await failure(m.fetch(`${backend.url}/ok`, { signal: before }))).name).toBe('AbortError');
    expect(backend.hits).toHaveLength(0);
  });
});

describe('leaks: no token in any error or response rendering', () => {
  it('a refused connection, a token failure, and the responses themselves', async () => {
    const m = make({ protectedBackends: [backend.url, 'http://127.0.0.1:1'] });
    await m.fetch(`${backend.url}/ok`);
    const refused = await failure(m.fetch('http://127.0.0.1:1/x'));
    expect([refused.name, refused.message]).toEqual(['TypeError', 'fetch failed']);
    const response = await m.fetch(`${backend.url}/ok`);
    expect(leakedSecrets(response, secrets())).toEqual([]);
    expect(reachableStrings(response).join('\n')).not.toContain('tok-1');
    expect(inspect(response, { showHidden: true, depth: Infinity })).not.toContain('tok-1');
    const bad = mcaOAuth({ env: {}, envFile: false, clientId: 'client-1', secret: 'wrong', tenantId: 'tenant-1', serverUrl: tokens.serverUrl, retries: 0 });
    try {
      const error = await failure(bad.fetch(`${backend.url}/ok`));
      expect(error.code).toBe('ERR_MCA_INVALID_CLIENT');
    } finally {
      await bad.close();
    }
  });
});

describe('as the fetch of other libraries', () => {
  it('openapi-fetch: injection, and a 401 replay of a POST body it builds as a Request', async () => {
    const m = make();
    const client = createClient<never>({ baseUrl: backend.url, fetch: m.fetch });
    const get = await (client as unknown as { GET(path: string): Promise<{ data: unknown; response: Response }> }).GET('/ok');
    expect(get.data).toEqual({ ok: true, path: '/ok' });
    revoked.add('tok-1');
    const post = await (client as unknown as { POST(path: string, o: object): Promise<{ data: unknown; response: Response }> }).POST('/ok', { body: { n: 1 } });
    expect(post.response.status).toBe(200);
    expect(backend.hits.map((h) => [h.method, h.authorization, h.body])).toEqual([
      ['GET', 'Bearer tok-1', ''],
      ['POST', 'Bearer tok-1', '{"n":1}'],
      ['POST', 'Bearer tok-2', '{"n":1}'],
    ]);
  });

  it('globalThis.fetch = mw.fetch does not call itself', async () => {
    const m = make();
    const original = globalThis.fetch;
    globalThis.fetch = m.fetch;
    try {
      expect((await fetch(`${backend.url}/ok`)).status).toBe(200);
    } finally {
      globalThis.fetch = original;
    }
    expect(auths(backend)).toEqual(['Bearer tok-1']);
  });
});

describe('fetch’s own contract', () => {
  it('never throws synchronously: bad headers reject, with nothing sent', async () => {
    const m = make();
    let pending: Promise<Response> | undefined;
    expect(() => {
      pending = m.fetch(`${backend.url}/ok`, { headers: [['bad header', 'x']] });
    }).not.toThrow();
    const error = await failure(pending!);
    expect(error.name).toBe('TypeError');
    expect(backend.hits).toHaveLength(0);
  });

  it('fetch(request, { body }) sends the init’s body and replays it', async () => {
    const m = make();
    await m.fetch(`${backend.url}/ok`);
    revoked.add('tok-1');
    const r = await m.fetch(new Request(`${backend.url}/ok`, { method: 'POST', body: 'from the request' }), { body: 'from init' });
    expect(r.status).toBe(200);
    expect(backend.hits.slice(1).map((h) => h.body)).toEqual(['from init', 'from init']);
  });
});

describe('a global fetch of the caller’s own', () => {
  it('a frozen response reached through a redirect is handed back as it is, not a TypeError', async () => {
    const real = globalThis.fetch;
    // mw.fetch sends with the global fetch of the moment it was built.
    globalThis.fetch = async (input, init) => Object.freeze(await real(input, init));
    let m;
    try {
      m = make();
    } finally {
      globalThis.fetch = real;
    }
    const r = await m.fetch(`${backend.url}/redirect?to=/ok`);
    expect([r.status, Object.isFrozen(r), r.redirected]).toEqual([200, true, false]);
  });
});
