// DEBUG=express-mca-oauth:route: a call (or redirect hop) that goes out with no token says why, with
// the host and path but never the query, userinfo or a token. Through req.mcaClient and
// req.mcaFetch, against loopback servers.
import { format } from 'node:util';
import createDebug from 'debug';
import { mcaOAuth, type McaOAuthMiddleware } from '../../lib';
import { BackendRoutes } from '../../lib/outbound/backend-routes';
import { compileBackendEntry } from '../../lib/outbound/backend-matcher';
import type { TokenTarget } from '../../lib/outbound/token-target';
import type { Transport as Kind } from '../helpers/both-transports';
import { startClaimsBackend, startClaimsTokenServer, type ClaimsBackend, type ClaimsTokenServer } from '../helpers/claims-token-server';

const SECRET = 'route-debug-s3cret';
let tokens: ClaimsTokenServer;
let partner: ClaimsBackend;
let admin: ClaimsBackend;
let mw: McaOAuthMiddleware | undefined;
let lines: string[];
const originalLog = createDebug.log;

beforeEach(async () => {
  tokens = await startClaimsTokenServer({ 'main-client': SECRET });
  partner = await startClaimsBackend({ audience: 'partner-api' }, () => tokens);
  admin = await startClaimsBackend({ audience: 'admin-api' }, () => tokens);
  lines = [];
  createDebug.log = (...args: unknown[]) => void lines.push(format(...args));
  createDebug.enable('express-mca-oauth:route');
});
afterEach(async () => {
  createDebug.disable();
  createDebug.log = originalLog;
  await mw?.close();
  mw = undefined;
  await Promise.all([tokens, partner, admin].map((s) => s.close()));
});

function make(): McaOAuthMiddleware {
  mw = mcaOAuth({
    env: {},
    envFile: false,
    clientId: 'main-client',
    secret: SECRET,
    tokenUrl: tokens.url,
    protectedBackends: [
      { match: partner.url, audience: 'partner-api', name: 'partner' },
      { match: admin.url, audience: 'admin-api', name: 'admin' },
    ],
  });
  return mw;
}

async function get(kind: Kind, m: McaOAuthMiddleware, url: string, headers: Record<string, string> = {}): Promise<number> {
  if (kind === 'axios') return (await m.client.get(url, { headers, validateStatus: () => true })).status;
  const response = await m.fetch(url, { headers });
  await response.arrayBuffer();
  return response.status;
}

const noSecrets = (): void => {
  const all = lines.join('\n');
  for (const secret of [SECRET, ...tokens.issued.map((i) => i.token)]) expect(all).not.toContain(secret);
};

describe.each<Kind>(['axios', 'fetch'])('through %s', (kind) => {
  it('a URL off the allowlist: one line, with the host and path, not the query', async () => {
    const m = make();
    await get(kind, m, `${tokens.url.replace(/\/token$/, '')}/public/x?api_key=k3y-in-query`);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(
      `express-mca-oauth:route call GET ${tokens.url.replace(/\/token$/, '')}/public/x: no token: not on the allowlist (no protectedBackends entry matches it)`,
    );
    expect(lines[0]).not.toContain('k3y-in-query');
    noSecrets();
  });

  it('a call with its own Authorization: it opted out', async () => {
    await get(kind, make(), `${partner.url}/x`, { Authorization: 'Bearer callers-own' });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`call GET ${partner.url}/x: no token: the call opted out`);
    expect(lines[0]).not.toContain('callers-own');
  });

  it('a redirect into an entry that does not accept it, and every hop after it', async () => {
    const m = make();
    const back = `${partner.url}/redirect?status=302&to=${encodeURIComponent(`${partner.url}/after`)}`;
    const into = `${partner.url}/redirect?status=302&to=${encodeURIComponent(`${admin.url}/redirect?status=302&to=${encodeURIComponent(back)}`)}`;
    await get(kind, m, into);
    expect(lines[0]).toContain(`redirect hop GET ${admin.url}/redirect: no token: a redirect into admin, which does not accept redirects`);
    expect(lines[1]).toContain(`redirect hop GET ${partner.url}/redirect: no token: an earlier hop went where no token goes`);
    expect(lines).toHaveLength(3);
    noSecrets();
  });

  it('a call redirected twice within its entry: the token on every hop, and no line', async () => {
    const m = make();
    const second = `${partner.url}/redirect?status=302&to=${encodeURIComponent(`${partner.url}/after`)}`;
    expect(await get(kind, m, `${partner.url}/redirect?status=302&to=${encodeURIComponent(second)}`)).toBe(200);
    expect(partner.hits.map((h) => [h.path, h.claims?.audience])).toEqual([
      ['/redirect', 'partner-api'],
      ['/redirect', 'partner-api'],
      ['/after', 'partner-api'],
    ]);
    expect(lines).toEqual([]);
  });

  it('without protectedBackends, a redirect to another origin: the token stays on the first request’s origin', async () => {
    mw = mcaOAuth({ env: {}, envFile: false, clientId: 'main-client', secret: SECRET, tokenUrl: tokens.url });
    await get(kind, mw, `${partner.url}/redirect?status=302&to=${encodeURIComponent(`${admin.url}/after?k=k3y-in-query`)}`);
    expect(admin.hits.map((h) => h.authorization)).toStrictEqual([undefined]);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`redirect hop GET ${admin.url}/after: no token: without protectedBackends the token stays on the first request's origin`);
    expect(lines[0]).not.toContain('k3y-in-query');
    noSecrets();
  });

  it('without protectedBackends, a redirect on the same origin to a URL with userinfo: that is the reason given', async () => {
    mw = mcaOAuth({ env: {}, envFile: false, clientId: 'main-client', secret: SECRET, tokenUrl: tokens.url });
    const withUserinfo = partner.url.replace('http://', 'http://someone:pw@');
    // fetch then refuses to send a URL with credentials (a TypeError); the line was written before.
    const sent = get(kind, mw, `${partner.url}/redirect?status=302&to=${encodeURIComponent(`${withUserinfo}/after`)}`);
    if (kind === 'fetch') await expect(sent).rejects.toMatchObject({ name: 'TypeError' });
    else expect(await sent).toBe(401);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`redirect hop GET ${partner.url}/after: no token: the URL has userinfo`);
    expect(lines[0]).not.toContain('someone');
  });

  it('calls that get their token log nothing', async () => {
    await get(kind, make(), `${partner.url}/x`);
    expect(lines).toEqual([]);
  });
});

describe('the reasons, decided as the routes decide', () => {
  const target = { name: 'default' } as TokenTarget;
  const routes = (allowInsecureHttp: boolean) =>
    new BackendRoutes(
      [{ matcher: compileBackendEntry('https://orders.example.com/api/', 0, false), target, index: 0, acceptsFrom: new Set<number>(), label: 'orders' }],
      target,
      allowInsecureHttp,
    );
  it.each([
    ['http://orders.apps.internal:8080/api/x', false, /^plain http: to a host other than loopback \(to allow it, set allowInsecureHttp/],
    ['https://user@orders.example.com/api/x', false, /^the URL has userinfo/],
    ['https:user:pw@orders.example.com/api/x', false, /^the URL has userinfo/],
    ['https://orders.example.com/api/..%2fadmin', false, /^its path hides a traversal/],
    ['https://orders.example.com/other', false, /^not on the allowlist/],
    ['http://orders.apps.internal:8080/api/x', true, /^not on the allowlist/],
    ['/relative', false, /^the URL is not absolute/],
    ['ftp://orders.example.com/api/x', false, /^the scheme ftp: never gets a token/],
  ])('%s (allowInsecureHttp %s)', (url, insecure, why) => {
    const r = routes(insecure);
    expect(r.route(url)).toBeUndefined();
    expect(r.explain(url)).toMatch(why);
  });
});

// What the URL parses to decides, not its spelling: a tab in the scheme is stripped by WHATWG (and by
// axios's http adapter, which then sends the userinfo as Basic), so `ht\ttp://u@host` has a user name
// that the userinfo pattern on the text does not see.
describe('userinfo, and a URL that does not parse, through axios', () => {
  const basic = (userinfo: string) => `Basic ${Buffer.from(userinfo).toString('base64')}`;
  it.each([
    ['a user name and no password, behind a tab in the scheme', 'ht\ttp://svc-user@', basic('svc-user:')],
    ['a password and no user name, behind a tab in the scheme', 'ht\ttp://:pw-41c7@', basic(':pw-41c7')],
    // `http://@host` parses to no userinfo at all, but it is spelled with one: refused on the text.
    ['an empty userinfo (an @ alone)', 'http://@', undefined],
  ])('%s: the back end sees no token, and the line says it is the userinfo, without it', async (_form, prefix, sent) => {
    const m = make();
    const response = await m.client.get(`${partner.url.replace('http://', prefix)}/x`, { validateStatus: () => true });
    expect(response.status).toBe(401);
    expect(partner.hits.map((hit) => hit.authorization)).toEqual([sent]);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(
      `call GET ${partner.url}/x: no token: the URL has userinfo (user@ or user:password@), which the HTTP client sends as its own Basic credentials`,
    );
    expect(lines[0]).not.toContain('svc-user');
    expect(lines[0]).not.toContain('pw-41c7');
    noSecrets();
  });

  it('a relative URL with no baseURL: the line names it as a URL that does not parse', async () => {
    const m = make();
    await expect(m.client.get('/orders/x?api_key=k3y-in-query')).rejects.toThrow();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('call GET (a URL that does not parse): no token: the URL is not absolute');
    expect(lines[0]).not.toContain('k3y-in-query');
    expect(tokens.issued).toHaveLength(0);
  });
});
