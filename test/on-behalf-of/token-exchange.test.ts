// Issue 26, part 1: calls on behalf of the end user. The incoming request's bearer token is
// exchanged (RFC 8693, or Entra's on-behalf-of) at a real token server on loopback that checks
// every field, and the back end learns from the token it receives whom it was minted for.
import { createHash } from 'node:crypto';
import express from 'express';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { MemoryTokenStore, mcaOAuth, type StoredToken, type McaOAuthMiddleware, type McaOAuthOptions } from '../../lib';
import { inspect } from 'node:util';
import { leakedSecrets } from '../helpers/leak-watch';
import {
  ACCESS_TOKEN,
  JWT_BEARER,
  TOKEN_EXCHANGE,
  startExchangeServer,
  startUserBackend,
  subjectToken,
  type ExchangeServer,
  CLIENT,
  ownClientOptions,
} from '../helpers/exchange-server';

const START = Date.UTC(2026, 0, 1);
let clock = START;
let server: ExchangeServer;
let backend: Awaited<ReturnType<typeof startUserBackend>>;
let mw: McaOAuthMiddleware | undefined;
let app: { url: string; close(): Promise<void> } | undefined;
const errors: unknown[] = [];
const users = ['alice', 'bob', 'carol', 'dave'] as const;
const tokenOf: Record<string, string> = {};

// Routes wait here until this many requests have reached them: every call then starts after every
// request's middleware ran, as when routes await a database before calling the back end.
let gateSize = 1;
let waiting: (() => void)[] = [];
function gate(): Promise<void> {
  return new Promise((resolve) => {
    waiting.push(resolve);
    if (waiting.length >= gateSize) for (const go of waiting.splice(0)) go();
  });
}

const secrets = (): string[] => [CLIENT.secret, ...Object.values(tokenOf), ...server.minted.keys(), 'revoked-subject-token'];

beforeEach(async () => {
  clock = START;
  errors.length = 0;
  gateSize = 1;
  waiting = [];
  server = await startExchangeServer(CLIENT, { audience: 'orders-api', scope: 'orders.read' });
  backend = await startUserBackend(server);
  for (const user of users) {
    tokenOf[user] = subjectToken(user, START / 1000 + 3600);
    server.subjects.set(tokenOf[user], user);
  }
});
afterEach(async () => {
  await app?.close();
  await mw?.close();
  app = undefined;
  mw = undefined;
  await backend.close();
  await server.close();
  for (const error of errors) expect(leakedSecrets(error, secrets())).toEqual([]);
});

function options(extra: Partial<McaOAuthOptions> = {}, orders: Record<string, unknown> = {}): McaOAuthOptions {
  return {
    ...ownClientOptions(server),
    now: () => clock,
    protectedBackends: [
      { match: `${backend.url}/orders`, name: 'orders', onBehalfOf: true, audience: 'orders-api', scope: 'orders.read', ...orders },
      { match: `${backend.url}/app`, name: 'app' },
    ],
    ...extra,
  };
}

/** An Express app behind the middleware: each route calls the back end through one transport. */
async function startApp(opts: McaOAuthOptions): Promise<{ url: string; close(): Promise<void> }> {
  mw = mcaOAuth(opts);
  const web = express();
  web.use(mw);
  const target = (path: unknown): string => `${backend.url}${typeof path === 'string' ? path : '/orders/list'}`;
  web.get('/axios', async (req, res, next) => {
    try {
      await gate();
      res.json((await req.mcaClient.get(target(req.query.path))).data);
    } catch (error) {
      next(error);
    }
  });
  web.get('/fetch', async (req, res, next) => {
    try {
      await gate();
      const answer = await req.mcaFetch(target(req.query.path));
      res.status(answer.status).json(answer.ok ? await answer.json() : {});
    } catch (error) {
      next(error);
    }
  });
  web.get('/auth', async (req, res, next) => {
    try {
      const header = await req.mcaAuth('orders');
      res.json({ minted: server.minted.get(header.slice('Bearer '.length)) });
    } catch (error) {
      next(error);
    }
  });
  // A body parser mounted after the middleware: the route runs from the request stream's 'end'.
  web.post('/posted', express.json(), async (req, res, next) => {
    try {
      res.json((await req.mcaClient.post(target('/orders/new'), req.body)).data);
    } catch (error) {
      next(error);
    }
  });
  web.get('/mixed', async (req, res, next) => {
    try {
      const [orders, own] = await Promise.all([req.mcaClient.get(target('/orders/a')), req.mcaFetch(target('/app/b')).then((r) => r.json())]);
      res.json({ orders: orders.data, own });
    } catch (error) {
      next(error);
    }
  });
  web.use((error: { status?: number; code?: string }, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
    errors.push(error);
    res.status(error.status ?? 500).json({ code: error.code, status: (error as { tokenEndpointStatus?: number }).tokenEndpointStatus });
  });
  const listening: Server = await new Promise((resolve) => {
    const s = web.listen(0, '127.0.0.1', () => resolve(s));
  });
  const url = `http://127.0.0.1:${(listening.address() as AddressInfo).port}`;
  return {
    url,
    close: async () => {
      listening.closeAllConnections();
      await new Promise((resolve) => listening.close(resolve));
    },
  };
}

async function get(path: string, authorization?: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${app!.url}${path}`, { headers: authorization === undefined ? {} : { authorization } });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

const exchanges = (): number => server.requests.filter((r) => r.form.grant_type !== 'client_credentials').length;

it('two users at the same moment, through req.mcaClient and req.mcaFetch: each back-end call carries a token minted for its own user', async () => {
  app = await startApp(options());
  // No route calls before all four requests reached it, and the token server answers no exchange
  // until all four are pending: the calls overlap.
  gateSize = 4;
  server.barrier = 4;
  const answers = await Promise.all(
    users.map((user, i) => get(`/${i % 2 === 0 ? 'axios' : 'fetch'}`, `Bearer ${tokenOf[user]}`).then((a) => ({ user, ...a }))),
  );
  for (const { user, status, body } of answers) {
    expect(status).toBe(200);
    expect(body).toMatchObject({ user, audience: 'orders-api', grant: 'token-exchange' });
  }
  // Every field of every exchange, and the entry's client authentication.
  expect(exchanges()).toBe(4);
  for (const request of server.requests) {
    expect(request.authorization).toBe(`Basic ${Buffer.from(`${CLIENT.id}:${CLIENT.secret}`).toString('base64')}`);
    expect(request.order[0]).toBe('grant_type');
    expect(request.form).toEqual({
      grant_type: TOKEN_EXCHANGE,
      subject_token: expect.stringMatching(/^ey/),
      subject_token_type: ACCESS_TOKEN,
      audience: 'orders-api',
      scope: 'orders.read',
    });
  }
  expect(server.requests.map((r) => r.form.subject_token).sort()).toEqual(users.map((u) => tokenOf[u]).sort());
  // The back end never saw a user's own token, nor the app's.
  for (const seen of backend.seen) expect(server.minted.get(seen!.slice(7))?.grant).toBe('token-exchange');
});

it('caches per user: one exchange per user and back end, never shared, and no longer than the subject token lives', async () => {
  tokenOf.erin = subjectToken('erin', START / 1000 + 120);
  server.subjects.set(tokenOf.erin, 'erin');
  app = await startApp(options());
  expect((await get('/axios', `Bearer ${tokenOf.alice}`)).body.user).toBe('alice');
  expect((await get('/fetch', `Bearer ${tokenOf.alice}`)).body.user).toBe('alice');
  expect(exchanges()).toBe(1);
  expect((await get('/axios', `Bearer ${tokenOf.bob}`)).body.user).toBe('bob');
  expect(exchanges()).toBe(2);
  // Erin's own token ends in 120 s: her exchanged token (3600 s) is kept less than that.
  expect((await get('/axios', `Bearer ${tokenOf.erin}`)).body.user).toBe('erin');
  clock = START + 59_000;
  expect((await get('/axios', `Bearer ${tokenOf.erin}`)).body.user).toBe('erin');
  expect((await get('/axios', `Bearer ${tokenOf.alice}`)).body.user).toBe('alice');
  expect(exchanges()).toBe(3);
  clock = START + 61_000;
  expect((await get('/axios', `Bearer ${tokenOf.erin}`)).body.user).toBe('erin');
  expect((await get('/axios', `Bearer ${tokenOf.alice}`)).body.user).toBe('alice');
  expect(exchanges()).toBe(4);
  // Past the issued token's own lifetime less the skew: exchanged again.
  clock = START + 3_541_000;
  expect((await get('/axios', `Bearer ${tokenOf.alice}`)).body.user).toBe('alice');
  expect(exchanges()).toBe(5);
  expect(mw!.stats().orders).toMatchObject({ fetches: 5, failures: 0 });
  // The middleware, its providers and their caches render no user token and no exchanged token.
  expect(leakedSecrets(mw, secrets())).toEqual([]);
  expect(inspect(mw!.backends.get('orders'), { depth: Infinity, showHidden: true })).not.toMatch(/minted-|eyJ/);
});

it('exchanged tokens are never written to the store (the fleet store), only the app token is', async () => {
  const store = new MemoryTokenStore({ maxSize: 10 });
  const written: string[] = [];
  const set = store.set.bind(store);
  store.set = (key: string, token: StoredToken): void => {
    written.push(token.accessToken);
    set(key, token);
  };
  app = await startApp(options({ store }));
  expect((await get('/mixed', `Bearer ${tokenOf.alice}`)).body).toMatchObject({ orders: { user: 'alice' }, own: { user: 'app' } });
  expect(written.map((token) => server.minted.get(token)?.user)).toEqual(['app']);
});

it('the cache is bounded by onBehalfOfCacheSize (least recently used users evicted)', async () => {
  const many = ['u1', 'u2', 'u3', 'u4', 'u5', 'u6'];
  for (const user of many) {
    tokenOf[user] = subjectToken(user, START / 1000 + 3600);
    server.subjects.set(tokenOf[user], user);
  }
  app = await startApp(options({ onBehalfOfCacheSize: 2 }));
  for (const user of many) expect((await get('/axios', `Bearer ${tokenOf[user]}`)).body.user).toBe(user);
  expect(mw!.stats().orders!.size).toBeLessThanOrEqual(2);
  await get('/axios', `Bearer ${tokenOf.u6}`);
  expect(exchanges()).toBe(6);
  await get('/axios', `Bearer ${tokenOf.u1}`);
  expect(exchanges()).toBe(7);
});

it.each(['axios', 'fetch'])(
  'a refused exchange (%s): ERR_MCA_TOKEN_EXCHANGE_REFUSED, nothing sent to the back end, the refusal remembered for failureCooldownMs',
  async (route) => {
    app = await startApp(options({ failureCooldownMs: 10_000 }));
    const answer = await get(`/${route}`, 'Bearer revoked-subject-token');
    expect(answer).toEqual({ status: 503, body: { code: 'ERR_MCA_TOKEN_EXCHANGE_REFUSED', status: 400 } });
    expect(errors[0]).toMatchObject({ name: 'McaTokenError', code: 'ERR_MCA_TOKEN_EXCHANGE_REFUSED', oauthError: 'invalid_grant', tokenEndpointStatus: 400 });
    // The server echoed the subject token in its answer: the error keeps no raw answer at all.
    expect((errors[0] as { response?: unknown }).response).toBeUndefined();
    expect(backend.seen).toEqual([]);
    await get(`/${route}`, 'Bearer revoked-subject-token');
    expect(exchanges()).toBe(1);
    // Another user is not affected by the refusal.
    expect((await get(`/${route}`, `Bearer ${tokenOf.bob}`)).body.user).toBe('bob');
  },
);

it.each<[string, string | undefined]>([
  ['no Authorization', undefined],
  ['Basic credentials', 'Basic YWxpY2U6cGFzc3dvcmQ='],
  ['"Bearer" alone', 'Bearer'],
  ['a token with a space in it', 'Bearer abc def'],
  ['a DPoP-bound token', 'DPoP abc'],
  ['a token over 8 KiB', `Bearer ${'a'.repeat(9000)}`],
])('a request with %s: ERR_MCA_NO_SUBJECT_TOKEN (401), no exchange, nothing sent, through both transports', async (_name, header) => {
  app = await startApp(options());
  for (const route of ['axios', 'fetch', 'auth']) {
    expect(await get(`/${route}`, header)).toEqual({ status: 401, body: { code: 'ERR_MCA_NO_SUBJECT_TOKEN' } });
  }
  expect(errors).toHaveLength(3);
  for (const error of errors) expect(error).toMatchObject({ name: 'McaSubjectTokenError', code: 'ERR_MCA_NO_SUBJECT_TOKEN', status: 401 });
  expect(server.requests).toEqual([]);
  expect(backend.seen).toEqual([]);
});

it('outside a request the middleware serves, a call on behalf of the user fails closed: never the app token', async () => {
  app = await startApp(options());
  const viaClient = await mw!.client.get(`${backend.url}/orders/x`).catch((error: unknown) => error);
  const viaFetch = await mw!.fetch(`${backend.url}/orders/x`).catch((error: unknown) => error);
  const viaAuth = await mw!.authorization('orders').catch((error: unknown) => error);
  for (const error of [viaClient, viaFetch, viaAuth]) {
    errors.push(error);
    expect(error).toMatchObject({ code: 'ERR_MCA_NO_SUBJECT_TOKEN' });
    expect((error as Error).message).toContain('not while the middleware serves a request');
  }
  expect(backend.seen).toEqual([]);
  expect(server.requests).toEqual([]);
});

it("req.mcaAuth(name) gives the user's exchanged header; in one request, an entry without onBehalfOf still gets the app's own token", async () => {
  app = await startApp(options());
  expect((await get('/auth', `Bearer ${tokenOf.carol}`)).body.minted).toMatchObject({ user: 'carol', grant: 'token-exchange' });
  const mixed = await get('/mixed', `Bearer ${tokenOf.dave}`);
  expect(mixed.body).toMatchObject({ orders: { user: 'dave', grant: 'token-exchange' }, own: { user: 'app', grant: 'client_credentials' } });
});

it("a redirect from the user's back end into another entry carries no token (per-entry trust, unchanged)", async () => {
  app = await startApp(options());
  const answer = await get(`/axios?path=${encodeURIComponent(`/orders/go?to=${encodeURIComponent(`${backend.url}/app/landing`)}`)}`, `Bearer ${tokenOf.alice}`);
  // The landing page answers 401 to a call without a token; axios rejects, and that error (with
  // the sockets it holds, on which Node keeps the request's async context) renders no user token.
  expect(answer.status).toBe(401);
  expect(backend.seen).toHaveLength(2);
  expect(server.minted.get(backend.seen[0]!.slice(7))).toMatchObject({ user: 'alice' });
  expect(backend.seen[1]).toBeUndefined();
});

it("Entra's variant: onBehalfOf: { grant: 'jwt-bearer' } sends grant_type jwt-bearer, the assertion and requested_token_use=on_behalf_of", async () => {
  app = await startApp(options({}, { onBehalfOf: { grant: 'jwt-bearer' } }));
  expect((await get('/fetch', `Bearer ${tokenOf.bob}`)).body).toMatchObject({ user: 'bob', grant: 'jwt-bearer' });
  expect(server.requests).toHaveLength(1);
  expect(server.requests[0]!.form).toEqual({
    grant_type: JWT_BEARER,
    assertion: tokenOf.bob,
    requested_token_use: 'on_behalf_of',
    audience: 'orders-api',
    scope: 'orders.read',
  });
});

it('onBehalfOf on the middleware: req.mcaAuth() and every entry without its own say exchange; an entry may opt out', async () => {
  app = await startApp(
    options({ onBehalfOf: true, audience: 'orders-api', scope: 'orders.read' }, { onBehalfOf: undefined, audience: undefined, scope: undefined }),
  );
  expect((await get('/axios', `Bearer ${tokenOf.alice}`)).body).toMatchObject({ user: 'alice', grant: 'token-exchange' });
  expect(await get('/axios?path=/app/x', `Bearer ${tokenOf.alice}`)).toMatchObject({ status: 200, body: { user: 'alice' } });
  await app.close();
  await mw!.close();
  app = await startApp(
    options({
      onBehalfOf: true,
      audience: 'orders-api',
      scope: 'orders.read',
      protectedBackends: [{ match: `${backend.url}/app`, name: 'app', onBehalfOf: false }],
    }),
  );
  expect((await get('/axios?path=/app/x', `Bearer ${tokenOf.alice}`)).body).toMatchObject({ user: 'app', grant: 'client_credentials' });
});

it("a 401 from the back end drops that user's exchanged token only, exchanges again and replays once", async () => {
  app = await startApp(options());
  await get('/axios', `Bearer ${tokenOf.alice}`);
  await get('/axios', `Bearer ${tokenOf.bob}`);
  const [alicesFirst] = [...server.minted.entries()].find(([, m]) => m.user === 'alice')!;
  backend.revoked.add(alicesFirst);
  expect(await get('/fetch', `Bearer ${tokenOf.alice}`)).toMatchObject({ status: 200, body: { user: 'alice' } });
  expect(exchanges()).toBe(3);
  expect(server.requests[2]!.form.subject_token).toBe(tokenOf.alice);
  // Bob's token was not touched.
  expect((await get('/axios', `Bearer ${tokenOf.bob}`)).body.user).toBe('bob');
  expect(exchanges()).toBe(3);
});

it('DEBUG=express-mca-oauth* lines of exchanges name the entry and hold no token, user token or secret', async () => {
  const { execFile } = await import('node:child_process');
  const { join } = await import('node:path');
  const dist = JSON.stringify(join(__dirname, '..', '..', 'dist'));
  const script = `
    const http = require('node:http');
    const { mcaOAuth } = require(${dist});
    const mw = mcaOAuth({ env: {}, envFile: false, clientId: ${JSON.stringify(CLIENT.id)}, secret: ${JSON.stringify(CLIENT.secret)},
      tokenUrl: ${JSON.stringify(server.tokenUrl)}, failureCooldownMs: 0,
      protectedBackends: [{ match: ${JSON.stringify(`${backend.url}/orders`)}, name: 'orders', onBehalfOf: true, audience: 'orders-api', scope: 'orders.read' }] });
    const call = (authorization) => new Promise((resolve) => {
      const req = Object.assign(new http.IncomingMessage(null), { method: 'GET', headers: { authorization } });
      mw(req, {}, () => req.mcaClient.get(${JSON.stringify(`${backend.url}/orders/x`)}).then(resolve, resolve));
    });
    (async () => {
      await call(${JSON.stringify(`Bearer ${tokenOf.alice}`)});
      await call('Bearer revoked-subject-token');
      await mw.close();
    })();
  `;
  const log = await new Promise<string>((resolve, reject) =>
    execFile(process.execPath, ['-e', script], { env: { ...process.env, DEBUG: 'express-mca-oauth*', DEBUG_COLORS: '0' } }, (error, _out, err) =>
      error ? reject(error) : resolve(err),
    ),
  );
  expect(log).toMatch(/\[orders, on behalf of the user\]: token fetched/);
  expect(log).toMatch(/fetch failed: ERR_MCA_TOKEN_EXCHANGE_REFUSED/);
  expect(leakedSecrets(log, secrets())).toEqual([]);
});

it('with dpop on the entry, the exchange carries a proof and the exchanged token goes out as DPoP, with a proof of the call', async () => {
  app = await startApp(options({}, { dpop: true }));
  const answer = await get('/axios?path=/orders/bound', `Bearer ${tokenOf.alice}`);
  expect(answer.body).toMatchObject({ user: 'alice', grant: 'token-exchange', scheme: 'DPoP' });
  const payload = JSON.parse(Buffer.from(String(answer.body.proof).split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
  const token = backend.seen[0]!.slice('DPoP '.length);
  expect(payload).toMatchObject({ htm: 'GET', htu: `${backend.url}/orders/bound`, ath: createHash('sha256').update(token).digest('base64url') });
  const exchangeProof = JSON.parse(Buffer.from(server.requests[0]!.dpop!.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
  expect(exchangeProof).toMatchObject({ htm: 'POST', htu: server.tokenUrl });
  expect(exchangeProof.ath).toBeUndefined();
});

it('a route behind a body parser mounted after the middleware still knows its user', async () => {
  app = await startApp(options());
  const response = await fetch(`${app.url}/posted`, {
    method: 'POST',
    headers: { authorization: `Bearer ${tokenOf.bob}`, 'content-type': 'application/json' },
    body: JSON.stringify({ item: 1 }),
  });
  expect(response.status).toBe(200);
  expect(await response.json()).toMatchObject({ user: 'bob' });
});

it('exchanges under way are bounded too: beyond onBehalfOfCacheSize distinct users at once, a call fails instead of queueing', async () => {
  app = await startApp(options({ onBehalfOfCacheSize: 1 }));
  gateSize = 2;
  const [first, second] = await Promise.all([get('/axios', `Bearer ${tokenOf.alice}`), get('/fetch', `Bearer ${tokenOf.bob}`)]);
  const statuses = [first.status, second.status].sort();
  expect(statuses).toEqual([200, 503]);
  expect([first.body, second.body]).toContainEqual({ code: 'ERR_MCA_TOKEN_REQUEST_FAILED' });
  expect(exchanges()).toBe(1);
});

it('a call that opts out (`mcaAuth: false`) needs no user and carries no token', async () => {
  app = await startApp(options());
  const answer = await mw!.client.get(`${backend.url}/orders/x`, { mcaAuth: false, validateStatus: () => true });
  expect(answer.status).toBe(401);
  expect(backend.seen).toEqual([undefined]);
  expect(server.requests).toEqual([]);
});

it('single flight per user: calls of one user at the same moment make one exchange', async () => {
  app = await startApp(options());
  gateSize = 3;
  const answers = await Promise.all([
    get('/axios', `Bearer ${tokenOf.carol}`),
    get('/fetch', `Bearer ${tokenOf.carol}`),
    get('/axios?path=/orders/other', `Bearer ${tokenOf.carol}`),
  ]);
  for (const answer of answers) expect(answer.body.user).toBe('carol');
  expect(exchanges()).toBe(1);
});
