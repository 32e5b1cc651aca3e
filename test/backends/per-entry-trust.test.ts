// Issue 21, rows 1 and 2: trust is per protectedBackends entry, and a 401 replays only the hop
// that answered it. A partner API (low-privilege token) answers a POST with a 307 into an admin API
// (high-privilege token), through req.mcaClient (axios) and req.mcaFetch (fetch), on loopback.
import { Readable } from 'node:stream';
import { mcaOAuth, type McaOAuthMiddleware, type McaOAuthOptions } from '../../lib';
import type { Transport as Kind } from '../helpers/both-transports';
import { startClaimsBackend, startClaimsTokenServer, type ClaimsBackend, type ClaimsTokenServer } from '../helpers/claims-token-server';

const SECRET = 'main-s3cret-value';
let tokens: ClaimsTokenServer;
let partner: ClaimsBackend;
let admin: ClaimsBackend;
let mw: McaOAuthMiddleware | undefined;

beforeEach(async () => {
  tokens = await startClaimsTokenServer({ 'main-client': SECRET });
  partner = await startClaimsBackend({ audience: 'partner-api' }, () => tokens);
  admin = await startClaimsBackend({ audience: 'admin-api' }, () => tokens);
});
afterEach(async () => {
  await mw?.close();
  mw = undefined;
  await Promise.all([tokens, partner, admin].map((s) => s.close()));
});

function make(adminEntry: Record<string, unknown> = {}, extra: McaOAuthOptions = {}): McaOAuthMiddleware {
  mw = mcaOAuth({
    env: {},
    envFile: false,
    clientId: 'main-client',
    secret: SECRET,
    tokenUrl: tokens.url,
    protectedBackends: [
      { match: partner.url, audience: 'partner-api', name: 'partner' },
      { match: admin.url, audience: 'admin-api', name: 'admin', ...adminEntry },
    ],
    ...extra,
  });
  return mw;
}

/** A POST with a JSON body through either transport; resolves to the status the caller saw. */
async function post(kind: Kind, m: McaOAuthMiddleware, url: string, body: unknown = { op: 'x' }): Promise<number> {
  if (kind === 'axios') return (await m.client.post(url, body, { validateStatus: () => true })).status;
  const init: RequestInit & { duplex?: 'half' } = { method: 'POST', headers: { 'Content-Type': 'application/json' } };
  init.body = body instanceof ReadableStream ? body : JSON.stringify(body);
  if (body instanceof ReadableStream) init.duplex = 'half';
  const response = await m.fetch(url, init);
  await response.arrayBuffer();
  return response.status;
}

const into = (path: string): string => `${partner.url}/redirect?status=307&to=${encodeURIComponent(`${admin.url}${path}`)}`;

describe.each<Kind>(['axios', 'fetch'])('through %s', (kind) => {
  it('row 1: a redirect from one entry into another carries no token', async () => {
    const m = make();
    expect(await post(kind, m, into('/admin/users/delete-all'))).toBe(401);
    expect(partner.hits.map((h) => [h.method, h.claims?.audience])).toEqual([['POST', 'partner-api']]);
    // The admin API saw the call the partner chose, but never the admin token.
    expect(admin.hits.map((h) => [h.method, h.path, h.authorization])).toEqual([['POST', '/admin/users/delete-all', undefined]]);
    expect(tokens.posts({ audience: 'admin-api' })).toBe(0);
  });

  it('row 1: the target entry that names the source in acceptRedirectsFrom gets its own token', async () => {
    const m = make({ acceptRedirectsFrom: ['partner'] });
    expect(await post(kind, m, into('/landed'))).toBe(200);
    expect(admin.hits.map((h) => [h.method, h.path, h.claims?.audience, h.body])).toEqual([['POST', '/landed', 'admin-api', '{"op":"x"}']]);
  });

  it('row 1: within one entry nothing changes', async () => {
    const m = make();
    expect(await post(kind, m, `${admin.url}/redirect?status=307&to=/inside`)).toBe(200);
    expect(admin.hits.map((h) => [h.path, h.claims?.audience])).toEqual([
      ['/redirect', 'admin-api'],
      ['/inside', 'admin-api'],
    ]);
  });

  it('row 2: a 401 replays the hop that answered it, never an earlier hop', async () => {
    const m = make({ acceptRedirectsFrom: ['partner'] });
    expect(await post(kind, m, `${admin.url}/warm`)).toBe(200);
    admin.revoked.add(admin.hits[0]!.authorization!.slice(7));
    expect(await post(kind, m, into('/landed'))).toBe(200);
    // The partner got the POST once; the admin API got the first 401 and the replay.
    expect(partner.hits.map((h) => [h.method, h.path])).toEqual([['POST', '/redirect']]);
    const landed = admin.hits.filter((h) => h.path === '/landed');
    expect(landed.map((h) => [h.method, h.body])).toEqual([
      ['POST', '{"op":"x"}'],
      ['POST', '{"op":"x"}'],
    ]);
    expect(landed[0]!.authorization).not.toBe(landed[1]!.authorization);
  });

  it('row 2: when the hop that answered 401 cannot send its body again, the 401 goes back to the caller', async () => {
    const m = make();
    expect(await post(kind, m, `${admin.url}/warm`)).toBe(200);
    admin.revoked.add(admin.hits[0]!.authorization!.slice(7));
    const stream =
      kind === 'axios'
        ? Readable.from([Buffer.from('{"op":"x"}')])
        : new ReadableStream<Uint8Array>({ start: (c) => (c.enqueue(new TextEncoder().encode('{"op":"x"}')), c.close()) });
    expect(await post(kind, m, `${admin.url}/streamed`, stream)).toBe(401);
    expect(admin.hits.filter((h) => h.path === '/streamed')).toHaveLength(1);
  });
});

describe('acceptRedirectsFrom is checked at startup', () => {
  it.each<[string, unknown, string]>([
    ["'*'", ['*'], "`'*'` is not allowed"],
    ['a name no entry has', ['partnr'], '"partnr" is not the `name` of any entry'],
    ['its own name', ['admin'], 'it names this entry itself'],
    ['not an array', 'partner', 'it must be an array'],
    ['a non-string', [42], 'each item must be the `name` of another entry'],
  ])('%s is refused, naming the field', (_name, value, message) => {
    let error: unknown;
    try {
      make({ acceptRedirectsFrom: value });
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ code: 'ERR_MCA_INVALID_ACCEPT_REDIRECTS_FROM', field: 'protectedBackends[1].acceptRedirectsFrom' });
    expect((error as Error).message).toContain(message);
  });
});
