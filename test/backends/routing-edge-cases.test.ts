// Edge cases of a token per back end and native fetch: failing credentials mid-redirect, redirect
// modes, opt-outs, bad backends files, aborts, streams, and what debug output shows.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { mcaOAuth, type McaOAuthMiddleware } from '../../lib';
import { leakedSecrets } from '../helpers/leak-watch';
import { startClaimsBackend, startClaimsTokenServer, type ClaimsBackend, type ClaimsTokenServer } from '../helpers/claims-token-server';

const MAIN_SECRET = 'main-s3cret-value';
const INV_SECRET = 'inventory-s3cret-value';
let tokens: ClaimsTokenServer;
let orders: ClaimsBackend;
let inventory: ClaimsBackend;
let outsider: ClaimsBackend;
let mw: McaOAuthMiddleware | undefined;
const secrets = (): string[] => [MAIN_SECRET, INV_SECRET, ...(tokens?.issued.map((t) => t.token) ?? [])];

beforeEach(async () => {
  tokens = await startClaimsTokenServer({ 'main-client': MAIN_SECRET, 'inv-client': INV_SECRET });
  orders = await startClaimsBackend({ client: 'main-client', audience: 'orders-api' }, () => tokens);
  inventory = await startClaimsBackend({ client: 'inv-client' }, () => tokens);
  outsider = await startClaimsBackend({}, () => tokens);
});
afterEach(async () => {
  await mw?.close();
  mw = undefined;
  await Promise.all([tokens, orders, inventory, outsider].map((s) => s.close()));
});

function make(invSecret = INV_SECRET, extra: Record<string, unknown> = {}): McaOAuthMiddleware {
  mw = mcaOAuth({
    env: {},
    envFile: false,
    clientId: 'main-client',
    secret: MAIN_SECRET,
    tokenUrl: tokens.url,
    protectedBackends: [
      { match: `${orders.url}/`, audience: 'orders-api', name: 'orders' },
      // Trust is per entry (issue 21): inventory takes redirects from orders, token included.
      { match: inventory.url, clientId: 'inv-client', secret: invSecret, name: 'inventory', acceptRedirectsFrom: ['orders'] },
    ],
    ...extra,
  });
  return mw;
}

const deep = (e: unknown) => inspect(e, { depth: Infinity, showHidden: true });

it('P1 redirect A -> B whose credentials fail: rejects, B never hit, nothing leaks', async () => {
  const m = make('wrong-secret-value');
  const err = await m.fetch(`${orders.url}/redirect?to=${encodeURIComponent(`${inventory.url}/x`)}`).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeDefined();
  expect(inventory.hits).toEqual([]);
  expect(leakedSecrets(err, secrets())).toEqual([]);
  for (const s of secrets()) expect(deep(err)).not.toContain(s);
  const err2 = await m.client.get(`${orders.url}/redirect?to=${encodeURIComponent(`${inventory.url}/x`)}`).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err2).toBeDefined();
  expect(inventory.hits).toEqual([]);
});

it('P2 mcaAuth with a URL object or a non-string rejects, never throws synchronously', async () => {
  const m = make();
  let p: Promise<string> | undefined;
  expect(() => {
    p = m.authorization(new URL(`${orders.url}/x`) as unknown as string);
  }).not.toThrow();
  // A URL object is taken as its href: the orders back end's own token.
  expect(JSON.parse(Buffer.from((await p!).split('.')[1]!, 'base64url').toString()).audience).toBe('orders-api');
  await expect(m.authorization(42 as unknown as string)).rejects.toMatchObject({ code: 'ERR_MCA_UNKNOWN_BACKEND' });
  await expect(m.authorization('https://unknown.example')).rejects.toMatchObject({ code: 'ERR_MCA_UNKNOWN_BACKEND' });
});

it('P3 redirect manual / error: no hop to B, no token to B', async () => {
  const m = make();
  const r = await m.fetch(`${orders.url}/redirect?to=${encodeURIComponent(`${inventory.url}/x`)}`, { redirect: 'manual' });
  expect(r.status).toBe(302);
  expect(inventory.hits).toEqual([]);
  await expect(m.fetch(`${orders.url}/redirect?to=${encodeURIComponent(`${inventory.url}/x`)}`, { redirect: 'error' })).rejects.toThrow('fetch failed');
  expect(inventory.hits).toEqual([]);
});

it('P4 connection refused on hop B after A: the error holds no token at any depth', async () => {
  const m = make();
  const deadUrl = inventory.url;
  await inventory.close();
  const err = await m.fetch(`${orders.url}/redirect?to=${encodeURIComponent(`${deadUrl}/x`)}`).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeDefined();
  for (const s of secrets()) expect(deep(err)).not.toContain(s);
  inventory = await startClaimsBackend({ client: 'inv-client' }, () => tokens);
});

it('P5 a Request with lowercase authorization Headers: opts out, and the header stays at its origin', async () => {
  const m = make();
  const req = new Request(`${orders.url}/redirect?to=${encodeURIComponent(`${outsider.url}/x`)}`, { headers: new Headers({ authorization: 'Bearer mine' }) });
  await (await m.fetch(req)).arrayBuffer();
  expect(orders.hits.map((h) => h.authorization)).toEqual(['Bearer mine']);
  expect(outsider.hits.map((h) => h.authorization)).toEqual([undefined]);
  expect(tokens.issued).toEqual([]);
});

it('P6 Response.url is the last hop, and keepalive / duplex pass through', async () => {
  const m = make();
  const r = await m.fetch(`${orders.url}/redirect?to=${encodeURIComponent(`${inventory.url}/x`)}`, { keepalive: true });
  await r.arrayBuffer();
  expect(r.url).toBe(`${inventory.url}/x`);
  expect(r.status).toBe(200);
  // As with fetch's own following: the response says it came through a redirect.
  expect(r.redirected).toBe(true);
});

describe('P7 the backends file and entries, as an operator gets them wrong', () => {
  const dir = mkdtempSync(join(tmpdir(), 'a3-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const build = (list: string): unknown => {
    const file = join(dir, 'b.json');
    writeFileSync(file, list);
    try {
      mw = mcaOAuth({ env: { MCA_PROTECTED_BACKENDS_FILE: file }, envFile: false, clientId: 'main-client', secret: MAIN_SECRET, tokenUrl: tokens.url });
      return mw;
    } catch (error) {
      return error;
    }
  };
  it.each([
    ['__proto__ key', `[{"match":"https://a.example","__proto__":{"secret":"x"}}]`, 'ERR_MCA_UNKNOWN_OPTION'],
    ['match a number', `[{"match":42}]`, 'ERR_MCA_INVALID_PROTECTED_BACKENDS'],
    ['match an object', `[{"match":{"source":"."}}]`, 'ERR_MCA_INVALID_PROTECTED_BACKENDS'],
    ['name default', `[{"match":"https://a.example","name":"default"}]`, 'ERR_MCA_INVALID_BACKEND_NAME'],
    ['same name twice', `[{"match":"https://a.example","name":"a"},{"match":"https://b.example","name":"a"}]`, 'ERR_MCA_INVALID_BACKEND_NAME'],
    ['http off loopback', `[{"match":"http://a.example","name":"a"}]`, 'ERR_MCA_INVALID_PROTECTED_BACKENDS'],
    ['a URL as a name', `[{"match":"https://a.example","name":"https://b.example"}]`, 'ERR_MCA_INVALID_BACKEND_NAME'],
    ['a null entry', `[null]`, 'ERR_MCA_INVALID_PROTECTED_BACKENDS'],
  ])('%s is refused', (_n, text, code) => {
    expect(build(text)).toMatchObject({ code });
    mw = undefined;
  });
});

it('P8 abort while waiting for B’s token mid-redirect: AbortError, B never hit; the caller’s Headers untouched', async () => {
  const m = make();
  await (await m.fetch(`${orders.url}/x`)).arrayBuffer(); // orders' token cached
  tokens.hold = true;
  const controller = new AbortController();
  const given = new Headers({ 'x-trace': 't' });
  const pending = m.fetch(`${orders.url}/redirect?to=${encodeURIComponent(`${inventory.url}/x`)}`, { signal: controller.signal, headers: given });
  await tokens.arrived(2);
  controller.abort();
  await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
  tokens.release();
  expect(inventory.hits).toEqual([]);
  expect([...given.keys()]).toEqual(['x-trace']);
});

it('P9 a stream body: a 401 is handed back (no replay), a 307 from A to B is not followed', async () => {
  const m = make();
  const stream = (): ReadableStream<Uint8Array> => new ReadableStream({ start: (c) => (c.enqueue(new TextEncoder().encode('hi')), c.close()) });
  const init = (): RequestInit & { duplex: 'half' } => ({ method: 'POST', body: stream(), duplex: 'half' });
  const r = await m.fetch(`${orders.url}/redirect?status=307&to=${encodeURIComponent(`${inventory.url}/x`)}`, init());
  expect(r.status).toBe(307);
  expect(inventory.hits).toEqual([]);
});
