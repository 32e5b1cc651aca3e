// A caller's own `DPoP` header goes nowhere the package's Bearer token goes: on a DPoP-bound hop the
// package's proof replaces it, and after a same-origin redirect into an entry without DPoP (a plain
// Bearer token) it must not come back beside that token.
import express from 'express';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { mcaOAuth, type McaOAuthMiddleware } from '../../lib';
import { startExchangeServer, subjectToken, type ExchangeServer, CLIENT, ownClientOptions } from '../helpers/exchange-server';
import { listenOnLoopback, type Loopback } from '../helpers/loopback';

let server: ExchangeServer;
let backend: Loopback;
let seen: { path: string; scheme: string | undefined; dpop: string | string[] | undefined }[];
let mw: McaOAuthMiddleware;
let listening: Server;
let base: string;
let route: (req: express.Request) => Promise<unknown>;
let alice: string;

beforeEach(async () => {
  server = await startExchangeServer(CLIENT, {});
  alice = subjectToken('alice', Math.floor(Date.now() / 1000) + 3600);
  server.subjects.set(alice, 'alice');
  seen = [];
  backend = await listenOnLoopback(
    http.createServer((req, res) => {
      req.resume();
      const url = new URL(req.url ?? '/', 'http://x');
      seen.push({ path: url.pathname, scheme: req.headers.authorization?.split(' ')[0], dpop: req.headers.dpop });
      const to = url.searchParams.get('to');
      res.writeHead(to === null ? 200 : 302, to === null ? { 'Content-Type': 'application/json' } : { Location: to });
      res.end(to === null ? '{}' : '');
    }),
  );
  mw = mcaOAuth({
    ...ownClientOptions(server),
    onBehalfOf: true,
    protectedBackends: [
      { match: `${backend.url}/bound`, name: 'bound', dpop: true },
      { match: `${backend.url}/plain`, name: 'plain', acceptRedirectsFrom: ['bound'] },
    ],
  });
  const app = express();
  app.use(mw);
  app.get('/go', (req, res) => {
    route(req).then(
      (body) => res.json(body ?? null),
      (error: { code?: string; message?: string }) => res.status(500).json({ code: error.code, message: error.message }),
    );
  });
  listening = await new Promise<Server>((resolve) => {
    const l = app.listen(0, '127.0.0.1', () => resolve(l));
  });
  base = `http://127.0.0.1:${(listening.address() as AddressInfo).port}`;
});
afterEach(async () => {
  listening.closeAllConnections();
  await new Promise((resolve) => listening.close(resolve));
  await mw.close();
  await backend.close();
  await server.close();
});

const go = async (): Promise<unknown> => (await fetch(`${base}/go`, { headers: { authorization: `Bearer ${alice}` } })).json();

it.each(['DPoP', 'dpop'])(
  "after a same-origin redirect from a DPoP-bound hop into a Bearer entry, the caller's own `%s` header does not go out beside the Bearer token (axios, fetch)",
  async (name) => {
    route = async (req) => {
      const headers = { [name]: 'callers.own.proof' };
      const from = `${backend.url}/bound/r?to=${encodeURIComponent('/plain/x')}`;
      await req.mcaClient.get(from, { headers });
      await (await req.mcaFetch(from, { headers })).text();
      await (await req.mcaFetch(from, { headers: new Headers(headers) })).text();
      return null;
    };
    expect(await go()).toBe(null);
    // The bound hop: the package's proof, not the caller's; the Bearer hop: no proof at all.
    expect(seen.map((s) => [s.path, s.scheme, s.dpop === undefined ? 'none' : s.dpop === 'callers.own.proof' ? 'caller' : 'package'])).toEqual(
      Array(3)
        .fill([
          ['/bound/r', 'DPoP', 'package'],
          ['/plain/x', 'Bearer', 'none'],
        ])
        .flat(),
    );
  },
);
