// A callback can run in another request's async context: a client library that opens one
// connection lazily, during the first request that needs it, calls back into every later request's
// code from that connection's context. A call made there through the later request's own `req`
// must carry the later request's user (found by the attack on issue 26: Bob's call went out with
// Alice's exchanged token). Through req.mcaClient, req.mcaFetch and req.mcaAuth, on loopback.
import net from 'node:net';
import express from 'express';
import type { AddressInfo } from 'node:net';
import { mcaOAuth, type McaOAuthMiddleware } from '../../lib';
import { registerSubjects, startExchangeServer, startUserBackend, type ExchangeServer, CLIENT, ownClientOptions } from '../helpers/exchange-server';

let server: ExchangeServer;
let backend: Awaited<ReturnType<typeof startUserBackend>>;
let echo: net.Server;
let mw: McaOAuthMiddleware | undefined;
const sockets = new Set<net.Socket>();
const tokenOf: Record<string, string> = {};

beforeEach(async () => {
  server = await startExchangeServer(CLIENT, { audience: 'orders-api' });
  backend = await startUserBackend(server);
  Object.assign(tokenOf, registerSubjects(server, ['alice', 'bob']));
  echo = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('data', (data) => socket.write(data));
  });
  await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
});
afterEach(async () => {
  await mw?.close();
  mw = undefined;
  for (const socket of sockets) socket.destroy();
  sockets.clear();
  await new Promise((resolve) => echo.close(resolve));
  await backend.close();
  await server.close();
});

/** A callback client over one connection, opened by the first request that asks (as many are). */
function lazyClient(): (callback: () => void) => void {
  let socket: net.Socket | undefined;
  const queue: (() => void)[] = [];
  return (callback) => {
    if (socket === undefined) {
      socket = net.connect((echo.address() as AddressInfo).port, '127.0.0.1');
      socket.on('data', (data) =>
        data
          .toString()
          .split('\n')
          .filter(Boolean)
          .forEach(() => queue.shift()?.()),
      );
    }
    queue.push(callback);
    socket.write('get\n');
  };
}

type Via = 'client' | 'fetch' | 'auth';

async function usersSeen(via: Via, sessionAfterAuth: boolean): Promise<string[]> {
  mw = mcaOAuth({
    ...ownClientOptions(server),
    protectedBackends: [{ match: `${backend.url}/orders`, name: 'orders', onBehalfOf: true, audience: 'orders-api' }],
  });
  const kv = lazyClient();
  const app = express();
  app.use(mw);
  // A session-style middleware after the token middleware: every later request's whole route
  // then runs in the first request's context.
  if (sessionAfterAuth) app.use((_req, _res, next) => kv(() => next()));
  app.get('/orders', (req, res, next) => {
    const call = async (): Promise<unknown> => {
      const url = `${backend.url}/orders`;
      if (via === 'client') return (await req.mcaClient.get(url)).data;
      if (via === 'fetch') return (await req.mcaFetch(url)).json();
      const header = await req.mcaAuth('orders');
      return server.minted.get(header.slice('Bearer '.length));
    };
    const go = (): void => void call().then((body) => res.json(body), next);
    if (sessionAfterAuth) go();
    else kv(go);
  });
  const listening = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => listening.once('listening', resolve));
  const base = `http://127.0.0.1:${(listening.address() as AddressInfo).port}`;
  try {
    const seen: string[] = [];
    for (const user of ['alice', 'bob', 'alice', 'bob']) {
      const response = await fetch(`${base}/orders`, { headers: { authorization: `Bearer ${tokenOf[user]}` } });
      seen.push(((await response.json()) as { user?: string }).user ?? `HTTP ${response.status}`);
    }
    return seen;
  } finally {
    listening.closeAllConnections();
    await new Promise((resolve) => listening.close(resolve));
  }
}

describe.each<Via>(['client', 'fetch', 'auth'])('through req.%s', (via) => {
  it("a callback from a connection another request opened still serves this request's user", async () => {
    expect(await usersSeen(via, false)).toEqual(['alice', 'bob', 'alice', 'bob']);
  });

  it('a session-style middleware after the token middleware, calling back from that connection: each route serves its own user', async () => {
    expect(await usersSeen(via, true)).toEqual(['alice', 'bob', 'alice', 'bob']);
  });
});
