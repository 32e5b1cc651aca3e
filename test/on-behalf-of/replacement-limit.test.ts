// retryOn401MinIntervalMs holds per token: with onBehalfOf each user has a token of their own, and
// users taking turns against a back end that answers 401 to everything are each held to one
// exchange per interval, as one user alone is (not one exchange per call).
import express from 'express';
import http from 'node:http';
import { mcaOAuth, type McaOAuthMiddleware } from '../../lib';
import { registerSubjects, startExchangeServer, type ExchangeServer, CLIENT, ownClientOptions } from '../helpers/exchange-server';
import { listenOnLoopback, type Loopback } from '../helpers/loopback';

const USERS = ['alice', 'bob', 'carol'];
let server: ExchangeServer;
let backend: Loopback;
let mw: McaOAuthMiddleware | undefined;
let listening: Loopback | undefined;
const tokenOf: Record<string, string> = {};

beforeEach(async () => {
  server = await startExchangeServer(CLIENT, { audience: 'orders-api' });
  backend = await listenOnLoopback(
    http.createServer((req, res) => {
      req.resume();
      res.writeHead(401);
      res.end();
    }),
  );
  Object.assign(tokenOf, registerSubjects(server, USERS));
});
afterEach(async () => {
  await listening?.close();
  listening = undefined;
  await mw?.close();
  mw = undefined;
  await backend.close();
  await server.close();
});

/** An app whose `/go` calls the orders back end through `req.mcaClient` and answers its status. */
async function serveOrders(middleware: McaOAuthMiddleware): Promise<Loopback> {
  const app = express();
  app.use(middleware);
  app.get('/go', (req, res) => {
    req.mcaClient.get(`${backend.url}/orders/x`, { validateStatus: () => true }).then(
      (r) => res.json(r.status),
      (error: { code?: string }) => res.status(500).json(error.code),
    );
  });
  return listenOnLoopback(http.createServer(app));
}

it('users taking turns against a back end that answers 401 to everything make one exchange each per interval, and one more each once it has passed', async () => {
  let clock = Date.now();
  mw = mcaOAuth({
    ...ownClientOptions(server),
    now: () => clock,
    retryOn401MinIntervalMs: 5000,
    protectedBackends: [{ match: `${backend.url}/orders`, name: 'orders', onBehalfOf: true, audience: 'orders-api' }],
  });
  listening = await serveOrders(mw);
  const base = listening.url;
  const call = async (user: string): Promise<unknown> => (await fetch(`${base}/go`, { headers: { authorization: `Bearer ${tokenOf[user]}` } })).json();
  const exchangesOver = async (rounds: number): Promise<number> => {
    const before = server.minted.size;
    for (let i = 0; i < rounds; i++) for (const user of USERS) expect(await call(user)).toBe(401);
    return server.minted.size - before;
  };
  // The first call of each: its token, then the one its 401 replaced it with; then none.
  expect(await exchangesOver(10)).toBe(2 * USERS.length);
  clock += 5000;
  expect(await exchangesOver(10)).toBe(USERS.length);
});

it("a 401 to a user's token is reported as the entry's `invalidated` event, reason `backend-401`", async () => {
  mw = mcaOAuth({
    ...ownClientOptions(server),
    protectedBackends: [{ match: `${backend.url}/orders`, name: 'orders', onBehalfOf: true, audience: 'orders-api' }],
  });
  const invalidated: unknown[] = [];
  mw.backends.get('orders')!.on('invalidated', (event) => invalidated.push(event));
  listening = await serveOrders(mw);
  const answer = await fetch(`${listening.url}/go`, { headers: { authorization: `Bearer ${tokenOf.alice}` } });
  expect(await answer.json()).toBe(401);
  // Its token, then the replacement, whose own 401 goes back to the caller.
  expect(server.minted.size).toBe(2);
  expect(invalidated).toEqual([{ reason: 'backend-401', backend: 'orders' }]);
});
