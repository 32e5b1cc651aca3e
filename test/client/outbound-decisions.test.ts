// Outbound decisions that a hand-made mutation probe (issue 22) found unprotected: each is right
// today, and each block fails when a plausible one-line bug changes it. Within one protectedBackends
// entry (the back end) and off the list (elsewhere); real servers on 127.0.0.1.
import net from 'node:net';
import { Readable } from 'node:stream';
import type { AxiosRequestConfig } from 'axios';
import type { McaOAuthMiddleware } from '../../lib';
import { middlewareFixture } from '../helpers/middleware-fixture';
import { leakedSecrets, renderAll } from '../helpers/leak-watch';
import { startScriptedBackend } from './scripted-backend';

const fixture = middlewareFixture(startScriptedBackend);
const { revoked, secrets, watch, make } = fixture;
const to = (url: string): string => `/redirect?to=${encodeURIComponent(url)}`;
const BASIC_USER = { username: 'svc-user', password: 'basic-pass-123' };
const BASIC = `Basic ${Buffer.from('svc-user:basic-pass-123').toString('base64')}`;

describe.each(['http', 'fetch'] as const)('axios (%s adapter): what follows a redirect besides the token', (adapter) => {
  it('headers the caller marked sensitive (any case) stay behind when the origin changes, and follow within it', async () => {
    const { backend, elsewhere } = fixture;
    const m = make({ axios: { adapter } });
    const config = { headers: { 'X-Api-Key': 'key-123', 'X-Trace': 't1' }, sensitiveHeaders: ['X-API-KEY'], validateStatus: () => true } as AxiosRequestConfig;
    await m.client.get(`${backend.url}${to(`${elsewhere.url}/ok`)}`, config);
    await m.client.get(`${backend.url}${to('/ok')}`, config);
    expect(backend.hits.map((h) => [h.path, h.headers['x-api-key'], h.authorization])).toEqual([
      ['/redirect', 'key-123', 'Bearer tok-1'],
      ['/redirect', 'key-123', 'Bearer tok-1'],
      ['/ok', 'key-123', 'Bearer tok-1'],
    ]);
    // Off the origin: no token, no sensitive header; an ordinary header still goes.
    expect(elsewhere.hits.map((h) => [h.path, h.headers['x-api-key'], h.headers['x-trace'], h.authorization])).toEqual([['/ok', undefined, 't1', undefined]]);
  });

  it('axios’s own `auth` (Basic) stays behind when the origin changes, and follows within it; no token is fetched', async () => {
    const { backend, elsewhere, tokens } = fixture;
    const m = make({ axios: { adapter } });
    await m.client.get(`${backend.url}${to(`${elsewhere.url}/status/200`)}`, { auth: BASIC_USER });
    await m.client.get(`${backend.url}${to('/status/200')}`, { auth: BASIC_USER });
    expect(backend.hits.map((h) => [h.path, h.authorization])).toEqual([
      ['/redirect', BASIC],
      ['/redirect', BASIC],
      ['/status/200', BASIC],
    ]);
    expect(elsewhere.hits.map((h) => [h.path, h.authorization])).toEqual([['/status/200', undefined]]);
    expect(tokens.requests).toHaveLength(0);
  });
});

/** A GET through the given transport, resolving to the status (any status). */
async function get(kind: 'axios' | 'fetch', m: McaOAuthMiddleware, url: string): Promise<number> {
  if (kind === 'axios') return (await m.client.get(url, { validateStatus: () => true })).status;
  const response = await m.fetch(url);
  await response.arrayBuffer();
  return response.status;
}

describe.each(['axios', 'fetch'] as const)('%s: the 401 replay after a redirect', (kind) => {
  it('a 401 on a later hop (same entry) replays only that hop, with the new token; the first hop is not sent again', async () => {
    const { backend, tokens } = fixture;
    const m = make();
    expect(await m.authorization()).toBe('Bearer tok-1');
    revoked.add('tok-1'); // the back end stops accepting it; the cache still holds it
    expect(await get(kind, m, `${backend.url}${to('/ok')}`)).toBe(200);
    expect(backend.hits.map((h) => [h.path, h.authorization])).toEqual([
      ['/redirect', 'Bearer tok-1'],
      ['/ok', 'Bearer tok-1'],
      ['/ok', 'Bearer tok-2'],
    ]);
    expect(tokens.requests).toHaveLength(2);
  });
});

describe('which spellings of the caller’s own Authorization opt the call out', () => {
  const own = 'Basic Y2FsbGVyOm93bg==';
  it.each<[string, () => NonNullable<RequestInit['headers']>]>([
    ['a plain object, canonical case', () => ({ Authorization: own })],
    ['a plain object, lower case', () => ({ authorization: own })],
    ['a plain object, upper case', () => ({ AUTHORIZATION: own })],
    ['a plain object, mixed case', () => ({ aUtHoRiZaTiOn: own })],
    ['a Headers object', () => new Headers({ Authorization: own })],
    ['header pairs, mixed case', () => [['AuThOrIzAtIoN', own]]],
    ['a null-prototype object', () => Object.assign(Object.create(null) as Record<string, string>, { AUTHORIZATION: own })],
  ])('fetch with %s: the caller’s header goes out, no token is fetched or sent', async (_case, headers) => {
    const { backend, tokens } = fixture;
    const m = make();
    const response = await m.fetch(`${backend.url}/status/200`, { headers: headers() });
    expect(response.status).toBe(200);
    expect(backend.hits.map((h) => h.authorization)).toEqual([own]);
    expect(tokens.requests).toHaveLength(0);
  });

  it.each<[string, Record<string, string>]>([
    ['canonical case', { Authorization: own }],
    ['lower case', { authorization: own }],
    ['upper case', { AUTHORIZATION: own }],
  ])('axios with %s: the caller’s header goes out, no token is fetched or sent', async (_case, headers) => {
    const { backend, tokens } = fixture;
    const m = make();
    const response = await m.client.get(`${backend.url}/status/200`, { headers });
    expect(response.status).toBe(200);
    expect(backend.hits.map((h) => h.authorization)).toEqual([own]);
    expect(tokens.requests).toHaveLength(0);
  });

  it.each(['axios', 'fetch'] as const)('%s: a header that only contains the word (X-Authorization, Proxy-Authorization) is no opt-out', async (kind) => {
    const { backend } = fixture;
    const m = make();
    const headers = { 'X-Authorization': 'x', 'Proxy-Authorization': 'Basic cHJveHk6cA==' };
    if (kind === 'axios') await m.client.get(`${backend.url}/ok`, { headers });
    else await m.fetch(`${backend.url}/ok`, { headers });
    expect(backend.hits.map((h) => h.authorization)).toEqual(['Bearer tok-1']);
  });
});

describe('a URL with a user name and no password brings its own credentials: no token', () => {
  it.each(['axios', 'fetch'] as const)('%s: http://user@host (and the spelling without slashes) gets no token', async (kind) => {
    const { backend, tokens } = fixture;
    const m = make();
    const { host } = new URL(backend.url);
    for (const url of [`http://svc-user@${host}/ok`, `http:svc-user@${host}/ok`]) {
      // fetch refuses a URL with credentials itself; axios sends them as Basic.
      await get(kind, m, url).catch((error: unknown) => watch.collect(error));
    }
    expect(backend.hits.map((h) => h.authorization).filter((a) => a?.startsWith('Bearer'))).toEqual([]);
    expect(tokens.requests).toHaveLength(0);
    // The same back end without userinfo does get it: the routes were not refusing everything.
    expect(await get(kind, m, `${backend.url}/ok`)).toBe(200);
  });
});

describe('mcaFetch: what a network failure’s error shows', () => {
  it('an instrumented fetch that puts the sent header in its error (message, cause, AggregateError, a Request): every copy is redacted', async () => {
    const { backend } = fixture;
    const real = globalThis.fetch;
    const traced: string[] = [];
    // A fetch wrapper of the application's (tracing, retries) that reports what it sent when the
    // network fails: the middleware sends with the global fetch of the moment it was built.
    const instrumented = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
      try {
        return await real(input, init);
      } catch (error) {
        const sent = new Headers(init?.headers).get('authorization') ?? 'none';
        const request = new Request(String(input), { method: init?.method, headers: init?.headers });
        const attempt = Object.assign(new Error(`attempt 1 with ${sent}`), { request });
        const failed = new TypeError(`fetch failed (sent ${sent})`, {
          cause: new AggregateError([new Error(`attempt 0 with ${sent}`), attempt], `all attempts failed for ${sent}`, { cause: error }),
        });
        // A tracer that records the stack reads it now: V8 renders it then, message included.
        traced.push(failed.stack ?? '', attempt.stack ?? '');
        throw failed;
      }
    };
    globalThis.fetch = instrumented;
    let m: McaOAuthMiddleware;
    try {
      m = make({ protectedBackends: [backend.url, 'http://127.0.0.1:1'] });
    } finally {
      globalThis.fetch = real;
    }
    expect(await m.authorization()).toBe('Bearer tok-1');
    const error = watch.collect(
      await m.fetch('http://127.0.0.1:1/x').then(
        () => undefined,
        (e: unknown) => e,
      ),
    ) as TypeError & { cause: AggregateError };
    expect(leakedSecrets(error, secrets())).toEqual([]);
    expect(renderAll(error)).not.toContain('tok-1');
    // The caller still learns what failed, with the credential cut out of each place it was.
    expect(error.message).toBe('fetch failed (sent [redacted])');
    expect(traced.join('\n')).toContain('Bearer tok-1'); // the stacks were rendered with the header in them
    expect(error.stack).toContain('fetch failed (sent [redacted])');
    expect((error.cause.errors[1] as Error).stack).toContain('attempt 1 with [redacted]');
    expect(error.cause.message).toBe('all attempts failed for [redacted]');
    expect(error.cause.errors.map((e: Error) => e.message)).toEqual(['attempt 0 with [redacted]', 'attempt 1 with [redacted]']);
    const request = (error.cause.errors[1] as { request: Request }).request;
    expect(request.headers.get('authorization')).toBe('[redacted]');
    // and it gains no credential header it did not send
    expect([...request.headers.keys()]).toEqual(['authorization']);
    expect((error.cause.cause as Error).message).toBe('fetch failed');
  });
});

// Survivors of StrykerJS over lib/fetch (issue 22): fetch's own redirect modes and a Request's own
// settings, which mcaFetch must keep as fetch keeps them.
describe('mcaFetch keeps fetch’s redirect modes and a Request’s own settings', () => {
  it('redirect: "error" rejects a redirect as fetch does, and passes any other answer', async () => {
    const { backend } = fixture;
    const m = make();
    expect((await m.fetch(`${backend.url}/ok`, { redirect: 'error' })).status).toBe(200);
    const error = watch.collect(
      await m.fetch(`${backend.url}${to('/ok')}`, { redirect: 'error' }).then(
        () => undefined,
        (e: unknown) => e,
      ),
    ) as TypeError;
    expect([error.name, error.message, (error.cause as Error).message]).toEqual(['TypeError', 'fetch failed', 'unexpected redirect']);
    // A Request's own redirect mode counts when the init has none.
    const fromRequest = watch.collect(
      await m.fetch(new Request(`${backend.url}${to('/ok')}`, { redirect: 'error' })).then(
        () => undefined,
        (e: unknown) => e,
      ),
    );
    expect((fromRequest as TypeError).message).toBe('fetch failed');
    expect(backend.hits.map((h) => h.path)).toEqual(['/ok', '/redirect', '/redirect']);
  });

  it('a redirect loop ends as fetch’s does: TypeError, cause "redirect count exceeded"', async () => {
    const { backend } = fixture;
    const m = make();
    const error = watch.collect(
      await m.fetch(`${backend.url}/loop`).then(
        () => undefined,
        (e: unknown) => e,
      ),
    ) as TypeError;
    expect([error.name, error.message, (error.cause as Error).message]).toEqual(['TypeError', 'fetch failed', 'redirect count exceeded']);
    expect(backend.hits).toHaveLength(21);
  });

  it('a Request’s own aborted signal aborts the call: nothing is sent', async () => {
    const { backend } = fixture;
    const m = make();
    const error = watch.collect(
      await m.fetch(new Request(`${backend.url}/ok`, { signal: AbortSignal.abort() })).then(
        () => undefined,
        (e: unknown) => e,
      ),
    );
    expect((error as Error).name).toBe('AbortError');
    expect(backend.hits).toHaveLength(0);
  });

  it.each([
    ['exactly 1 MiB: kept, and replayed after a 401', 1024 * 1024, 200],
    ['1 MiB and one byte: streamed, and the 401 goes back to the caller', 1024 * 1024 + 1, 401],
  ])('a Request body of %s', async (_case, size, status) => {
    const { backend } = fixture;
    const m = make();
    expect(await m.authorization()).toBe('Bearer tok-1');
    revoked.add('tok-1');
    const response = await m.fetch(new Request(`${backend.url}/ok`, { method: 'POST', body: 'x'.repeat(size) }));
    await response.arrayBuffer();
    expect(response.status).toBe(status);
    expect(backend.hits).toHaveLength(status === 200 ? 2 : 1);
  });
});

describe('mcaFetch: the method and the body on a redirect and a replay', () => {
  it('a POST answered 302 goes on as a GET without its body, as fetch does', async () => {
    const { backend } = fixture;
    const m = make();
    const response = await m.fetch(`${backend.url}${to('/ok')}&status=302`, { method: 'POST', body: 'payload' });
    expect(response.status).toBe(200);
    expect(backend.hits.map((h) => [h.method, h.path])).toEqual([
      ['POST', '/redirect'],
      ['GET', '/ok'],
    ]);
  });

  it('a string body is sent again after a 401', async () => {
    const { backend } = fixture;
    const m = make();
    expect(await m.authorization()).toBe('Bearer tok-1');
    revoked.add('tok-1');
    const response = await m.fetch(`${backend.url}/ok`, { method: 'POST', body: 'payload' });
    expect(response.status).toBe(200);
    expect(backend.hits.map((h) => [h.method, h.authorization])).toEqual([
      ['POST', 'Bearer tok-1'],
      ['POST', 'Bearer tok-2'],
    ]);
  });
});

/** One call through the given transport: the answer's status and Location (any status; a redirect not followed comes back as it is). */
async function answer(
  kind: 'axios' | 'fetch',
  m: McaOAuthMiddleware,
  url: string,
  init: { method?: string; body?: string; headers?: Record<string, string> } = {},
): Promise<{ status: number; location: string | undefined }> {
  const { method = 'GET', body, headers } = init;
  if (kind === 'axios') {
    const response = await m.client.request({ url, method, data: body, headers, validateStatus: () => true });
    return { status: response.status, location: response.headers.location as string | undefined };
  }
  const response = await m.fetch(url, { method, body, headers });
  await response.arrayBuffer();
  return { status: response.status, location: response.headers.get('location') ?? undefined };
}

describe.each(['axios', 'fetch'] as const)('%s: where a redirect may lead, and the method and body it keeps', (kind) => {
  it.each(['mailto:ops@example.com', 'ftp://files.example.com/x', 'http://['])(
    'a Location that is no http(s) URL (%s) is not followed: the caller gets the redirect itself',
    async (location) => {
      const { backend } = fixture;
      const m = make();
      expect(await answer(kind, m, `${backend.url}${to(location)}`)).toEqual({ status: 302, location });
      expect(backend.hits.map((h) => h.path)).toEqual(['/redirect']);
    },
  );

  it('a Location on https is followed: the next hop opens a TLS connection there', async () => {
    const { backend } = fixture;
    // A bare TCP listener: it keeps the first bytes it gets (a TLS ClientHello starts with 0x16,
    // a handshake record) and hangs up, so the hop fails after it has gone there.
    const firstBytes: number[] = [];
    const tls = net.createServer((socket) => socket.once('data', (data: Buffer) => (firstBytes.push(data[0]!), socket.destroy())));
    await new Promise<void>((resolve) => tls.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = tls.address() as net.AddressInfo;
      const m = make();
      watch.collect(await answer(kind, m, `${backend.url}${to(`https://127.0.0.1:${port}/x`)}`).catch((e: unknown) => e));
      expect(firstBytes).toEqual([0x16]);
    } finally {
      await new Promise((resolve) => tls.close(resolve));
    }
  });

  it.each([301, 302, 303])('a POST answered %i goes on as a GET without its body or the body’s headers', async (status) => {
    const { backend } = fixture;
    const m = make();
    const sent = { method: 'POST', body: 'payload', headers: { 'Content-Type': 'text/plain' } };
    expect((await answer(kind, m, `${backend.url}${to('/ok')}&status=${status}`, sent)).status).toBe(200);
    expect(backend.hits.map((h) => [h.method, h.path, h.body, h.headers['content-type'], h.headers['content-length']])).toEqual([
      ['POST', '/redirect', 'payload', 'text/plain', '7'],
      ['GET', '/ok', '', undefined, undefined],
    ]);
  });

  it.each([307, 308])('a POST answered %i goes on as a POST with its body and its Content-Type', async (status) => {
    const { backend } = fixture;
    const m = make();
    const sent = { method: 'POST', body: 'payload', headers: { 'Content-Type': 'text/plain' } };
    expect((await answer(kind, m, `${backend.url}${to('/ok')}&status=${status}`, sent)).status).toBe(200);
    expect(backend.hits.map((h) => [h.method, h.path, h.body, h.headers['content-type']])).toEqual([
      ['POST', '/redirect', 'payload', 'text/plain'],
      ['POST', '/ok', 'payload', 'text/plain'],
    ]);
  });

  it('a POST whose body is a stream, answered 303, goes on as a GET: nothing has to be sent again', async () => {
    const { backend } = fixture;
    const m = make();
    const url = `${backend.url}${to('/ok')}&status=303`;
    const headers = { 'Content-Type': 'text/plain', 'Content-Length': '4' };
    if (kind === 'axios') {
      expect((await m.client.post(url, Readable.from([Buffer.from('once')]), { headers })).status).toBe(200);
    } else {
      const body = new ReadableStream({ start: (c) => (c.enqueue(new TextEncoder().encode('once')), c.close()) });
      const response = await m.fetch(url, { method: 'POST', body, duplex: 'half', headers: { 'Content-Type': 'text/plain' } });
      await response.arrayBuffer();
      expect(response.status).toBe(200);
    }
    expect(backend.hits.map((h) => [h.method, h.path, h.body])).toEqual([
      ['POST', '/redirect', 'once'],
      ['GET', '/ok', ''],
    ]);
  });

  it('a HEAD answered 303 stays a HEAD', async () => {
    const { backend } = fixture;
    const m = make();
    expect((await answer(kind, m, `${backend.url}${to('/ok')}&status=303`, { method: 'HEAD' })).status).toBe(200);
    expect(backend.hits.map((h) => [h.method, h.path])).toEqual([
      ['HEAD', '/redirect'],
      ['HEAD', '/ok'],
    ]);
  });
});

describe('axios: a GET with a body, through a redirect', () => {
  it('a GET answered 303 stays a GET and keeps its body and Content-Type, as axios’s own redirects (follow-redirects) do', async () => {
    const { backend } = fixture;
    const m = make();
    const response = await m.client.request({ url: `${backend.url}${to('/ok')}&status=303`, method: 'GET', data: { q: 1 } });
    expect(response.status).toBe(200);
    expect(backend.hits.map((h) => [h.method, h.path, h.body, h.headers['content-type']])).toEqual([
      ['GET', '/redirect', '{"q":1}', 'application/json'],
      ['GET', '/ok', '{"q":1}', 'application/json'],
    ]);
  });

  it('a GET whose body is a stream is not followed through a 307, which would have to send it again: the caller gets the 307', async () => {
    const { backend } = fixture;
    const m = make();
    const body = Readable.from([Buffer.from('once')]);
    const response = await m.client.request({
      url: `${backend.url}${to('/ok')}&status=307`,
      method: 'GET',
      data: body,
      headers: { 'Content-Length': '4' },
      validateStatus: () => true,
    });
    expect([response.status, response.headers.location]).toEqual([307, '/ok']);
    expect(backend.hits.map((h) => [h.method, h.path, h.body])).toEqual([['GET', '/redirect', 'once']]);
  });
});
