// protectedBackends entries with IBM Cloud IAM settings: an MCA/OAuth middleware whose entries call
// IAM-protected back ends (Cloudant, COS) with their own API key or trusted profile, and the other
// way round. Real parts: the OAuth token server, the IAM-compatible server of issue 14, and
// loopback back ends that check whose token they get; through req.mcaClient and req.mcaFetch.
import express from 'express';
import type { AddressInfo } from 'node:net';
import { mcaOAuth, type InvalidatedEvent, type McaOAuthMiddleware, type McaOAuthOptions, type TokenEvent } from '../../lib';
import { leakedSecrets, watchForLeaks } from '../helpers/leak-watch';
import { callThrough, type Transport as Kind } from '../helpers/both-transports';
import { startIamServer, type IamServer } from '../helpers/iam-server';
import { decodeClaims, startClaimsBackend, startClaimsTokenServer, type ClaimsBackend, type ClaimsTokenServer } from '../helpers/claims-token-server';

const MAIN_SECRET = 'main-s3cret-value';
const COS_KEY = 'cos-Key_0123456789abcdefghijklmnopqrstuvwxyzAB';
const DB_KEY = 'db-Key_zyxwvutsrqponmlkjihgfedcba9876543210XY';
let tokens: ClaimsTokenServer;
let iam: IamServer;
let orders: ClaimsBackend;
let cos: ClaimsBackend;
let db: ClaimsBackend;
let mw: McaOAuthMiddleware | undefined;
const secrets = (): string[] => [MAIN_SECRET, COS_KEY, DB_KEY, ...(tokens?.issued.map((t) => t.token) ?? []), ...(iam?.issued ?? [])];
const watch = watchForLeaks(secrets);
const iamIssued = (): { issued: { token: string }[] } => ({ issued: iam.issued.map((token) => ({ token })) });

beforeEach(async () => {
  tokens = await startClaimsTokenServer({ 'main-client': MAIN_SECRET });
  iam = await startIamServer({ apikeys: [COS_KEY, DB_KEY] });
  orders = await startClaimsBackend({ client: 'main-client' }, () => tokens);
  cos = await startClaimsBackend({ iam_id: 'iam-ServiceId-0' }, iamIssued);
  db = await startClaimsBackend({ iam_id: 'iam-ServiceId-1' }, iamIssued);
});
afterEach(async () => {
  await mw?.close();
  mw = undefined;
  await Promise.all([tokens, iam, orders, cos, db].map((s) => s.close()));
});

/** An MCA-style middleware (client id and secret); by default with two IAM back ends, each with its own API key. */
function make(protectedBackends?: McaOAuthOptions['protectedBackends'], extra: McaOAuthOptions = {}): McaOAuthMiddleware {
  mw = mcaOAuth({
    env: {},
    envFile: false,
    clientId: 'main-client',
    secret: MAIN_SECRET,
    tokenUrl: tokens.url,
    protectedBackends: protectedBackends ?? [
      orders.url,
      { match: `${cos.url}/`, apikey: COS_KEY, iamUrl: iam.url, name: 'cos' },
      { match: db.url, apikey: DB_KEY, iamUrl: iam.url, name: 'db' },
    ],
    ...extra,
  });
  return mw;
}

/** The API key each IAM request carried, by the key's name. */
function iamPosts(): string[] {
  return iam.requests.map((r) => {
    const key = new URLSearchParams(r.body).get('apikey');
    return key === COS_KEY ? 'cos' : key === DB_KEY ? 'db' : String(key);
  });
}

const call = callThrough(watch, secrets);

describe.each<Kind>(['axios', 'fetch'])('through %s', (kind) => {
  it('the MCA back end gets the middleware’s token, each IAM back end a token for its own API key', async () => {
    const m = make();
    const urls = [orders, cos, db].flatMap((b) => Array.from({ length: 5 }, (_, i) => `${b.url}/c${i}`));
    expect(await Promise.all(urls.map((u) => call(kind, m, u)))).toEqual(urls.map(() => 200));
    expect(orders.hits.map((h) => h.claims)).toEqual(Array.from({ length: 5 }, () => ({ client: 'main-client' })));
    expect(new Set(cos.hits.map((h) => h.claims?.iam_id))).toEqual(new Set(['iam-ServiceId-0']));
    expect(new Set(db.hits.map((h) => h.claims?.iam_id))).toEqual(new Set(['iam-ServiceId-1']));
    // One token request per token: each has its own single flight.
    expect(tokens.posts()).toBe(1);
    expect(iamPosts().sort()).toEqual(['cos', 'db']);
    expect(iam.requests.every((r) => r.headers.authorization === undefined)).toBe(true);
  });

  it('a 401 from one IAM back end drops and refetches only its token', async () => {
    const m = make();
    for (const b of [orders, cos, db]) expect(await call(kind, m, `${b.url}/warm`)).toBe(200);
    const invalidated: InvalidatedEvent[] = [];
    for (const p of m.backends.values()) p.on('invalidated', (e) => invalidated.push(e));
    const dbToken = db.hits[0]!.authorization!.slice(7);
    db.revoked.add(dbToken);
    expect(await call(kind, m, `${db.url}/again`)).toBe(200);
    expect(db.hits.map((h) => h.authorization === `Bearer ${dbToken}`)).toEqual([true, true, false]);
    expect(iamPosts()).toEqual(['cos', 'db', 'db']);
    expect(tokens.posts()).toBe(1);
    expect(invalidated).toEqual([{ reason: 'backend-401', backend: 'db' }]);
    expect(await call(kind, m, `${cos.url}/after`)).toBe(200);
    expect(cos.hits.at(-1)!.authorization).toBe(cos.hits[0]!.authorization);
  });

  // Trust is per entry (issue 21): each entry names the entries whose redirects it accepts.
  const accepting = (): McaOAuthOptions['protectedBackends'] => [
    { match: orders.url, name: 'orders', acceptRedirectsFrom: ['db'] },
    { match: `${cos.url}/`, apikey: COS_KEY, iamUrl: iam.url, name: 'cos', acceptRedirectsFrom: ['orders'] },
    { match: db.url, apikey: DB_KEY, iamUrl: iam.url, name: 'db' },
  ];

  it('a redirect from the MCA back end to an IAM back end that accepts it carries the IAM token, and back again the MCA one', async () => {
    const m = make(accepting());
    expect(await call(kind, m, `${orders.url}/redirect?to=${encodeURIComponent(`${cos.url}/landed`)}`)).toBe(200);
    expect(orders.hits.map((h) => h.claims)).toEqual([{ client: 'main-client' }]);
    expect(cos.hits.map((h) => [h.path, h.claims?.iam_id])).toEqual([['/landed', 'iam-ServiceId-0']]);
    expect(await call(kind, m, `${db.url}/redirect?to=${encodeURIComponent(`${orders.url}/back`)}`)).toBe(200);
    expect(db.hits.map((h) => h.claims?.iam_id)).toEqual(['iam-ServiceId-1']);
    expect(orders.hits.at(-1)).toMatchObject({ path: '/back', claims: { client: 'main-client' } });
    // No back end ever saw another's token.
    expect(cos.hits.concat(db.hits).some((h) => h.claims?.client !== undefined)).toBe(false);
  });

  it('a 401 from the IAM back end a redirect landed on refreshes its token, and the replay carries it', async () => {
    const m = make(accepting());
    expect(await call(kind, m, `${cos.url}/warm`)).toBe(200);
    cos.revoked.add(cos.hits[0]!.authorization!.slice(7));
    expect(await call(kind, m, `${orders.url}/redirect?to=${encodeURIComponent(`${cos.url}/landed`)}`)).toBe(200);
    const landed = cos.hits.filter((h) => h.path === '/landed').map((h) => h.authorization);
    expect(landed).toHaveLength(2);
    expect(landed[0]).not.toBe(landed[1]);
    // Only the hop that answered 401 is replayed (issue 21).
    expect(orders.hits.filter((h) => h.path === '/redirect')).toHaveLength(1);
    expect(iamPosts()).toEqual(['cos', 'cos']);
    expect(tokens.posts()).toBe(1);
  });
});

describe('an IAM entry whose key IAM does not know', () => {
  it.each<Kind>(['axios', 'fetch'])('%s: the call rejects with IAM’s reason and no key; the other back ends carry on', async (kind) => {
    const wrongKey = 'wrong-Key_0123456789abcdefghijklmnopqrstuv';
    const m = make([orders.url, { match: cos.url, apikey: wrongKey, iamUrl: iam.url, name: 'cos' }], { retries: 0 });
    const error = await call(kind, m, `${cos.url}/x`).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ERR_MCA_INVALID_CLIENT', errorCode: 'BXNIM0415E' });
    // Which key IAM refused: the entry's, not the middleware's (both may go to the same IAM).
    expect((error as Error).message).toContain('Check the API key (from `protectedBackends[1].apikey`)');
    expect(leakedSecrets(error, [wrongKey])).toEqual([]);
    expect(cos.hits).toEqual([]);
    expect(await call(kind, m, `${orders.url}/y`)).toBe(200);
  });
});

describe('the middleware is IAM, an entry has an OAuth client of its own', () => {
  it('each gets its own token; the entry inherits neither the API key nor IAM’s scope', async () => {
    mw = mcaOAuth({
      env: { MCA_APIKEY: COS_KEY, MCA_IAM_URL: iam.url, MCA_SCOPE: 'ibm openid' },
      envFile: false,
      protectedBackends: [cos.url, { match: orders.url, clientId: 'main-client', secret: MAIN_SECRET, tokenUrl: tokens.url, name: 'orders' }],
    });
    expect(await call('fetch', mw, `${cos.url}/x`)).toBe(200);
    expect(await call('axios', mw, `${orders.url}/y`)).toBe(200);
    expect(cos.hits.map((h) => h.claims?.iam_id)).toEqual(['iam-ServiceId-0']);
    expect(orders.hits.map((h) => h.claims)).toEqual([{ client: 'main-client' }]);
    expect(iam.requests.map((r) => new URLSearchParams(r.body).get('scope'))).toEqual(['ibm openid']);
    expect(mw.backends.get('default')!.tokenUrl).toBe(`${iam.url}/identity/token`);
    expect(mw.backends.get('orders')!.tokenUrl).toBe(tokens.url);
  });
});

describe('names, events and stats of IAM entries', () => {
  it('req.mcaAuth(name | url), req.mcaClient and req.mcaFetch in a route; events and stats by name', async () => {
    const m = make();
    const events: TokenEvent[] = [];
    for (const p of m.backends.values()) p.on('token', (e) => events.push(e));
    const app = express();
    app.use(m);
    app.get('/h', async (req, res) => {
      const headers = [await req.mcaAuth(), await req.mcaAuth('cos'), await req.mcaAuth(`${db.url}/x`)];
      const viaClient = await req.mcaClient.get(`${cos.url}/from-client`);
      const viaFetch = await req.mcaFetch(`${db.url}/from-fetch`);
      res.json({ claims: headers.map((h) => decodeClaims(h.slice(7))), statuses: [viaClient.status, viaFetch.status] });
    });
    const server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    try {
      const r = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/h`);
      const body = (await r.json()) as { claims: Record<string, unknown>[]; statuses: number[] };
      expect(body.claims.map((c) => c.client ?? c.iam_id)).toEqual(['main-client', 'iam-ServiceId-0', 'iam-ServiceId-1']);
      expect(body.statuses).toEqual([200, 200]);
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
    expect(cos.hits.map((h) => h.path)).toEqual(['/from-client']);
    expect(db.hits.map((h) => h.path)).toEqual(['/from-fetch']);
    expect(events.map((e) => e.backend)).toEqual([undefined, 'cos', 'db']);
    expect(Object.keys(m.stats())).toEqual(['default', 'cos', 'db']);
    expect([m.stats().cos!.fetches, m.stats().db!.fetches]).toEqual([1, 1]);
    // Each provider counts its own token, not the shared store's total: three tokens, three in all.
    expect(Object.values(m.stats()).map((s) => s.size)).toEqual([1, 1, 1]);
    // Two API keys, two cache keys, neither of which holds a key.
    const keys = ['default', 'cos', 'db'].map((n) => m.backends.get(n)!.cacheKey);
    expect(new Set(keys).size).toBe(3);
    for (const key of keys) expect(leakedSecrets(key, [COS_KEY, DB_KEY])).toEqual([]);
  });

  it('two entries with the same API key share one token; the same key with another scope does not', async () => {
    const m = make([
      { match: cos.url, apikey: COS_KEY, iamUrl: iam.url, name: 'cos' },
      { match: db.url, apikey: COS_KEY, iamUrl: iam.url, name: 'cos-too' },
      { match: orders.url, apikey: COS_KEY, iamUrl: iam.url, scope: 'ibm', name: 'cos-scoped' },
    ]);
    expect(m.backends.get('cos')).toBe(m.backends.get('cos-too'));
    expect(m.backends.get('cos-scoped')).not.toBe(m.backends.get('cos'));
    await Promise.all([m.authorization('cos'), m.authorization('cos-too'), m.authorization('cos-scoped')]);
    expect(iam.requests.map((r) => new URLSearchParams(r.body).get('scope'))).toEqual([null, 'ibm']);
  });
});
