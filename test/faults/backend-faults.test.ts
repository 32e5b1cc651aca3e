import { Readable } from 'node:stream';
import { inspect } from 'node:util';
import { AxiosError } from 'axios';
import type { TokenServer } from '../helpers/token-server';
import { middlewareFixture } from '../helpers/middleware-fixture';
import { startProtectedBackend, type ProtectedBackend } from '../helpers/protected-backend';

const fixture = middlewareFixture(startProtectedBackend);
const { revoked, watch, make } = fixture;
let tokens: TokenServer;
let backend: ProtectedBackend;
let elsewhere: ProtectedBackend;
beforeEach(() => ({ tokens, backend, elsewhere } = fixture));

async function status(p: Promise<{ status: number }>): Promise<number> {
  return p.then(
    (r) => r.status,
    (e: unknown) => {
      watch.collect(e);
      return (e as AxiosError).response?.status ?? -1;
    },
  );
}

describe('a 401 from a protected back end', () => {
  type Row = [string, number[], number | undefined, Record<string, unknown>, number, number, number];
  // [case, statuses the back end forces, always, options, caller sees, back-end requests, token POSTs]
  const rows: Row[] = [
    ['401 once: one refresh and one replay succeed', [401], undefined, {}, 200, 2, 2],
    ['401 always: one replay, then the 401 goes back as is', [], 401, {}, 401, 2, 2],
    ['403: a permission answer, not retried', [403], undefined, {}, 403, 1, 1],
    ['retryOn401: false leaves the 401 alone', [401], undefined, { retryOn401: false }, 401, 1, 1],
  ];
  it.each(rows)('%s', async (_name, script, always, extra, expected, backendRequests, posts) => {
    const m = make(extra);
    backend.script.push(...script);
    backend.always = always;
    expect(await status(m.client.get(`${backend.url}/orders`))).toBe(expected);
    expect(backend.seen).toHaveLength(backendRequests);
    expect(tokens.requests).toHaveLength(posts);
  });

  it('the replay carries the new token', async () => {
    const m = make();
    await m.client.get(`${backend.url}/warm`);
    backend.script.push(401);
    const r = await m.client.post(`${backend.url}/orders`, { item: 'tea' });
    expect(r.status).toBe(200);
    expect(backend.seen).toEqual(['Bearer tok-1', 'Bearer tok-1', 'Bearer tok-2']);
  });

  it('50 concurrent 401s for the same token cause one refresh, and all 50 replays succeed', async () => {
    const m = make();
    await m.client.get(`${backend.url}/warm`);
    revoked.add('tok-1');
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => status(m.client.get(`${backend.url}/o/${i}`))));
    expect(results.every((s) => s === 200)).toBe(true);
    expect(tokens.requests).toHaveLength(2);
    expect(backend.seen.filter((h) => h === 'Bearer tok-1')).toHaveLength(51);
    expect(backend.seen.filter((h) => h === 'Bearer tok-2')).toHaveLength(50);
  });

  it('does not replay a request whose body was a stream', async () => {
    const m = make();
    backend.script.push(401);
    const body = Readable.from(['{"a":1}']);
    expect(await status(m.client.post(`${backend.url}/upload`, body, { headers: { 'Content-Type': 'application/json' } }))).toBe(401);
    expect(backend.seen).toHaveLength(1);
  });
});

describe('the token goes only where it belongs', () => {
  it('a per-request absolute URL that leaves the allowlist gets no token, whatever the baseURL', async () => {
    const m = make({ axios: { baseURL: backend.url } });
    await m.client.get('/inside');
    await status(m.client.get(`${elsewhere.url}/outside`));
    expect(backend.seen).toEqual(['Bearer tok-1']);
    expect(elsewhere.seen).toEqual([undefined]);
  });

  it('a redirect to another origin never carries the token', async () => {
    const m = make({ protectedBackends: undefined });
    backend.redirects.set('/go', `${elsewhere.url}/landed`);
    expect(await status(m.client.get(`${backend.url}/go`))).toBe(401);
    expect(backend.seen).toEqual(['Bearer tok-1']);
    expect(elsewhere.seen).toEqual([undefined]);
  });

  it('a redirect within the origin but out of the allowed prefix loses the token; within the prefix it keeps it', async () => {
    const m = make({ protectedBackends: [`${backend.url}/api/`] });
    backend.redirects.set('/api/old', `${backend.url}/api/new`);
    backend.redirects.set('/api/leave', `${backend.url}/public/page`);
    expect(await status(m.client.get(`${backend.url}/api/old`))).toBe(200);
    expect(await status(m.client.get(`${backend.url}/api/leave`))).toBe(401);
    expect(backend.seen).toEqual(['Bearer tok-1', 'Bearer tok-1', 'Bearer tok-1', undefined]);
  });
});

describe('errors that leave req.mcaClient are redacted', () => {
  it('the token is in neither err.config nor the request, in err, err.toJSON() and util.inspect', async () => {
    const m = make();
    backend.always = 500;
    const error = (await m.client.get(`${backend.url}/boom`).catch((e: unknown) => e)) as AxiosError;
    watch.collect(error);
    expect(error).toBeInstanceOf(AxiosError);
    expect(error.response?.status).toBe(500);
    // The caller's config never held it (so a re-send gets a fresh one); the sent request is scrubbed.
    expect(error.config?.headers.has('Authorization')).toBe(false);
    expect((error.request as { _header: string })._header).toContain('Authorization: [redacted]');
    const rendered = [
      JSON.stringify(error),
      JSON.stringify(error.toJSON()),
      inspect(error, { depth: Infinity, showHidden: true }),
      String(error),
      error.stack,
    ].join('\n');
    expect(rendered).not.toContain('tok-1');
  });

  it('so is the error of a failed replay', async () => {
    const m = make();
    backend.always = 401;
    const error = (await m.client.get(`${backend.url}/x`).catch((e: unknown) => e)) as AxiosError;
    watch.collect(error);
    expect(inspect(error, { depth: Infinity })).not.toMatch(/tok-[12]/);
  });

  it("so is an axios-level auth password, in a copy: the caller's config keeps it", async () => {
    const m = make({ axios: { auth: { username: 'u', password: 'basic-pass-123' } } });
    elsewhere.always = 500; // the server the request goes to
    const error = watch.collect(await m.client.get(`${elsewhere.url}/x`, { mcaAuth: false }).catch((e: unknown) => e));
    expect(error).toMatchObject({ response: { status: 500 } });
    expect(inspect(error, { depth: Infinity })).not.toContain('basic-pass-123');
  });
});
