// A request's req.mcaClient is a view of the shared axios instance. What is done through one
// request's view never makes another request's call go out as the first request's user: a config
// re-sent through another view keeps the user it was first bound to (axios-retry, a hand-written
// retry interceptor), and a property written on a view stays on that view.
import express from 'express';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import axiosRetry from 'axios-retry';
import type { AxiosRequestConfig } from 'axios';
import { mcaOAuth, type McaOAuthMiddleware } from '../../lib';
import { startExchangeServer, subjectToken, type ExchangeServer } from '../helpers/exchange-server';
import { listenOnLoopback, type Loopback } from '../helpers/loopback';

const CLIENT = { id: 'obo-client', secret: 'obo-s3cret-value' };
let server: ExchangeServer;
let backend: Loopback;
/** Per path hit: the user whose exchanged token the back end got. */
let seen: { path: string; user: string | undefined }[];
/** Paths that answer 503 the first time. */
let flakyOnce: Set<string>;
let mw: McaOAuthMiddleware | undefined;
let listening: Server | undefined;
const tokenOf: Record<string, string> = {};

beforeEach(async () => {
  server = await startExchangeServer(CLIENT, { audience: 'orders-api' });
  seen = [];
  flakyOnce = new Set();
  backend = await listenOnLoopback(
    http.createServer((req, res) => {
      req.resume();
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      const minted = server.minted.get(req.headers.authorization?.replace(/^Bearer /, '') ?? '');
      seen.push({ path, user: minted?.user });
      if (flakyOnce.delete(path)) {
        res.writeHead(503);
        res.end();
        return;
      }
      res.writeHead(minted === undefined ? 401 : 200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ user: minted?.user }));
    }),
  );
  for (const user of ['alice', 'bob']) {
    tokenOf[user] = subjectToken(user, Math.floor(Date.now() / 1000) + 3600);
    server.subjects.set(tokenOf[user], user);
  }
});
afterEach(async () => {
  listening?.closeAllConnections();
  await new Promise((resolve) => (listening === undefined ? resolve(undefined) : listening.close(resolve)));
  listening = undefined;
  await mw?.close();
  mw = undefined;
  await backend.close();
  await server.close();
});

type Route = (req: express.Request) => Promise<unknown>;

/** An app whose one route runs `route`; answers what the route returned, or the error code. */
async function serve(route: Route): Promise<(user: string) => Promise<unknown>> {
  mw = mcaOAuth({
    env: {},
    envFile: false,
    clientId: CLIENT.id,
    secret: CLIENT.secret,
    tokenUrl: server.tokenUrl,
    protectedBackends: [{ match: `${backend.url}/orders`, name: 'orders', onBehalfOf: true, audience: 'orders-api' }],
  });
  const app = express();
  app.use(mw);
  app.get('/go', (req, res) => {
    route(req).then(
      (body) => res.json(body),
      (error: { code?: string; message?: string }) => res.status(500).json({ code: error.code, message: error.message }),
    );
  });
  listening = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const base = `http://127.0.0.1:${(listening.address() as AddressInfo).port}`;
  return async (user) => (await fetch(`${base}/go`, { headers: { authorization: `Bearer ${tokenOf[user]}` } })).json();
}

const user = (data: unknown): unknown => (data as { user?: unknown }).user;
const hitsOf = (path: string): unknown[] => seen.filter((s) => s.path === path).map((s) => s.user);

it("axiosRetry(req.mcaClient) in a route: a later user's retried call goes out as that user, not as the user whose view attached it", async () => {
  let n = 0;
  const call = await serve(async (req) => {
    axiosRetry(req.mcaClient, { retries: 2, retryDelay: () => 0 });
    const path = `/orders/flaky-${++n}`;
    flakyOnce.add(path);
    return user((await req.mcaClient.get(`${backend.url}${path}`)).data);
  });
  expect(await call('alice')).toBe('alice');
  expect(await call('bob')).toBe('bob');
  expect(hitsOf('/orders/flaky-2')).toEqual(['bob', 'bob']);
});

it("a hand-written retry interceptor registered once through the first request's view re-sends every user's call as that user", async () => {
  let n = 0;
  const call = await serve(async (req) => {
    const client = req.mcaClient;
    if (n === 0) {
      client.interceptors.response.use(undefined, (error: Error & { config: AxiosRequestConfig & { retried?: boolean } }) => {
        if (error.config.retried === true) throw error;
        error.config.retried = true;
        return client.request(error.config);
      });
    }
    const path = `/orders/flaky-${++n}`;
    flakyOnce.add(path);
    return user((await client.get(`${backend.url}${path}`)).data);
  });
  expect(await call('alice')).toBe('alice');
  expect(await call('bob')).toBe('bob');
  expect(await call('alice')).toBe('alice');
  expect([hitsOf('/orders/flaky-2'), hitsOf('/orders/flaky-3')]).toEqual([
    ['bob', 'bob'],
    ['alice', 'alice'],
  ]);
});

it("a method assigned on a view (`req.mcaClient.get = wrap(…)`) stays on that view: the shared client and later requests' views keep axios's own", async () => {
  let first = true;
  let sharedGet: unknown;
  const call = await serve(async (req) => {
    sharedGet ??= mw!.client.get;
    const client = req.mcaClient;
    let wrapped = 0;
    if (first) {
      first = false;
      const original = client.get.bind(client);
      client.get = (url, config) => (wrapped++, original(url, config));
    }
    const got = user((await client.get(`${backend.url}/orders/x`)).data);
    return { got, wrapped, sharedGetIsAxios: mw!.client.get === sharedGet };
  });
  expect(await call('alice')).toEqual({ got: 'alice', wrapped: 1, sharedGetIsAxios: true });
  expect(await call('bob')).toEqual({ got: 'bob', wrapped: 0, sharedGetIsAxios: true });
});

it('replacing `defaults` or `interceptors`, freezing, or re-prototyping a view is refused (ERR_MCA_SHARED_CLIENT_PROPERTY); deleting through a view removes only what the view wrote', async () => {
  const call = await serve(async (req) => {
    const client = req.mcaClient as unknown as Record<string, unknown>;
    const attempts: (() => unknown)[] = [
      () => (client.defaults = {}),
      () => (client.interceptors = {}),
      () => Object.defineProperty(client, 'defaults', { value: {} }),
      () => Object.defineProperty(client, 'extra', { value: 1, configurable: false }),
      () => Object.freeze(client),
      () => Object.setPrototypeOf(client, null),
    ];
    const codes = attempts.map((attempt) => {
      try {
        attempt();
        return 'allowed';
      } catch (error) {
        return (error as { code?: string }).code;
      }
    });
    const ownGet = (): string => 'local';
    client.get = ownGet;
    const local = client.get === ownGet;
    delete client.get;
    delete client.post;
    const restored = user((await req.mcaClient.get(`${backend.url}/orders/x`)).data);
    const sharedIntact = typeof mw!.client.post === 'function' && !Object.isFrozen(mw!.client) && typeof mw!.client.defaults === 'object';
    return { codes, local, restored, sharedIntact };
  });
  expect(await call('alice')).toEqual({ codes: Array(6).fill('ERR_MCA_SHARED_CLIENT_PROPERTY'), local: true, restored: 'alice', sharedIntact: true });
  expect(await call('bob')).toMatchObject({ restored: 'bob', sharedIntact: true });
});
