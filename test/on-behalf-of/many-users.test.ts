// Many users at once through one middleware with an onBehalfOf entry: each exchange is its own
// token request, and none of them may hang a listener on something all of them share (an abort
// signal of the provider's): past ten, Node warns `MaxListenersExceededWarning`, and the listeners
// grow with the number of users waiting. Run in a process of its own (the built package, as the
// DEBUG tests do), where `process.on('warning')` sees what Node emits.
import { execFile } from 'node:child_process';
import http from 'node:http';
import type { Request } from 'express';
import { mcaOAuth } from '../../lib';
import { join } from 'node:path';
import { startExchangeServer, startUserBackend, subjectToken, type ExchangeServer, CLIENT, ownClientOptions } from '../helpers/exchange-server';

const USERS = 24;
let server: ExchangeServer;
let backend: Awaited<ReturnType<typeof startUserBackend>>;

beforeEach(async () => {
  server = await startExchangeServer(CLIENT, { audience: 'orders-api' });
  backend = await startUserBackend(server);
});
afterEach(async () => {
  await backend.close();
  await server.close();
});

interface Outcome {
  users: string[];
  peak: number;
  warnings: string[];
}

function run(tokens: string[]): Promise<Outcome> {
  const dist = JSON.stringify(join(__dirname, '..', '..', 'dist'));
  const script = `
    const http = require('node:http');
    const { mcaOAuth } = require(${dist});
    const warnings = [];
    process.on('warning', (w) => warnings.push(w.name + ': ' + w.message));
    const mw = mcaOAuth({ env: {}, envFile: false, clientId: ${JSON.stringify(CLIENT.id)}, secret: ${JSON.stringify(CLIENT.secret)},
      tokenUrl: ${JSON.stringify(server.tokenUrl)},
      protectedBackends: [{ match: ${JSON.stringify(`${backend.url}/orders`)}, name: 'orders', onBehalfOf: true, audience: 'orders-api' }] });
    let peak = 0;
    const sampler = setInterval(() => (peak = Math.max(peak, mw.stats().orders.inflight)), 1);
    const call = (token, i) => new Promise((resolve, reject) => {
      const req = Object.assign(new http.IncomingMessage(null), { method: 'GET', headers: { authorization: 'Bearer ' + token } });
      const url = ${JSON.stringify(`${backend.url}/orders/list`)};
      mw(req, {}, () => (i % 2 === 0 ? req.mcaClient.get(url).then((r) => r.data) : req.mcaFetch(url).then((r) => r.json())).then(resolve, reject));
    });
    Promise.all(${JSON.stringify(tokens)}.map(call)).then(async (answers) => {
      clearInterval(sampler);
      await mw.close();
      // A warning is emitted on a later tick: let it arrive.
      await new Promise((resolve) => setImmediate(resolve));
      process.stdout.write(JSON.stringify({ users: answers.map((a) => a.user), peak, warnings }));
    }, (error) => { console.error(error); process.exit(1); });
  `;
  return new Promise((resolve, reject) =>
    execFile(process.execPath, ['-e', script], (error, out) => (error ? reject(error) : resolve(JSON.parse(out) as Outcome))),
  );
}

it(`${USERS} users at once through one onBehalfOf entry: ${USERS} exchanges under way together, every call its own user, no process warning`, async () => {
  const tokens = Array.from({ length: USERS }, (_, i) => {
    const token = subjectToken(`user${i}`, Math.floor(Date.now() / 1000) + 3600);
    server.subjects.set(token, `user${i}`);
    return token;
  });
  // The token server answers exchanges four at a time (the endpoint's socket pool: the rest wait
  // for a socket), so all of them are under way together, and the last answer comes late.
  server.barrier = 4;
  const outcome = await run(tokens);
  expect(outcome.users).toEqual(tokens.map((_, i) => `user${i}`));
  expect(outcome.peak).toBe(USERS);
  expect(outcome.warnings).toEqual([]);
});

it('close() with exchanges under way aborts each of them: every caller gets ERR_MCA_CLOSED at once', async () => {
  const mw = mcaOAuth({
    ...ownClientOptions(server),
    protectedBackends: [{ match: `${backend.url}/orders`, name: 'orders', onBehalfOf: true, audience: 'orders-api' }],
  });
  // The token server holds every exchange (it answers none until ten are pending, or 2 s).
  server.barrier = 10;
  const calls = ['ann', 'ben', 'cat'].map((user) => {
    const token = subjectToken(user, Math.floor(Date.now() / 1000) + 3600);
    server.subjects.set(token, user);
    const req = Object.assign(new http.IncomingMessage(null as never), { method: 'GET', headers: { authorization: `Bearer ${token}` } });
    return new Promise<unknown>((resolve) => {
      mw(req, {} as http.ServerResponse, () => void (req as unknown as Request).mcaClient.get(`${backend.url}/orders/x`).then(resolve, resolve));
    });
  });
  while (server.requests.length < 3) await new Promise((resolve) => setTimeout(resolve, 5));
  expect(mw.stats().orders!.inflight).toBe(3);
  const started = performance.now();
  await mw.close();
  for (const outcome of await Promise.all(calls)) expect(outcome).toMatchObject({ code: 'ERR_MCA_CLOSED' });
  expect(performance.now() - started).toBeLessThan(1000);
  expect(mw.stats().orders!.inflight).toBe(0);
  expect(backend.seen).toEqual([]);
});
