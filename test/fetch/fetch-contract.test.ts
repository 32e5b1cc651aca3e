// req.mcaFetch keeps fetch's own contract where issue 22's mutation run found no test holding it:
// which of a Request and its init wins, methods as given, redirect modes, and a Request body at
// the 1 MiB replay limit. Real token server and back ends on 127.0.0.1.
import http from 'node:http';
import { middlewareFixture } from '../helpers/middleware-fixture';
import { listenOnLoopback, type Loopback } from '../helpers/loopback';
import { waitFor } from '../helpers/wait';
import { startScriptedBackend } from '../client/scripted-backend';

const fixture = middlewareFixture(startScriptedBackend);
const { make, revoked, watch } = fixture;
const MiB = 1024 * 1024;

async function rejection(p: Promise<unknown>): Promise<Error & { cause?: Error }> {
  return (await p.then(
    () => undefined,
    (e: unknown) => watch.collect(e),
  )) as Error & { cause?: Error };
}

describe('fetch(request, init): the init’s fields win over the request’s, as with fetch', () => {
  it('redirect: the init’s mode over the Request’s, either way; the Request’s own when the init has none', async () => {
    const { backend } = fixture;
    const m = make();
    const url = `${backend.url}/redirect?to=/ok`;
    expect((await m.fetch(new Request(url, { redirect: 'manual' }), { redirect: 'follow' })).status).toBe(200);
    expect((await m.fetch(new Request(url), { redirect: 'manual' })).status).toBe(302);
    expect((await m.fetch(new Request(url, { redirect: 'manual' }))).status).toBe(302);
  });

  it('signal: an aborted init signal stops a Request with a live one; a Request’s own aborted signal stops it too; nothing is sent', async () => {
    const { backend } = fixture;
    const m = make();
    expect((await rejection(m.fetch(new Request(`${backend.url}/ok`), { signal: AbortSignal.abort() }))).name).toBe('AbortError');
    expect((await rejection(m.fetch(new Request(`${backend.url}/ok`, { signal: AbortSignal.abort() })))).name).toBe('AbortError');
    expect(backend.hits).toHaveLength(0);
  });

  it('body: the init’s body is sent and the Request’s is left unread (bodyUsed false), as fetch leaves it', async () => {
    const { backend } = fixture;
    const m = make();
    const request = new Request(`${backend.url}/ok`, { method: 'POST', body: 'from the request' });
    expect((await m.fetch(request, { body: 'from init' })).status).toBe(200);
    expect(request.bodyUsed).toBe(false);
    expect(await request.text()).toBe('from the request');
    await waitFor(() => backend.hits[0]?.body === 'from init');
  });
});

describe('methods and redirect modes', () => {
  it('a method outside fetch’s normalised six (PATCH) keeps its case on every hop of a 307', async () => {
    const { backend } = fixture;
    const m = make();
    const response = await m.fetch(`${backend.url}/redirect?to=/ok&status=307`, { method: 'PATCH', body: 'p' });
    expect(response.status).toBe(200);
    expect(backend.hits.map((h) => [h.method, h.path, h.authorization])).toEqual([
      ['PATCH', '/redirect', 'Bearer tok-1'],
      ['PATCH', '/ok', 'Bearer tok-1'],
    ]);
  });

  it('a Headers object of the caller’s: the hop carries the token, the caller’s header, and no DPoP header (no proof without dpop)', async () => {
    const { backend } = fixture;
    const m = make();
    expect((await m.fetch(`${backend.url}/ok`, { headers: new Headers({ 'X-Trace': 't1' }) })).status).toBe(200);
    expect(backend.hits.map((h) => [h.authorization, h.headers['x-trace'], h.headers.dpop])).toEqual([['Bearer tok-1', 't1', undefined]]);
  });

  it('a plain header object of the caller’s, or none: the hop carries the token and the caller’s header, and no DPoP header', async () => {
    const { backend } = fixture;
    const m = make();
    expect((await m.fetch(`${backend.url}/ok`, { headers: { 'X-Trace': 't1' } })).status).toBe(200);
    expect((await m.fetch(`${backend.url}/ok`)).status).toBe(200);
    expect(backend.hits.map((h) => [h.authorization, h.headers['x-trace'], 'dpop' in h.headers])).toEqual([
      ['Bearer tok-1', 't1', false],
      ['Bearer tok-1', undefined, false],
    ]);
  });

  it('a followed redirect’s response says `redirected`, and a wrapper of the caller’s can still redefine that, as on a native response', async () => {
    const { backend } = fixture;
    const m = make();
    const followed = await m.fetch(`${backend.url}/redirect?to=/ok`);
    expect(followed.redirected).toBe(true);
    // A native Response's `redirected` is an inherited getter: code that marks responses of its own
    // (a cache, a recorder) defines it on the object, and must not meet a property it cannot change.
    Object.defineProperty(followed, 'redirected', { value: false });
    expect(followed.redirected).toBe(false);
    await followed.arrayBuffer();
  });

  it('redirect: "error" hands back an answer that is no redirect', async () => {
    const { backend } = fixture;
    const m = make();
    const response = await m.fetch(`${backend.url}/ok`, { redirect: 'error' });
    expect([response.status, await response.json()]).toEqual([200, { ok: true, path: '/ok' }]);
  });

  it('too many redirects reject as fetch does: TypeError “fetch failed”, cause “redirect count exceeded”', async () => {
    const { backend } = fixture;
    const m = make();
    const error = await rejection(m.fetch(`${backend.url}/loop`));
    expect([error.name, error.message, error.cause?.message]).toEqual(['TypeError', 'fetch failed', 'redirect count exceeded']);
  });
});

describe('a Request body and the 1 MiB replay limit', () => {
  let counter: Loopback & { sizes: number[] };
  beforeEach(async () => {
    const sizes: number[] = [];
    // Answers once the whole body is in, with its size: a body cut short or never ended shows.
    const server = http.createServer((req, res) => {
      let size = 0;
      req.on('data', (chunk: Buffer) => (size += chunk.length));
      req.on('end', () => {
        sizes.push(size);
        res.end(String(size));
      });
    });
    counter = { ...(await listenOnLoopback(server)), sizes };
  });
  afterEach(() => counter.close());

  it('a body of exactly 1 MiB is kept, and replayed after a 401 with the new token', async () => {
    const { backend, tokens } = fixture;
    const m = make();
    await (await m.fetch(`${backend.url}/ok`)).arrayBuffer();
    revoked.add('tok-1');
    const response = await m.fetch(new Request(`${backend.url}/ok`, { method: 'POST', body: 'x'.repeat(MiB) }));
    expect(response.status).toBe(200);
    expect(backend.hits.map((h) => h.authorization)).toEqual(['Bearer tok-1', 'Bearer tok-1', 'Bearer tok-2']);
    await waitFor(() => backend.hits[2]!.body.length === MiB);
    expect(tokens.requests).toHaveLength(2);
  });

  it.each([MiB + 1, 3 * MiB + 17])('a body of %i bytes (past the limit, streamed in 64 KiB chunks) arrives whole', async (size) => {
    const m = make({ protectedBackends: [counter.url] });
    let left = size;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        const n = Math.min(left, 64 * 1024);
        left -= n;
        controller.enqueue(new Uint8Array(n).fill(97));
        if (left === 0) controller.close();
      },
    });
    const request = new Request(`${counter.url}/upload`, { method: 'POST', body, duplex: 'half', signal: AbortSignal.timeout(10_000) });
    const response = await m.fetch(request);
    expect(await response.text()).toBe(String(size));
    expect(counter.sizes).toEqual([size]);
  });
});
