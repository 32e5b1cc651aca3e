// Issue 26, part 2: DPoP-bound tokens (RFC 9449) from oidc-provider with `features.dPoP`
// (`requireNonce` on), used through req.mcaClient and req.mcaFetch against a back end that
// verifies every proof and the token's binding to the proof's key (introspection).
import type { ChildProcess } from 'node:child_process';
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { calculateJwkThumbprint, decodeJwt } from 'jose';
import type { AxiosResponse, InternalAxiosRequestConfig } from 'axios';
import http from 'node:http';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { inspect } from 'node:util';
import { mcaOAuth, type McaOAuthMiddleware } from '../../lib';
import { startDpopBackend, type DpopBackend } from '../helpers/dpop-backend';
import { leakedSecrets } from '../helpers/leak-watch';
import { listenOnLoopback, type Loopback } from '../helpers/loopback';
import { forkQuiet, stopChild } from '../helpers/quiet-child';

const CLIENT_ID = 'dpop-client';
const SECRET = 'dpop-s3cret-value';
interface Ready {
  tokenUrl: string;
  introspectionUrl: string;
}
let child: ChildProcess;
let server: ReturnType<typeof forkQuiet>;
let ready: Ready;
const events: { type: string; error?: string; proof?: string | null }[] = [];
let backend: DpopBackend;
let mw: McaOAuthMiddleware | undefined;
const tokens = new Set<string>();

async function introspect(token: string): Promise<{ active: boolean; cnf?: { jkt?: string } }> {
  tokens.add(token);
  const response = await fetch(ready.introspectionUrl, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from(`${CLIENT_ID}:${SECRET}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token }).toString(),
  });
  return (await response.json()) as { active: boolean; cnf?: { jkt?: string } };
}

beforeAll(async () => {
  server = forkQuiet(join(__dirname, 'dpop-server.mjs'));
  child = server.child;
  ready = await new Promise<Ready>((resolve) => {
    child.on('message', (message: { type: string } & Ready) => (message.type === 'ready' ? resolve(message) : events.push(message)));
    child.send({ clientId: CLIENT_ID, secret: SECRET, requireNonce: true });
  });
});
afterAll(async () => {
  // Waited for: a child still running when the suite ends keeps the worker from exiting.
  await stopChild(child);
  // The server's own start-up notices are expected; anything else it printed (an error) is not.
  expect(server.unexpected()).toEqual([]);
});
beforeEach(async () => {
  events.length = 0;
  backend = await startDpopBackend(introspect);
});
afterEach(async () => {
  await mw?.close();
  mw = undefined;
  await backend.close();
});

const secrets = (): string[] => [SECRET, ...tokens, ...backend.seenProofs];
const options = (extra: Record<string, unknown> = {}) => ({
  env: {},
  envFile: false as const,
  clientId: CLIENT_ID,
  secret: SECRET,
  tokenUrl: ready.tokenUrl,
  dpop: true,
  ...extra,
});

async function call(kind: 'axios' | 'fetch', url: string): Promise<number> {
  if (kind === 'axios') return (await mw!.client.get(url, { validateStatus: () => true })).status;
  const response = await mw!.fetch(url);
  await response.arrayBuffer();
  return response.status;
}

it.each(['axios', 'fetch'] as const)(
  '%s: a DPoP-bound token, `Authorization: DPoP`, a fresh verified proof per request; the token request took the server nonce on the second try',
  async (kind) => {
    mw = mcaOAuth(options({ protectedBackends: [backend.url] }));
    expect(await call(kind, `${backend.url}/api/orders?page=2#top`)).toBe(200);
    expect(await call(kind, `${backend.url}/api/orders`)).toBe(200);
    expect(backend.refused).toEqual([]);
    expect(backend.verified.map((v) => [v.htm, v.htu])).toEqual([
      ['GET', `${backend.url}/api/orders`],
      ['GET', `${backend.url}/api/orders`],
    ]);
    expect(new Set(backend.verified.map((v) => v.jti)).size).toBe(2);
    // requireNonce: the first token request was refused with use_dpop_nonce, the second carried it.
    expect(events.filter((e) => e.type === 'rejected').map((e) => e.error)).toEqual(['use_dpop_nonce']);
    expect(events.filter((e) => e.type === 'granted')).toHaveLength(1);
    expect(mw.provider.stats().fetches).toBe(1);
  },
);

it.each(['axios', 'fetch'] as const)('%s: every redirect hop carries its own proof (its URL, a new jti)', async (kind) => {
  mw = mcaOAuth(options({ protectedBackends: [backend.url] }));
  backend.redirects.set('/start', `${backend.url}/landing`);
  expect(await call(kind, `${backend.url}/start`)).toBe(200);
  expect(backend.refused).toEqual([]);
  expect(backend.verified.map((v) => v.htu)).toEqual([`${backend.url}/start`, `${backend.url}/landing`]);
  expect(backend.verified[0]!.jti).not.toBe(backend.verified[1]!.jti);
});

it.each(['axios', 'fetch'] as const)("%s: a resource server's use_dpop_nonce 401 gets one retry with its nonce, no new token", async (kind) => {
  mw = mcaOAuth(options({ protectedBackends: [backend.url] }));
  backend.nonce = 'rs-nonce-1';
  expect(await call(kind, `${backend.url}/api`)).toBe(200);
  expect(backend.refused).toEqual(['nonce']);
  expect(backend.verified.map((v) => v.nonce)).toEqual(['rs-nonce-1']);
  expect(mw.provider.stats().fetches).toBe(1);
  // The nonce is remembered for that server: the next call needs no retry.
  expect(await call(kind, `${backend.url}/api`)).toBe(200);
  expect(backend.refused).toEqual(['nonce']);
});

it('a token server that answers a plain bearer token when dpop is set: ERR_MCA_DPOP_NOT_BOUND, nothing sent to the back end', async () => {
  const plain = await listenOnLoopback(
    http.createServer((req, res) => {
      req.resume();
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ access_token: 'plain-bearer-token-value', token_type: 'Bearer', expires_in: 3600 }));
    }),
  );
  try {
    mw = mcaOAuth(options({ tokenUrl: `${plain.url}/token`, protectedBackends: [backend.url] }));
    for (const kind of ['axios', 'fetch'] as const) {
      const error = await call(kind, `${backend.url}/api`).catch((e: unknown) => e);
      expect(error).toMatchObject({ name: 'McaTokenError', code: 'ERR_MCA_DPOP_NOT_BOUND' });
      expect(leakedSecrets(error, [SECRET, 'plain-bearer-token-value'])).toEqual([]);
    }
    expect(backend.paths).toEqual([]);
  } finally {
    await plain.close();
  }
});

it.each(['axios', 'fetch'] as const)(
  '%s: the key is never rendered; a refused DPoP request leaves no token and no proof in what the caller gets',
  async (kind) => {
    mw = mcaOAuth(options({ protectedBackends: [backend.url] }));
    backend.deny.add('/deny');
    let outcome: unknown;
    if (kind === 'axios') outcome = await mw.client.get(`${backend.url}/deny`).catch((e: unknown) => e);
    else outcome = await mw.fetch(`${backend.url}/deny`);
    expect(kind === 'axios' ? (outcome as { response?: { status?: number } }).response?.status : (outcome as Response).status).toBe(401);
    // The 401 rule replayed once with a fresh token: two requests, two proofs, both on the wire.
    expect(backend.seenProofs).toHaveLength(2);
    expect(tokens.size).toBeGreaterThan(0);
    expect(leakedSecrets(outcome, secrets())).toEqual([]);
    // A successful answer's request object, which axios hands back, is scrubbed of the proof too.
    if (kind === 'axios') {
      const ok = await mw.client.get(`${backend.url}/fine`);
      expect(leakedSecrets(ok.request, secrets())).toEqual([]);
      expect(String((ok.request as { _header?: string })._header)).toContain('DPoP: [redacted]');
    }
    const rendered = inspect(mw, { depth: Infinity, showHidden: true }) + JSON.stringify(mw.provider);
    expect(rendered).not.toMatch(/"d"|BEGIN|PRIVATE/);
    expect(leakedSecrets(mw, secrets())).toEqual([]);
  },
);

it('entries: dpop on one entry only; the other keeps a bearer token; `dpop` must be a boolean', async () => {
  expect(() => mcaOAuth(options({ dpop: 'yes' }))).toThrow(expect.objectContaining({ code: 'ERR_MCA_INVALID_DPOP' }));
  expect(() => mcaOAuth(options({ dpop: false, protectedBackends: [{ match: backend.url, dpop: 1 }] }))).toThrow(
    expect.objectContaining({ code: 'ERR_MCA_INVALID_DPOP', field: 'protectedBackends[0].dpop' }),
  );
  mw = mcaOAuth(options({ dpop: false, protectedBackends: [{ match: backend.url, name: 'bound', dpop: true }] }));
  expect(mw.backends.get('bound')).not.toBe(mw.provider);
  expect(await call('fetch', `${backend.url}/api`)).toBe(200);
  expect(backend.verified).toHaveLength(1);
});

describe('a configured key (dpopKey, dpopKeyFile, MCA_DPOP_KEY_FILE), for a fleet that shares bound tokens', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dpop-key-'));
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  const file = join(dir, 'dpop.pem');
  writeFileSync(file, pem);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const thumbprint = (): Promise<string> => calculateJwkThumbprint(createPublicKey(privateKey).export({ format: 'jwk' }), 'sha256');

  it.each<[string, Record<string, unknown>]>([
    ['dpopKey (PEM)', { dpopKey: pem }],
    ['dpopKey (JWK)', { dpopKey: privateKey.export({ format: 'jwk' }) }],
    ['dpopKeyFile', { dpopKeyFile: file }],
    ['MCA_DPOP_KEY_FILE', { env: { MCA_DPOP_KEY_FILE: file } }],
  ])('%s: the bound token names that key, and the cache key is the same in every process with it', async (_name, extra) => {
    mw = mcaOAuth(options({ protectedBackends: [backend.url], ...extra }));
    const other = mcaOAuth(options({ protectedBackends: [backend.url], ...extra }));
    const unkeyed = mcaOAuth(options({ protectedBackends: [backend.url] }));
    try {
      expect(other.provider.cacheKey).toBe(mw.provider.cacheKey);
      expect(unkeyed.provider.cacheKey).not.toBe(mw.provider.cacheKey);
    } finally {
      await Promise.all([other.close(), unkeyed.close()]);
    }
    expect(await call('fetch', `${backend.url}/api`)).toBe(200);
    expect(backend.verified[0]!.jkt).toBe(await thumbprint());
    expect(leakedSecrets(mw, [pem, String((privateKey.export({ format: 'jwk' }) as { d?: string }).d)])).toEqual([]);
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['an RSA key', { dpopKey: generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey }, 'ERR_MCA_INVALID_DPOP_KEY'],
    ['not a key', { dpopKey: 'not a key' }, 'ERR_MCA_INVALID_DPOP_KEY'],
    ['a missing file', { dpopKeyFile: join(dir, 'absent.pem') }, 'ERR_MCA_INVALID_DPOP_KEY_FILE'],
    ['both', { dpopKey: pem, dpopKeyFile: file }, 'ERR_MCA_CONFLICTING_OPTIONS'],
  ])('refused at startup: %s', (_name, extra, code) => {
    let error: unknown;
    try {
      mw = mcaOAuth(options(extra));
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ name: 'McaConfigError', code });
    expect(leakedSecrets(error, [pem])).toEqual([]);
  });
});

it.each(['axios', 'fetch'] as const)('%s: a 401 with a DPoP-Nonce but no WWW-Authenticate challenge goes back to the caller as its 401', async (kind) => {
  const seen: http.IncomingHttpHeaders[] = [];
  const challengeless = await listenOnLoopback(
    http.createServer((req, res) => {
      req.resume();
      seen.push(req.headers);
      res.writeHead(401, { 'DPoP-Nonce': 'rs-nonce-1' });
      res.end();
    }),
  );
  try {
    mw = mcaOAuth(options({ protectedBackends: [challengeless.url] }));
    expect(await call(kind, `${challengeless.url}/api`)).toBe(401);
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((headers) => headers.authorization?.startsWith('DPoP ') && typeof headers.dpop === 'string')).toBe(true);
  } finally {
    await challengeless.close();
  }
});

it.each(['axios', 'fetch'] as const)('%s: a redirect off the allowlist carries neither the bound token nor a proof', async (kind) => {
  const seen: http.IncomingHttpHeaders[] = [];
  const outside = await listenOnLoopback(
    http.createServer((req, res) => {
      req.resume();
      seen.push(req.headers);
      res.end('outside');
    }),
  );
  try {
    mw = mcaOAuth(options({ protectedBackends: [backend.url] }));
    backend.redirects.set('/away', `${outside.url}/landing`);
    expect(await call(kind, `${backend.url}/away`)).toBe(200);
    expect(backend.verified).toHaveLength(1);
    expect(seen).toHaveLength(1);
    expect(seen[0]!.authorization).toBeUndefined();
    expect(seen[0]!.dpop).toBeUndefined();
  } finally {
    await outside.close();
  }
});

it.each(['axios', 'fetch'] as const)(
  '%s: a nonce on a successful answer or a redirect (RFC 9449 §9) goes into the next proof to that server: one challenge, then none',
  async (kind) => {
    mw = mcaOAuth(options({ protectedBackends: [backend.url] }));
    backend.nonce = 'rs-first';
    backend.rotateNonces = true;
    // The first call meets the challenge; its 200 hands out the next nonce.
    expect(await call(kind, `${backend.url}/api`)).toBe(200);
    expect(await call(kind, `${backend.url}/api`)).toBe(200);
    // A redirect hop carries the nonce the 302 itself handed out.
    backend.redirects.set('/start', `${backend.url}/landing`);
    expect(await call(kind, `${backend.url}/start`)).toBe(200);
    expect(backend.refused).toEqual(['nonce']);
    expect(backend.verified.map((v) => [v.htu, v.nonce])).toEqual([
      [`${backend.url}/api`, 'rs-first'],
      [`${backend.url}/api`, backend.rotated[0]],
      [`${backend.url}/start`, backend.rotated[1]],
      [`${backend.url}/landing`, backend.rotated[2]],
    ]);
    expect(new Set(backend.rotated).size).toBe(4);
    expect(mw.provider.stats().fetches).toBe(1);
  },
);

async function callWith(kind: 'axios' | 'fetch', url: string, headers: Record<string, string>, mcaAuth?: false): Promise<number> {
  if (kind === 'axios') return (await mw!.client.get(url, { headers, validateStatus: () => true, ...(mcaAuth === false ? { mcaAuth } : {}) })).status;
  const response = await mw!.fetch(url, { headers, ...(mcaAuth === false ? { mcaAuth } : {}) });
  await response.arrayBuffer();
  return response.status;
}

it.each(['axios', 'fetch'] as const)(
  "%s: a caller's own DPoP header on a bound call: the package's proof replaces it (one proof on the wire, each hop its own), and none reaches another origin",
  async (kind) => {
    const seen: http.IncomingHttpHeaders[] = [];
    const outside = await listenOnLoopback(
      http.createServer((req, res) => {
        req.resume();
        seen.push(req.headers);
        res.end('outside');
      }),
    );
    try {
      mw = mcaOAuth(options({ protectedBackends: [backend.url] }));
      backend.redirects.set('/start', `${backend.url}/next`);
      backend.redirects.set('/next', `${outside.url}/landing`);
      for (const name of ['DPoP', 'dpop', 'Dpop']) expect(await callWith(kind, `${backend.url}/start`, { [name]: 'callers-own-proof' })).toBe(200);
      expect(backend.refused).toEqual([]);
      expect(backend.seenProofs).not.toContain('callers-own-proof');
      const hops = [`${backend.url}/start`, `${backend.url}/next`];
      expect(backend.verified.map((v) => v.htu)).toEqual([...hops, ...hops, ...hops]);
      expect(new Set(backend.verified.map((v) => v.jti)).size).toBe(6);
      expect(seen).toHaveLength(3);
      for (const headers of seen) {
        expect(headers.dpop).toBeUndefined();
        expect(headers.authorization).toBeUndefined();
      }
    } finally {
      await outside.close();
    }
  },
);

it("axios, through a caller's adapter that sends with fetch itself (plain header objects both ways): one proof whatever the spelling of the caller's own DPoP header, and the server's nonce is taken", async () => {
  mw = mcaOAuth(options({ protectedBackends: [backend.url] }));
  backend.nonce = 'rs-nonce-1';
  // An adapter of the caller's hands the headers on as they are: a second spelling of DPoP beside
  // the package's proof would go out as a second value, which the back end refuses.
  const froms: unknown[] = [];
  const adapter = async (config: InternalAxiosRequestConfig): Promise<AxiosResponse> => {
    const headers = config.headers.toJSON() as Record<string, string>;
    froms.push(headers.From);
    const response = await fetch(String(config.url), { method: String(config.method).toUpperCase(), headers });
    const bare = String(config.url).endsWith('/bare'); // an answer with no headers at all
    return {
      status: response.status,
      statusText: '',
      headers: bare ? undefined : Object.fromEntries(response.headers),
      data: await response.text(),
      config,
      request: {},
    } as AxiosResponse;
  };
  for (const name of ['dpop', 'Dpop', 'DPOP']) {
    const headers = { [name]: 'callers-own-proof', From: 'ops@example.com' }; // another name of four letters stays
    const response = await mw.client.get(`${backend.url}/api`, { adapter, headers, validateStatus: () => true });
    expect([name, response.status]).toEqual([name, 200]);
  }
  expect((await mw.client.get(`${backend.url}/bare`, { adapter })).status).toBe(200);
  // The nonce came in a plain header object, on the first 401: one retry, then every proof carries it.
  expect(backend.refused).toEqual(['nonce']);
  expect(backend.verified.map((v) => v.nonce)).toEqual(['rs-nonce-1', 'rs-nonce-1', 'rs-nonce-1', 'rs-nonce-1']);
  expect(backend.seenProofs.filter((proof) => proof.includes('callers-own-proof'))).toEqual([]);
  expect(froms).toEqual([...Array<string>(4).fill('ops@example.com'), undefined]);
});

it.each(['axios', 'fetch'] as const)(
  '%s: a call with its own `Authorization: DPoP` and proof (it opts out): both stay on a same-origin redirect and are dropped on a cross-origin one, as Authorization is',
  async (kind) => {
    const seen: { port: string; path: string; headers: http.IncomingHttpHeaders }[] = [];
    const servers: { url: string; close(): Promise<void> }[] = [];
    const record = (req: http.IncomingMessage): void => {
      seen.push({ port: new URL(`http://${req.headers.host}`).port, path: req.url ?? '', headers: req.headers });
    };
    const second = await listenOnLoopback(
      http.createServer((req, res) => {
        req.resume();
        record(req);
        res.end('second');
      }),
    );
    servers.push(second);
    const first = await listenOnLoopback(
      http.createServer((req, res) => {
        req.resume();
        record(req);
        const to = req.url === '/start' ? '/same' : req.url === '/same' ? `${second.url}/other` : undefined;
        if (to !== undefined) res.writeHead(302, { Location: to });
        res.end();
      }),
    );
    servers.push(first);
    try {
      mw = mcaOAuth(options({ protectedBackends: [backend.url] }));
      const own = { Authorization: 'DPoP callers-own-token', DPoP: 'callers-own-proof' };
      expect(await callWith(kind, `${first.url}/start`, own)).toBe(200);
      expect(await callWith(kind, `${first.url}/start`, { DPoP: 'callers-own-proof' }, false)).toBe(200);
      expect(seen.map((s) => [s.path, s.headers.authorization, s.headers.dpop])).toEqual([
        ['/start', 'DPoP callers-own-token', 'callers-own-proof'],
        ['/same', 'DPoP callers-own-token', 'callers-own-proof'],
        ['/other', undefined, undefined],
        ['/start', undefined, 'callers-own-proof'],
        ['/same', undefined, 'callers-own-proof'],
        ['/other', undefined, undefined],
      ]);
    } finally {
      await Promise.all(servers.map((s) => s.close()));
    }
  },
);

it('fetch with a Headers object (the general header path, not the plain-object one): the proof goes with the token', async () => {
  mw = mcaOAuth(options({ protectedBackends: [backend.url] }));
  const response = await mw.fetch(`${backend.url}/api/orders`, { headers: new Headers({ 'X-Trace': 't1' }) });
  await response.arrayBuffer();
  expect(response.status).toBe(200);
  expect(backend.seenProofs.length).toBeGreaterThan(0);
});

it("fetch with a plain header object on a bound call: the caller's other headers go with the proof, four-letter names (From, X-Id) too", async () => {
  mw = mcaOAuth(options({ protectedBackends: [backend.url] }));
  const headers = { From: 'ops@example.test', 'X-Id': 'id-7', 'X-Trace': 't1' };
  const response = await mw.fetch(`${backend.url}/api/orders`, { headers });
  await response.arrayBuffer();
  expect(response.status).toBe(200);
  expect(backend.refused).toEqual([]);
  expect(backend.received.map((h) => [h.from, h['x-id'], h['x-trace']])).toEqual([['ops@example.test', 'id-7', 't1']]);
});

it.each(['axios', 'fetch'] as const)('%s: the replay after a 401 carries a fresh proof for the new token, and the back end takes it', async (kind) => {
  mw = mcaOAuth(options({ protectedBackends: [backend.url] }));
  // `/once` is refused (after its proof passed) the first time only: a token the back end stopped taking.
  const denyOnce = new Set(['/once']);
  backend.deny = { has: (path: string) => denyOnce.delete(path) } as Set<string>;
  expect(await call(kind, `${backend.url}/once`)).toBe(200);
  expect(backend.refused).toEqual(['denied']);
  expect(backend.verified).toHaveLength(2);
  expect(backend.verified[1]!.jti).not.toBe(backend.verified[0]!.jti);
  expect(backend.verified[1]!.proof).not.toBe(backend.verified[0]!.proof);
  expect(mw.provider.stats().fetches).toBe(2);
});

/**
 * A resource server that answers request n (from 1) with 401 `use_dpop_nonce` and `DPoP-Nonce:
 * nonce(n)`, or 200 once `nonce(n)` is undefined. Keeps the nonce each proof carried. The
 * middleware `mw` protects it, with DPoP and without the 401 rule; both close after the test.
 */
let challenger: Loopback | undefined;
afterEach(async () => {
  await challenger?.close();
  challenger = undefined;
});
async function challengedBy(nonce: (n: number) => string | undefined): Promise<{ url: string; carried: (string | undefined)[]; mw: McaOAuthMiddleware }> {
  const carried: (string | undefined)[] = [];
  challenger = await listenOnLoopback(
    http.createServer((req, res) => {
      req.resume();
      const proof = req.headers.dpop;
      carried.push(typeof proof === 'string' ? (decodeJwt(proof).nonce as string | undefined) : 'no proof');
      const value = nonce(carried.length);
      if (value === undefined) {
        res.end('ok');
        return;
      }
      res.writeHead(401, { 'WWW-Authenticate': 'DPoP error="use_dpop_nonce"', 'DPoP-Nonce': value });
      res.end();
    }),
  );
  mw = mcaOAuth(options({ protectedBackends: [challenger.url], retryOn401: false }));
  return { url: challenger.url, carried, mw };
}

describe.each(['axios', 'fetch'] as const)('%s: how often a use_dpop_nonce 401 is retried (retryOn401 off)', (kind) => {
  it('a server that asks for a new nonce on every proof gets one retry, then the caller its 401', async () => {
    const rs = await challengedBy((n) => (n <= 3 ? `rs-${n}` : undefined));
    expect(await call(kind, `${rs.url}/api`)).toBe(401);
    expect(rs.carried).toStrictEqual([undefined, 'rs-1']);
  });

  it('a challenge for the very nonce the proof carried is not retried', async () => {
    const rs = await challengedBy(() => 'rs-same');
    expect(await call(kind, `${rs.url}/api`)).toBe(401);
    expect(await call(kind, `${rs.url}/api`)).toBe(401);
    expect(rs.carried).toStrictEqual([undefined, 'rs-same', 'rs-same']);
  });

  it('a challenge whose nonce is no nonce (RFC 9449 §8.1: no spaces) is not retried', async () => {
    const rs = await challengedBy(() => 'not a nonce');
    expect(await call(kind, `${rs.url}/api`)).toBe(401);
    expect(rs.carried).toStrictEqual([undefined]);
  });
});

it('axios: a POST with a stream body is not retried for a DPoP nonce (the body is gone)', async () => {
  const rs = await challengedBy(() => 'rs-1');
  const response = await rs.mw.client.post(`${rs.url}/api`, Readable.from(['payload']), { validateStatus: () => true });
  expect(response.status).toBe(401);
  expect(rs.carried).toStrictEqual([undefined]);
});
