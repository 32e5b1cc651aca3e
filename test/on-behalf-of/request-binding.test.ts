// With onBehalfOf, each request's req.mcaClient, req.mcaFetch and req.mcaAuth are bound to that
// request: every way of calling them carries its user, wherever and whenever the call runs, and
// nothing else (the shared `auth.client`, a forged config field) serves any user.
import express from 'express';
import http from 'node:http';
import type { AxiosInstance } from 'axios';
import { mcaOAuth, type McaOAuthMiddleware } from '../../lib';
import { registerSubjects, startExchangeServer, startUserBackend, type ExchangeServer, CLIENT, ownClientOptions } from '../helpers/exchange-server';
import { listenOnLoopback, type Loopback } from '../helpers/loopback';

let server: ExchangeServer;
let backend: Awaited<ReturnType<typeof startUserBackend>>;
let mw: McaOAuthMiddleware | undefined;
let listening: Loopback | undefined;
const tokenOf: Record<string, string> = {};

beforeEach(async () => {
  server = await startExchangeServer(CLIENT, { audience: 'orders-api' });
  backend = await startUserBackend(server);
  Object.assign(tokenOf, registerSubjects(server, ['alice', 'bob']));
});
afterEach(async () => {
  await listening?.close();
  listening = undefined;
  await mw?.close();
  mw = undefined;
  await backend.close();
  await server.close();
});

type Route = (req: express.Request) => Promise<unknown>;

/** An app whose one route runs `route`; answers `{ user }` of what the back end saw, or the error code. */
async function serve(route: Route): Promise<(user: string) => Promise<unknown>> {
  mw = mcaOAuth({
    ...ownClientOptions(server),
    protectedBackends: [
      { match: `${backend.url}/orders`, name: 'orders', onBehalfOf: true, audience: 'orders-api' },
      { match: `${backend.url}/app`, name: 'app' },
    ],
  });
  const app = express();
  app.use(mw);
  app.get('/go', (req, res) => {
    route(req).then(
      (body) => res.json(body),
      (error: { code?: string }) => res.status(500).json({ code: error.code }),
    );
  });
  listening = await listenOnLoopback(http.createServer(app));
  const base = listening.url;
  return async (user) => (await fetch(`${base}/go`, { headers: { authorization: `Bearer ${tokenOf[user]}` } })).json();
}

const orders = (): string => `${backend.url}/orders/x`;
const user = (data: unknown): unknown => (data as { user?: unknown }).user;

it.each<[string, Route]>([
  ['req.mcaClient(config)', async (req) => user((await req.mcaClient({ url: orders() })).data)],
  ['req.mcaClient(url)', async (req) => user((await (req.mcaClient as unknown as (url: string) => Promise<{ data: unknown }>)(orders())).data)],
  ['req.mcaClient.request(config)', async (req) => user((await req.mcaClient.request({ url: orders() })).data)],
  ['req.mcaClient.get', async (req) => user((await req.mcaClient.get(orders())).data)],
  ['req.mcaClient.post', async (req) => user((await req.mcaClient.post(orders(), { item: 1 })).data)],
  ['req.mcaClient.create().get', async (req) => user((await req.mcaClient.create({ timeout: 5000 }).get(orders())).data)],
  ['req.mcaFetch', async (req) => user(await (await req.mcaFetch(orders())).json())],
  ['req.mcaAuth(name)', async (req) => server.minted.get((await req.mcaAuth('orders')).slice('Bearer '.length))?.user],
])('%s carries its own request user', async (_name, route) => {
  const call = await serve(route);
  expect(await call('alice')).toBe('alice');
  expect(await call('bob')).toBe('bob');
});

it("a client saved in a variable and called later from another request's callback still carries its own request user", async () => {
  let parked: (() => void) | undefined;
  const call = await serve(async (req) => {
    const client: AxiosInstance = req.mcaClient;
    const mcaFetch = req.mcaFetch;
    // Alice's request parks its work; Bob's request runs it (from Bob's code and async context).
    if (parked === undefined) {
      return new Promise((resolve, reject) => {
        parked = () =>
          void Promise.all([client.get(orders()), mcaFetch(orders()).then((r) => r.json())]).then(([a, f]) => resolve([user(a.data), user(f)]), reject);
      });
    }
    const run = parked;
    parked = undefined;
    run();
    return user((await client.get(orders())).data);
  });
  const first = call('alice');
  while (parked === undefined) await new Promise((resolve) => setTimeout(resolve, 5));
  expect(await call('bob')).toBe('bob');
  expect(await first).toEqual(['alice', 'alice']);
});

it('the shared auth.client, auth.fetch and auth.authorization serve no user, even inside a route: ERR_MCA_NO_SUBJECT_TOKEN, nothing sent', async () => {
  const call = await serve(async () => {
    const outcomes = await Promise.all([
      mw!.client.get(orders()).catch((e: { code?: string }) => e.code),
      mw!.fetch(orders()).catch((e: { code?: string }) => e.code),
      mw!.authorization('orders').catch((e: { code?: string }) => e.code),
      mw!.backends
        .get('orders')!
        .getAuthorizationHeader()
        .catch((e: { code?: string }) => e.code),
    ]);
    return outcomes;
  });
  expect(await call('alice')).toEqual(Array(4).fill('ERR_MCA_NO_SUBJECT_TOKEN'));
  expect(server.requests).toEqual([]);
  expect(backend.seen).toEqual([]);
});

it("a config field that looks like a request's binding serves no one; a re-sent error config keeps its request's user", async () => {
  const call = await serve(async (req) => {
    const forged = await mw!.client
      .get(orders(), { mcaServedRequest: { subject: () => ({ kind: 'token' }) } } as object)
      .catch((e: { code?: string }) => e.code);
    // A 401 goes back to the caller as an error whose config is re-sent as is (axios-retry does so
    // on the instance it is attached to): the request's user goes with it.
    const failed = await req.mcaClient.get(`${backend.url}/app/none`, { mcaAuth: false }).catch((e: { config: object }) => e.config);
    const resent = await mw!.client.request({ ...(failed as object), url: orders(), mcaAuth: true });
    return [forged, user(resent.data)];
  });
  expect(await call('bob')).toEqual(['ERR_MCA_NO_SUBJECT_TOKEN', 'bob']);
});

it('a route that calls only other back ends never reads the user token; a middleware without onBehalfOf shares one client with every request', async () => {
  const call = await serve(async (req) => user((await req.mcaClient.get(`${backend.url}/app/x`)).data));
  expect(await call('alice')).toBe('app');
  expect(server.requests.map((r) => r.form.grant_type)).toEqual(['client_credentials']);
  const plain = mcaOAuth({ env: {}, envFile: false, clientId: CLIENT.id, secret: CLIENT.secret, tokenUrl: server.tokenUrl });
  try {
    const app = express();
    app.use(plain);
    let same: boolean | undefined;
    app.get('/', (req, res) => {
      same = req.mcaClient === plain.client && req.mcaFetch === plain.fetch && req.mcaAuth === plain.authorization;
      res.end();
    });
    const s = await listenOnLoopback(http.createServer(app));
    await fetch(`${s.url}/`).then((r) => r.text());
    await s.close();
    expect(same).toBe(true);
  } finally {
    await plain.close();
  }
});
