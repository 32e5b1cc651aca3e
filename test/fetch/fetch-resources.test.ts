// What req.mcaFetch does with what it does not hand back (issue 22's mutation run found these
// unprotected): a response the caller never sees is cancelled, so its connection is freed; a
// caller's body stream that will not be sent in full is cancelled, so its source is closed; an
// error is handed back as it came, whatever its cause chain holds. Real servers on 127.0.0.1.
import http from 'node:http';
import { middlewareFixture } from '../helpers/middleware-fixture';
import { listenOnLoopback, type Loopback } from '../helpers/loopback';
import { waitFor } from '../helpers/wait';
import { startScriptedBackend } from '../client/scripted-backend';

const fixture = middlewareFixture(startScriptedBackend);
const { make, watch } = fixture;

/** The middleware built while `standIn` is the global fetch (`mw.fetch` sends with the one of that moment); the real one restored. */
function madeOver(standIn: typeof fetch): ReturnType<typeof make> {
  const real = globalThis.fetch;
  globalThis.fetch = standIn;
  try {
    return make();
  } finally {
    globalThis.fetch = real;
  }
}

/** What `sent` rejects with (collected for the leak check), or undefined if it resolves. */
const rejection = (sent: Promise<unknown>): Promise<Error | undefined> =>
  sent.then(
    () => undefined,
    (e: unknown) => watch.collect(e) as Error,
  );

/**
 * A back end whose redirect (`/endless-redirect`) and 401 (`/endless-401` to the first token)
 * bodies never end: only the client closing the connection ends them. `open` counts
 * those responses still open.
 */
async function startEndlessBackend(): Promise<Loopback & { open: () => number; seen: string[] }> {
  let open = 0;
  const seen: string[] = [];
  const server = http.createServer((req, res) => {
    const auth = req.headers.authorization ?? '';
    seen.push(`${req.url} ${auth}`);
    const endless = (status: number, headers: http.OutgoingHttpHeaders): void => {
      open++;
      res.on('close', () => open--);
      res.writeHead(status, headers);
      res.write('x'.repeat(1024)); // the head and a first chunk go out; the rest never comes
    };
    if (req.url === '/endless-redirect') return endless(302, { Location: '/done' });
    if (req.url === '/endless-401' && auth === 'Bearer tok-1') return endless(401, { 'WWW-Authenticate': 'Bearer' });
    res.writeHead(200, { 'Content-Type': 'text/plain' });
    res.end('done');
  });
  const loopback = await listenOnLoopback(server);
  return { ...loopback, open: () => open, seen };
}

describe('a response the caller never sees is cancelled: its connection is not held', () => {
  let endless: Awaited<ReturnType<typeof startEndlessBackend>>;
  beforeEach(async () => (endless = await startEndlessBackend()));
  afterEach(() => endless.close());

  it('a redirect whose body never ends: followed, and the redirect’s connection closed', async () => {
    const m = make({ protectedBackends: [endless.url] });
    const response = await m.fetch(`${endless.url}/endless-redirect`);
    expect([response.status, await response.text()]).toEqual([200, 'done']);
    await waitFor(() => endless.open() === 0, 5000);
  });

  it('redirect: "error" rejects as fetch does, and the redirect’s connection is closed', async () => {
    const m = make({ protectedBackends: [endless.url] });
    const error = await rejection(m.fetch(`${endless.url}/endless-redirect`, { redirect: 'error' }));
    expect(error).toBeInstanceOf(TypeError);
    await waitFor(() => endless.open() === 0, 5000);
  });

  it('a 401 replayed with a new token: the first 401’s connection is closed', async () => {
    const m = make({ protectedBackends: [endless.url] });
    const response = await m.fetch(`${endless.url}/endless-401`);
    expect([response.status, await response.text()]).toEqual([200, 'done']);
    expect(endless.seen).toEqual(['/endless-401 Bearer tok-1', '/endless-401 Bearer tok-2']);
    await waitFor(() => endless.open() === 0, 5000);
  });

  it('a HEAD through a redirect (a response with no body to cancel) is followed', async () => {
    const { backend } = fixture;
    const m = make();
    expect((await m.fetch(`${backend.url}/redirect?to=/ok`, { method: 'HEAD' })).status).toBe(200);
    expect(backend.hits.map((h) => [h.method, h.path])).toEqual([
      ['HEAD', '/redirect'],
      ['HEAD', '/ok'],
    ]);
  });

  it('a HEAD through a redirect with redirect: "error" rejects as fetch does: “unexpected redirect”', async () => {
    const { backend } = fixture;
    const m = make();
    const error = await rejection(m.fetch(`${backend.url}/redirect?to=/ok`, { method: 'HEAD', redirect: 'error' }));
    expect(error).toBeInstanceOf(TypeError);
    expect((error?.cause as Error).message).toBe('unexpected redirect');
  });
});

describe('a Request body over 1 MiB (sent as a stream once)', () => {
  it('a fetch of the caller’s that gives up on the body (cancels it) closes the caller’s source, with its reason', async () => {
    const { backend } = fixture;
    let cancelled: unknown = 'not cancelled';
    let produced = 0;
    const chunk = new Uint8Array(64 * 1024).fill(120);
    // A source as a file or socket stream would be: it produces while asked (up to 8 MiB), and
    // cancel() is what closes it.
    const source = new ReadableStream<Uint8Array>(
      {
        pull(controller) {
          produced += chunk.byteLength;
          controller.enqueue(chunk);
          if (produced >= 8 * 1024 * 1024) controller.close();
        },
        cancel(reason) {
          cancelled = reason;
        },
      },
      { highWaterMark: 0 },
    );
    // A circuit breaker of the application's, say: it sends nothing while open, and cancels the
    // body it will not send, as fetch's own contract asks of whoever takes a stream.
    const m = madeOver(async (_input, init) => {
      await (init?.body as ReadableStream).cancel('circuit open');
      throw new TypeError('circuit open');
    });
    const request = new Request(`${backend.url}/ok`, { method: 'POST', body: source, duplex: 'half' });
    const error = await rejection(m.fetch(request, { mcaAuth: false }));
    expect(error?.message).toBe('circuit open');
    expect(cancelled).toBe('circuit open');
    expect(produced).toBeLessThan(8 * 1024 * 1024); // read past 1 MiB, and no further than asked
    expect(produced).toBeGreaterThan(1024 * 1024);
  });
});

describe('an error is handed back as it came', () => {
  it('a fetch of the caller’s whose error has `cause: null`: that error, not a TypeError of the redaction', async () => {
    const { backend } = fixture;
    const failure = new TypeError('fetch failed (sent Bearer tok-1)', { cause: null });
    const m = madeOver(() => Promise.reject(failure));
    const error = await rejection(m.fetch(`${backend.url}/ok`));
    expect(error).toBe(failure);
    expect(failure.message).toBe('fetch failed (sent [redacted])');
    expect(failure.cause).toBeNull();
  });

  it('an error whose cause chain is five causes deep, each naming the header sent: every link redacted', async () => {
    const { backend } = fixture;
    let failure: Error | undefined;
    // A fetch wrapper of the application's that wraps each layer's failure in the next (retries,
    // tracing, a client library): the bottom one reports the header it sent.
    const m = madeOver((_input, init) => {
      const sent = new Headers(init?.headers).get('authorization') ?? 'none';
      failure = undefined;
      for (let depth = 5; depth >= 0; depth--) failure = new Error(`layer ${depth}: sent ${sent}`, { cause: failure });
      return Promise.reject(failure);
    });
    const error = await rejection(m.fetch(`${backend.url}/ok`));
    expect(error).toBe(failure);
    const messages: string[] = [];
    for (let link: unknown = error; link instanceof Error; link = link.cause) messages.push(link.message);
    expect(messages).toEqual([0, 1, 2, 3, 4, 5].map((depth) => `layer ${depth}: sent [redacted]`));
  });
});
