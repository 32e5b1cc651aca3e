import { Readable } from 'node:stream';
import { mcaOAuth, type McaOAuthMiddleware } from '../../lib';
import { AXIOS_MAX_REDIRECTS, FETCH_MAX_REDIRECTS, MAX_REDIRECTS_CEILING, isReplayableBody, optedOut, redirectLimit } from '../../lib/outbound/call-rules';
import { startTokenServer, type TokenServer } from '../helpers/token-server';
import { startProtectedBackend, type ProtectedBackend } from '../helpers/protected-backend';

// The rules both transports apply to fill an OutboundCall (issue 23): one place, one answer.

async function* chunks(): AsyncGenerator<Uint8Array> {
  yield new TextEncoder().encode('hello');
}

describe('isReplayableBody: anything but a stream can be sent twice', () => {
  it.each<[string, () => unknown]>([
    ['no body', () => undefined],
    ['null', () => null],
    ['a string', () => '{"a":1}'],
    ['a number (sent as its text)', () => 42],
    ['a Buffer', () => Buffer.from('x')],
    ['a Uint8Array', () => new Uint8Array([1, 2])],
    ['an ArrayBuffer', () => new ArrayBuffer(4)],
    ['URLSearchParams', () => new URLSearchParams({ a: '1' })],
    ['a Blob', () => new Blob(['x'])],
    ['native FormData', () => new FormData()],
    ['a plain object (sent as its text, or JSON by axios)', () => ({ a: 1 })],
  ])('%s: replayable', (_name, body) => {
    expect(isReplayableBody(body())).toBe(true);
  });

  it.each<[string, () => unknown]>([
    ['a Node stream', () => Readable.from(['x'])],
    ['a form-data style stream (pipe only)', () => ({ pipe: () => undefined })],
    ['a web ReadableStream', () => new ReadableStream()],
    // A ReadableStream of a polyfill or another realm may have no async iteration: `getReader` tells.
    ['a web stream with no async iteration (getReader only)', () => ({ getReader: () => undefined })],
    ['an async iterable (fetch reads it as a stream)', () => chunks()],
  ])('%s: not replayable', (_name, body) => {
    expect(isReplayableBody(body())).toBe(false);
  });
});

describe('redirect limits', () => {
  it('each transport keeps its own library’s default: axios (follow-redirects) 21, the Fetch standard 20', () => {
    expect([AXIOS_MAX_REDIRECTS, FETCH_MAX_REDIRECTS]).toEqual([21, 20]);
  });

  it.each<[unknown, number]>([
    [0, 0],
    [5, 5],
    [MAX_REDIRECTS_CEILING + 1, MAX_REDIRECTS_CEILING],
    [Number.POSITIVE_INFINITY, MAX_REDIRECTS_CEILING],
    [-1, AXIOS_MAX_REDIRECTS],
    ['5', AXIOS_MAX_REDIRECTS],
    [undefined, AXIOS_MAX_REDIRECTS],
    [Number.NaN, AXIOS_MAX_REDIRECTS],
  ])('maxRedirects %p follows %p', (asked, limit) => {
    expect(redirectLimit(asked, AXIOS_MAX_REDIRECTS)).toBe(limit);
  });
});

describe('optedOut', () => {
  it.each<[unknown, boolean, boolean]>([
    [undefined, false, false],
    [true, false, false],
    ['false', false, false],
    [false, false, true],
    [undefined, true, true],
    [true, true, true],
  ])('mcaAuth %p, own credential %p: %p', (mcaAuth, own, expected) => {
    expect(optedOut(mcaAuth, own)).toBe(expected);
  });
});

describe('the divergence fixed: an async iterable body through axios’s fetch adapter', () => {
  let tokens: TokenServer;
  let home: ProtectedBackend;
  let m: McaOAuthMiddleware | undefined;
  beforeEach(async () => {
    tokens = await startTokenServer();
    home = await startProtectedBackend(() => tokens.issued);
  });
  afterEach(async () => {
    await m?.close();
    await Promise.all([tokens.close(), home.close()]);
  });

  it('is a stream, as fetch reads it: a 401 is not replayed with the iterable spent', async () => {
    m = mcaOAuth({
      env: { MCA_CLIENT_ID: 'client-1', MCA_SECRET: 's3cr3t-value', MCA_TENANT_ID: 'tenant-1', MCA_SERVER_URL: tokens.serverUrl },
      envFile: false,
      axios: { adapter: 'fetch' },
    });
    home.script.push(401);
    const response = await m.client.post(`${home.url}/upload`, chunks(), {
      // Passed through as it is (axios's own transform would JSON-encode it).
      transformRequest: [(data: unknown) => data],
      headers: { 'Content-Type': 'application/octet-stream' },
      validateStatus: null,
    });
    expect(response.status).toBe(401);
    expect(home.seen).toEqual(['Bearer tok-1']);
  });
});
