import { Readable } from 'node:stream';
import { inspect } from 'node:util';
import http from 'node:http';
import { AxiosError } from 'axios';
import { listenOnLoopback } from '../helpers/loopback';
import { renderAll } from '../helpers/leak-watch';
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

  it('a 401 to a token another call already replaced: the current token is not held to the replacement interval anew', async () => {
    let clock = Date.now();
    // One call waits at the back end with tok-1 while another replaces it.
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let arrived!: () => void;
    const waiting = new Promise<void>((resolve) => (arrived = resolve));
    const server = await listenOnLoopback(
      http.createServer((req, res) => {
        req.resume();
        const token = (req.headers.authorization ?? '').replace(/^Bearer /, '');
        const answer = (): void => {
          res.writeHead(tokens.issued.includes(token) && !revoked.has(token) ? 200 : 401);
          res.end();
        };
        if (req.url === '/held') {
          arrived();
          void released.then(answer);
        } else answer();
      }),
    );
    try {
      const m = make({ protectedBackends: [server.url], now: () => clock, retryOn401MinIntervalMs: 5000 });
      const statusOf = (path: string): Promise<number> => m.client.get(`${server.url}${path}`, { validateStatus: () => true }).then((r) => r.status);
      expect(await m.authorization()).toBe('Bearer tok-1');
      const slow = statusOf('/held');
      await waiting;
      revoked.add('tok-1');
      expect(await statusOf('/first')).toBe(200); // its 401 made tok-2 the replacement of tok-1
      clock += 5000;
      release();
      expect(await slow).toBe(200); // its 401 to tok-1 replays with tok-2: it replaced nothing
      revoked.add('tok-2');
      // tok-2 became a replacement 5 s ago: its first 401 since may replace it.
      expect(await statusOf('/later')).toBe(200);
      expect(tokens.issued).toEqual(['tok-1', 'tok-2', 'tok-3']);
    } finally {
      release();
      await server.close();
    }
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

  it('a call with no token: the request in its error shows the other headers as they were sent, a value `undefined` included', async () => {
    const m = make();
    elsewhere.always = 500;
    const error = watch.collect(await m.client.get(`${elsewhere.url}/x`, { headers: { 'X-Trace': 'undefined' } }).catch((e: unknown) => e)) as AxiosError;
    expect(error.response?.status).toBe(500);
    expect(elsewhere.seen).toEqual([undefined]);
    expect((error.request as { _header: string })._header).toContain('\r\nX-Trace: undefined\r\n');
  });

  // The scrub looks for a sent request in `response.data.req` too (a stream's response holds its
  // request there); a JSON body is the back end's own data, of any shape.
  const sentLine = 'GET /debug HTTP/1.1\r\nHost: example\r\n\r\n';
  it.each([
    ['null', { req: null }],
    ['a header block alone', { req: { _header: sentLine } }],
    [
      'a request dump with values of every kind',
      { req: { _header: sentLine, outputData: [null, { data: sentLine }], socket: { _pendingData: [null, 1, 'text', { chunk: 5 }, { chunk: sentLine }] } } },
    ],
  ])("a back end's error body whose `req` field is %s: the caller gets axios's error, with the body as the back end sent it", async (_name, body) => {
    const server = await listenOnLoopback(
      http.createServer((req, res) => {
        req.resume();
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      }),
    );
    try {
      const m = make({ protectedBackends: [server.url] });
      const error = watch.collect(await m.client.get(`${server.url}/debug`).catch((e: unknown) => e)) as AxiosError;
      expect(error).toBeInstanceOf(AxiosError);
      expect(error.response?.status).toBe(500);
      expect(error.response?.data).toEqual(body);
    } finally {
      await server.close();
    }
  });
});

// A request that never reached the back end keeps its unsent bytes, which a logger that prints the
// error prints: the header block (token and all) and the body wait on the socket (a refused
// connection) or on the request itself (no socket yet).
describe('what a request that never got through still holds', () => {
  /** The bytes waiting in a socket's `_pendingData` or a request's `outputData`, as latin1 text. */
  function waiting(pending: unknown): string {
    const chunks: unknown[] = Array.isArray(pending) ? pending : [pending];
    return chunks
      .map((item) => {
        const chunk =
          typeof item === 'object' && item !== null && !Buffer.isBuffer(item)
            ? ((item as { chunk?: unknown; data?: unknown }).chunk ?? (item as { data?: unknown }).data)
            : item;
        return Buffer.isBuffer(chunk) ? chunk.toString('latin1') : String(chunk);
      })
      .join('');
  }

  async function refusedUrl(): Promise<string> {
    const closed = await listenOnLoopback(http.createServer());
    await closed.close();
    return closed.url;
  }

  // A batch body (multipart/mixed of HTTP requests) may carry credentials of its own; its bytes are
  // kept as they were (UTF-8 text included), only the credential line is replaced.
  const BATCH_PASSWORD = 'batch-pass-8d1e';
  const batch = (authorization: string): string =>
    `--b\r\nContent-Type: application/http\r\n\r\nGET /crème HTTP/1.1\r\nAuthorization: ${authorization}\r\n\r\n--b--\r\n`;
  const basic = `Basic ${Buffer.from(`u:${BATCH_PASSWORD}`).toString('base64')}`;

  it.each([
    ['a JSON body', { item: 'tea' }, '{"item":"tea"}'],
    ['a Buffer body', Buffer.from(batch(basic)), Buffer.from(batch('[redacted]')).toString('latin1')],
  ])('a POST with %s whose connection is refused: the bytes left waiting show the request and its body, credentials redacted', async (_name, body, shown) => {
    const refused = await refusedUrl();
    const m = make({ protectedBackends: [refused] });
    const error = watch.collect(await m.client.post(`${refused}/orders`, body).catch((e: unknown) => e)) as AxiosError;
    expect(error.code).toBe('ECONNREFUSED');
    expect(tokens.issued).toEqual(['tok-1']);
    const sent = waiting((error.request as { socket: { _pendingData: unknown } }).socket._pendingData);
    expect(sent).toMatch(/^POST \/orders HTTP\/1\.1\r\n/);
    expect(sent).toContain('\r\nAuthorization: [redacted]\r\n');
    expect(sent.endsWith(`\r\n\r\n${shown}`)).toBe(true);
    expect(sent).not.toContain('tok-1');
    expect(sent).not.toContain(Buffer.from(`u:${BATCH_PASSWORD}`).toString('base64'));
  });

  // An agent whose `maxSockets` is reached queues the call, and Node keeps the queued request's
  // options (headers and `auth`) on it for as long as it lives.
  const BASIC_PASSWORD = 'basic-pass-5c2f';
  /**
   * A call made while the agent's only socket is held by a request the server never answers: it
   * waits in the agent's queue and times out there. `check` sees its error; all is closed after.
   */
  async function timedOutInQueue(agent: http.Agent, options: Record<string, unknown>, check: (error: AxiosError) => void): Promise<void> {
    const held: http.ServerResponse[] = [];
    const server = await listenOnLoopback(http.createServer((_req, res) => held.push(res)));
    try {
      http.get(`${server.url}/busy`, { agent }).on('error', () => undefined);
      const m = make({ protectedBackends: [server.url] });
      const error = watch.collect(
        await m.client.get(`${server.url}/queued`, { ...options, httpAgent: agent, timeout: 100 }).catch((e: unknown) => e),
      ) as AxiosError;
      expect(error.code).toBe('ECONNABORTED');
      check(error);
    } finally {
      for (const res of held) res.end();
      agent.destroy();
      await server.close();
    }
  }

  it.each([
    ['a call with the token', {}, ['tok-1']],
    [
      "a call with axios's `auth` (the caller's Basic credentials)",
      { auth: { username: 'u', password: BASIC_PASSWORD } },
      [BASIC_PASSWORD, Buffer.from(`u:${BASIC_PASSWORD}`).toString('base64')],
    ],
  ])(
    '%s that times out waiting for a socket of its agent: the request shows its header block, and no rendering of the error its credential',
    async (_name, options, credentials) => {
      await timedOutInQueue(new http.Agent({ maxSockets: 1 }), options, (error) => {
        const request = error.request as { socket: unknown; outputData: unknown };
        expect(request.socket).toBeNull();
        const unsent = waiting(request.outputData);
        expect(unsent).toMatch(/^GET \/queued HTTP\/1\.1\r\n/);
        expect(unsent).toContain('\r\nAuthorization: [redacted]\r\n');
        const rendered = renderAll(error);
        for (const credential of credentials) expect(rendered).not.toContain(credential);
      });
    },
  );

  it('a response to a call that waited for a socket of its agent: the request it carries shows no token', async () => {
    const agent = new http.Agent({ maxSockets: 1 });
    try {
      const m = make();
      await m.authorization(); // both calls below then start in the same tick: the second waits
      const [first, second] = await Promise.all([
        m.client.get(`${backend.url}/a`, { httpAgent: agent }),
        m.client.get(`${backend.url}/b`, { httpAgent: agent }),
      ]);
      expect([first.status, second.status, backend.seen]).toEqual([200, 200, ['Bearer tok-1', 'Bearer tok-1']]);
      // The second one did wait: Node keeps the options of a queued request (and only of one).
      const queued = (request: object): boolean => Object.getOwnPropertySymbols(request).some((symbol) => symbol.description === 'requestOptions');
      expect([queued(first.request as object), queued(second.request as object)]).toEqual([false, true]);
      expect(renderAll(second.request)).not.toContain('tok-1');
    } finally {
      agent.destroy();
    }
  });

  // `maxTotalSockets` alone bounds an agent too (its `maxSockets` left at Infinity): a call waits
  // there the same way, and Node keeps the waiting request's options, headers and `auth` included,
  // for as long as the request lives when it never got a socket. Those options show in a log as the
  // call made them, the credentials alone replaced.
  it.each([
    ['the token', {}, ['tok-1'], undefined],
    [
      "axios's `auth` (the caller's Basic credentials)",
      { auth: { username: 'u', password: BASIC_PASSWORD } },
      [BASIC_PASSWORD, Buffer.from(`u:${BASIC_PASSWORD}`).toString('base64')],
      '[redacted]',
    ],
    ['no credential (`mcaAuth: false`)', { mcaAuth: false }, [], undefined],
  ])(
    'a call with %s that times out waiting under an agent bounded only by maxTotalSockets: no rendering of the error shows the credential, the rest of its options as made',
    async (_name, options, credentials, auth) => {
      await timedOutInQueue(new http.Agent({ maxTotalSockets: 1 }), options, (error) => {
        const rendered = renderAll(error);
        for (const credential of credentials) expect(rendered).not.toContain(credential);
        // It did wait in the agent's queue: Node keeps the options of a queued request (and only of one).
        const key = Object.getOwnPropertySymbols(error.request).find((symbol) => symbol.description === 'requestOptions');
        const kept = (error.request as Record<symbol, { headers?: Record<string, unknown>; auth?: unknown }>)[key!]!;
        expect(kept.auth).toBe(auth);
        expect(kept.headers).toMatchObject({ Accept: 'application/json, text/plain, */*', 'User-Agent': expect.stringMatching(/^axios\//) });
        expect(kept.headers?.Authorization).toBe('auth' in options || 'mcaAuth' in options ? undefined : '[redacted]');
      });
    },
  );
});
