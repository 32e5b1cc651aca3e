// Issue 15, a token per back end: three back ends on loopback, each checking the audience, scope
// or client of the token it receives, through req.mcaClient (axios) and req.mcaFetch (fetch).
import express from 'express';
import type { AddressInfo } from 'node:net';
import { mcaOAuth, type McaOAuthMiddleware, type McaOAuthOptions, type TokenEvent, type InvalidatedEvent } from '../../lib';
import { leakedSecrets, watchForLeaks } from '../helpers/leak-watch';
import { callThrough, type Transport as Kind } from '../helpers/both-transports';
import { startClaimsBackend, startClaimsTokenServer, type ClaimsBackend, type ClaimsTokenServer } from '../helpers/claims-token-server';
import { runCli } from '../helpers/run-cli';

const MAIN_SECRET = 'main-s3cret-value';
const INV_SECRET = 'inventory-s3cret-value';
let tokens: ClaimsTokenServer;
let orders: ClaimsBackend;
let billing: ClaimsBackend;
let inventory: ClaimsBackend;
let plain: ClaimsBackend;
let outsider: ClaimsBackend;
let mw: McaOAuthMiddleware | undefined;
const secrets = (): string[] => [MAIN_SECRET, INV_SECRET, ...(tokens?.issued.map((t) => t.token) ?? [])];
const watch = watchForLeaks(secrets);

beforeEach(async () => {
  tokens = await startClaimsTokenServer({ 'main-client': MAIN_SECRET, 'inv-client': INV_SECRET });
  orders = await startClaimsBackend({ client: 'main-client', audience: 'orders-api' }, () => tokens);
  billing = await startClaimsBackend({ client: 'main-client', scope: 'billing:write' }, () => tokens);
  inventory = await startClaimsBackend({ client: 'inv-client' }, () => tokens);
  plain = await startClaimsBackend({ client: 'main-client' }, () => tokens);
  outsider = await startClaimsBackend({}, () => tokens);
});
afterEach(async () => {
  await mw?.close();
  mw = undefined;
  await Promise.all([tokens, orders, billing, inventory, plain, outsider].map((s) => s.close()));
});

/** The middleware's own client, on the claims token server, with no environment. */
function mainClient(): McaOAuthOptions {
  return { env: {}, envFile: false, clientId: 'main-client', secret: MAIN_SECRET, tokenUrl: tokens.url };
}

function make(extra: Record<string, unknown> = {}): McaOAuthMiddleware {
  mw = mcaOAuth({
    ...mainClient(),
    protectedBackends: [
      { match: `${orders.url}/`, audience: 'orders-api', name: 'orders' },
      { match: new RegExp(`^${billing.url.replace(/\./g, '\\.')}/`), scope: 'billing:write', name: 'billing' },
      { match: inventory.url, clientId: 'inv-client', secret: INV_SECRET, name: 'inventory' },
      plain.url,
    ],
    ...extra,
  });
  return mw;
}

const call = callThrough(watch, secrets);

/** The same back ends, where billing accepts redirects from orders, and inventory from billing. */
function accepting(): McaOAuthOptions['protectedBackends'] {
  return [
    { match: `${orders.url}/`, audience: 'orders-api', name: 'orders' },
    { match: new RegExp(`^${billing.url.replace(/\./g, '\\.')}/`), scope: 'billing:write', name: 'billing', acceptRedirectsFrom: ['orders'] },
    { match: inventory.url, clientId: 'inv-client', secret: INV_SECRET, name: 'inventory', acceptRedirectsFrom: ['billing'] },
    plain.url,
  ];
}

describe.each<Kind>(['axios', 'fetch'])('through %s', (kind) => {
  it('each back end gets a token for its own audience, scope or client; a plain entry gets the default', async () => {
    const m = make();
    expect(await call(kind, m, `${orders.url}/o`)).toBe(200);
    expect(await call(kind, m, `${billing.url}/b`)).toBe(200);
    expect(await call(kind, m, `${inventory.url}/i`)).toBe(200);
    expect(await call(kind, m, `${plain.url}/p`)).toBe(200);
    expect(orders.hits.map((h) => h.claims)).toEqual([{ client: 'main-client', audience: 'orders-api' }]);
    expect(billing.hits.map((h) => h.claims)).toEqual([{ client: 'main-client', scope: 'billing:write' }]);
    expect(inventory.hits.map((h) => h.claims)).toEqual([{ client: 'inv-client' }]);
    expect(plain.hits.map((h) => h.claims)).toEqual([{ client: 'main-client' }]);
    expect(tokens.issued).toHaveLength(4);
    // A URL off every entry gets none.
    expect(await call(kind, m, `${outsider.url}/x`)).toBe(401);
    expect(outsider.hits.map((h) => h.authorization)).toEqual([undefined]);
  });

  it('concurrent calls make one token request per back end (own single flight)', async () => {
    const m = make();
    const urls = [orders, billing, inventory].flatMap((b) => Array.from({ length: 10 }, (_, i) => `${b.url}/c${i}`));
    const statuses = await Promise.all(urls.map((u) => call(kind, m, u)));
    expect(statuses.every((s) => s === 200)).toBe(true);
    expect(tokens.posts({ audience: 'orders-api' })).toBe(1);
    expect(tokens.posts({ scope: 'billing:write' })).toBe(1);
    expect(tokens.posts({ client: 'inv-client' })).toBe(1);
    expect(tokens.issued).toHaveLength(3);
  });

  it('trust is per entry: a redirect into another entry carries no token unless that entry accepts the source (issue 21)', async () => {
    // Without acceptRedirectsFrom: billing gets no token from a redirect that orders chose.
    const strict = make();
    expect(await call(kind, strict, `${orders.url}/redirect?to=${encodeURIComponent(`${billing.url}/landed`)}`)).toBe(401);
    expect(billing.hits.map((h) => [h.path, h.authorization])).toEqual([['/landed', undefined]]);
    await strict.close();
    billing.hits.length = 0;
    const m = make({ protectedBackends: accepting() });
    expect(await call(kind, m, `${orders.url}/redirect?to=${encodeURIComponent(`${billing.url}/landed`)}`)).toBe(200);
    expect(orders.hits.map((h) => h.claims?.audience)).toEqual(['orders-api', 'orders-api']);
    expect(billing.hits.map((h) => [h.path, h.claims?.scope])).toEqual([['/landed', 'billing:write']]);
    // inventory accepts billing, but a chain that started at orders passed through orders: none.
    expect(await call(kind, m, `${billing.url}/redirect?to=${encodeURIComponent(`${inventory.url}/inv`)}`)).toBe(200);
    expect(inventory.hits.map((h) => h.claims?.client)).toEqual(['inv-client']);
    const through = `${billing.url}/redirect?to=${encodeURIComponent(`${inventory.url}/chain`)}`;
    expect(await call(kind, m, `${orders.url}/redirect?to=${encodeURIComponent(through)}`)).toBe(401);
    expect(inventory.hits.at(-1)).toMatchObject({ path: '/chain', authorization: undefined });
    expect(await call(kind, m, `${inventory.url}/redirect?to=${encodeURIComponent(`${outsider.url}/away`)}`)).toBe(401);
    expect(outsider.hits.map((h) => h.authorization)).toEqual([undefined]);
  });

  it('once a hop went off every entry, no later hop gets a token, not even on a protected back end', async () => {
    const m = make();
    const back = `${outsider.url}/redirect?to=${encodeURIComponent(`${billing.url}/bounced`)}`;
    expect(await call(kind, m, `${orders.url}/redirect?to=${encodeURIComponent(back)}`)).toBe(401);
    expect(outsider.hits.map((h) => h.authorization)).toEqual([undefined]);
    expect(billing.hits.map((h) => [h.path, h.authorization])).toEqual([['/bounced', undefined]]);
  });

  it('a 401 from one back end drops and refetches only that back end’s token', async () => {
    const m = make();
    for (const b of [orders, billing, inventory]) expect(await call(kind, m, `${b.url}/warm`)).toBe(200);
    const invalidated: InvalidatedEvent[] = [];
    for (const p of m.backends.values()) p.on('invalidated', (e) => invalidated.push(e));
    const billingToken = billing.hits[0]!.authorization!.slice(7);
    billing.revoked.add(billingToken);
    expect(await call(kind, m, `${billing.url}/again`)).toBe(200);
    expect(tokens.posts({ scope: 'billing:write' })).toBe(2);
    expect(tokens.posts({ audience: 'orders-api' })).toBe(1);
    expect(tokens.posts({ client: 'inv-client' })).toBe(1);
    expect(invalidated).toEqual([{ reason: 'backend-401', backend: 'billing' }]);
    // The others still use their first token.
    expect(await call(kind, m, `${orders.url}/after`)).toBe(200);
    expect(orders.hits.at(-1)!.authorization).toBe(orders.hits[0]!.authorization);
  });

  it('a 401 from the second back end of a redirect refreshes that back end’s token; only that hop is replayed (issue 21)', async () => {
    const m = make({ protectedBackends: accepting() });
    expect(await call(kind, m, `${billing.url}/warm`)).toBe(200);
    billing.revoked.add(billing.hits[0]!.authorization!.slice(7));
    expect(await call(kind, m, `${orders.url}/redirect?to=${encodeURIComponent(`${billing.url}/landed`)}`)).toBe(200);
    expect(tokens.posts({ scope: 'billing:write' })).toBe(2);
    expect(tokens.posts({ audience: 'orders-api' })).toBe(1);
    const landed = billing.hits.filter((h) => h.path === '/landed').map((h) => h.authorization);
    expect(landed).toHaveLength(2);
    expect(landed[0]).not.toBe(landed[1]);
    expect(orders.hits.map((h) => h.path)).toEqual(['/redirect']);
  });
});

describe('names', () => {
  it('req.mcaAuth(name | url) gives that back end’s header, without argument the default; an unknown name rejects', async () => {
    const m = make();
    const app = express();
    app.use(m);
    app.get('/h', async (req, res) => {
      const seen = await Promise.all([req.mcaAuth(), req.mcaAuth('billing'), req.mcaAuth(`${orders.url}/x`), req.mcaAuth('inventory')]);
      const unknown = await req.mcaAuth('biling').catch((e: { code: string }) => e.code);
      const offList = await req.mcaAuth(`${outsider.url}/x`).catch((e: { code: string }) => e.code);
      // A URL with userinfo brings its own credentials: never a token for it, as on the outbound path.
      const withUserinfo = await req.mcaAuth(`${orders.url.replace('://', '://u:p@')}/x`).catch((e: { code: string }) => e.code);
      const viaFetch = await req.mcaFetch(`${billing.url}/from-route`);
      res.json({
        claims: seen.map((h) => JSON.parse(Buffer.from(h.split('.')[1]!, 'base64url').toString())),
        unknown,
        offList,
        withUserinfo,
        status: viaFetch.status,
      });
    });
    const server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    try {
      const r = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/h`);
      expect(await r.json()).toEqual({
        claims: [
          { client: 'main-client' },
          { client: 'main-client', scope: 'billing:write' },
          { client: 'main-client', audience: 'orders-api' },
          { client: 'inv-client' },
        ],
        unknown: 'ERR_MCA_UNKNOWN_BACKEND',
        offList: 'ERR_MCA_UNKNOWN_BACKEND',
        withUserinfo: 'ERR_MCA_UNKNOWN_BACKEND',
        status: 200,
      });
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });

  it('events, stats and the providers carry the entry’s name', async () => {
    const m = make();
    expect([...m.backends.keys()]).toEqual(['default', 'orders', 'billing', 'inventory']);
    const events: TokenEvent[] = [];
    for (const p of m.backends.values()) p.on('token', (e) => events.push(e));
    await m.authorization('orders');
    await m.authorization('inventory');
    await m.authorization();
    expect(events.map((e) => e.backend)).toEqual(['orders', 'inventory', undefined]);
    const stats = m.stats();
    expect(Object.keys(stats)).toEqual(['default', 'orders', 'billing', 'inventory']);
    expect([stats.orders!.fetches, stats.billing!.fetches, stats.inventory!.fetches, stats.default!.fetches]).toEqual([1, 0, 1, 1]);
    expect(m.backends.get('orders')!.backend).toBe('orders');
  });

  it('entries that resolve to the same token share one provider; an entry with no settings uses the default', async () => {
    mw = mcaOAuth({
      ...mainClient(),
      protectedBackends: [
        { match: orders.url, audience: 'orders-api', name: 'orders' },
        { match: billing.url, audience: 'orders-api', name: 'orders-too' },
        { match: plain.url, name: 'plain' },
      ],
    });
    expect(mw.backends.get('orders')).toBe(mw.backends.get('orders-too'));
    expect(mw.backends.get('plain')).toBe(mw.provider);
    await Promise.all([mw.authorization('orders'), mw.authorization('orders-too')]);
    expect(tokens.posts({ audience: 'orders-api' })).toBe(1);
  });
});

describe('routing', () => {
  it('the first entry that matches decides, whether it is a RegExp or a string on the same origin', async () => {
    mw = mcaOAuth({
      ...mainClient(),
      protectedBackends: [
        { match: `${orders.url}/a/`, audience: 'a', name: 'a' },
        { match: /\/b\//, audience: 'b', name: 'b' },
        { match: orders.url, audience: 'all', name: 'all' },
        ...Array.from({ length: 47 }, (_, i) => ({ match: `https://api${i}.example.com/`, audience: `aud-${i}`, name: `n${i}` })),
      ],
    });
    const audienceOf = async (url: string): Promise<string | undefined> => {
      const header = await mw!.authorization(url);
      return JSON.parse(Buffer.from(header.split('.')[1]!, 'base64url').toString()).audience;
    };
    expect(await audienceOf(`${orders.url}/a/1`)).toBe('a');
    expect(await audienceOf(`${orders.url}/b/1`)).toBe('b');
    expect(await audienceOf(`${orders.url}/c/1`)).toBe('all');
    expect(await audienceOf(`https://elsewhere.example.com/b/1`)).toBe('b');
    expect(await audienceOf('https://api46.example.com/x')).toBe('aud-46');
    // Issue 10's rules hold per entry: a hidden traversal never matches a path entry (the
    // origin entry after it takes the URL), and plain http off loopback gets no token at all.
    expect(await audienceOf(`${orders.url}/a/..%2fadmin`)).toBe('all');
    expect(await mw.authorization('http://api0.example.com/x').catch((e: { code: string }) => e.code)).toBe('ERR_MCA_UNKNOWN_BACKEND');
    expect(await mw.authorization('https://api47.example.com/x').catch((e: { code: string }) => e.code)).toBe('ERR_MCA_UNKNOWN_BACKEND');
  });
});

describe('configuration: each entry resolved and validated at startup like the top level', () => {
  it.each<[string, unknown[], string, string]>([
    [
      'own clientId without secret',
      ['https://a.example.com', 'https://b.example.com', { match: 'https://c.example.com', clientId: 'inv-client' }],
      'ERR_MCA_MISSING_SECRET',
      'protectedBackends[2].secret',
    ],
    ['a secret without clientId', [{ match: 'https://c.example.com', secret: INV_SECRET }], 'ERR_MCA_MISSING_CLIENT_ID', 'protectedBackends[0].clientId'],
    ['an empty scope', ['https://a.example.com', { match: 'https://b.example.com', scope: ' ' }], 'ERR_MCA_INVALID_SCOPE', 'protectedBackends[1].scope'],
    ['a bad tokenUrl', [{ match: 'https://b.example.com', tokenUrl: 'ftp://x' }], 'ERR_MCA_INVALID_TOKEN_URL', 'protectedBackends[0].tokenUrl'],
    ['a bad clientAuth', [{ match: 'https://b.example.com', clientAuth: 'jwt' }], 'ERR_MCA_INVALID_CLIENT_AUTH', 'protectedBackends[0].clientAuth'],
    ['a misspelled setting', [{ match: 'https://b.example.com', audince: 'x' }], 'ERR_MCA_UNKNOWN_OPTION', 'protectedBackends[0].audince'],
    ['no match', [{ audience: 'x' }], 'ERR_MCA_INVALID_PROTECTED_BACKENDS', 'protectedBackends[0].match'],
    ['a match that is not a URL', [{ match: 'orders', audience: 'x' }], 'ERR_MCA_INVALID_PROTECTED_BACKENDS', 'protectedBackends[0].match'],
    ['plain http off loopback', [{ match: 'http://orders.example.com', audience: 'x' }], 'ERR_MCA_INVALID_PROTECTED_BACKENDS', 'protectedBackends[0].match'],
    ['an empty list', [], 'ERR_MCA_INVALID_PROTECTED_BACKENDS', 'protectedBackends'],
    [
      'a duplicate name',
      [
        { match: 'https://a.example.com', name: 'x' },
        { match: 'https://b.example.com', name: 'x' },
      ],
      'ERR_MCA_INVALID_BACKEND_NAME',
      'protectedBackends[1].name',
    ],
    ['the reserved name', [{ match: 'https://a.example.com', name: 'default' }], 'ERR_MCA_INVALID_BACKEND_NAME', 'protectedBackends[0].name'],
    ['a number', [42], 'ERR_MCA_INVALID_PROTECTED_BACKENDS', 'protectedBackends[0]'],
    [
      'clientId with ":" under Basic',
      [{ match: 'https://a.example.com', clientId: 'a:b', secret: INV_SECRET }],
      'ERR_MCA_INVALID_CLIENT_ID',
      'protectedBackends[0].clientId',
    ],
  ])('%s: %s names the field', (_name, protectedBackends, code, field) => {
    let error: unknown;
    try {
      mcaOAuth({ ...mainClient(), protectedBackends: protectedBackends as never });
    } catch (e) {
      error = watch.collect(e);
    }
    expect(error).toMatchObject({ name: 'McaConfigError', code, field });
    if (field !== 'protectedBackends') expect((error as Error).message).toContain(`\`${field}`);
    expect(leakedSecrets(error, [MAIN_SECRET, INV_SECRET])).toEqual([]);
  });

  it('an entry that names an endpoint names the whole of it: an inherited tokenUrl does not outrank its serverUrl', async () => {
    const seen: string[] = [];
    const http = await import('node:http');
    const mca = http.createServer((req, res) => {
      seen.push(req.url ?? '');
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ access_token: 'mca-token', expires_in: 60 }));
    });
    await new Promise<void>((r) => mca.listen(0, '127.0.0.1', r));
    try {
      mw = mcaOAuth({
        env: { MCA_TOKEN_URL: tokens.url },
        envFile: false,
        clientId: 'main-client',
        secret: MAIN_SECRET,
        protectedBackends: [
          {
            match: orders.url,
            serverUrl: `http://127.0.0.1:${(mca.address() as AddressInfo).port}/imf`,
            tenantId: 't-1',
            // Another server: the entry names its client itself (the middleware's is never lent there).
            clientId: 'main-client',
            secret: MAIN_SECRET,
            name: 'legacy',
          },
        ],
      });
      expect(await mw.authorization('legacy')).toBe('Bearer mca-token');
      expect(seen).toEqual(['/imf/authorization/v1/apps/t-1/token']);
      expect(mw.backends.get('default')!.tokenUrl).toBe(tokens.url);
    } finally {
      mca.closeAllConnections();
      await new Promise((r) => mca.close(r));
    }
  });

  it('entries come from a JSON file (MCA_PROTECTED_BACKENDS_FILE), with their names and settings', async () => {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'mca-backends-'));
    const file = join(dir, 'backends.json');
    writeFileSync(
      file,
      JSON.stringify([
        { match: orders.url, audience: 'orders-api', name: 'orders' },
        { match: inventory.url, name: 'inventory', clientId: 'inv-client', secret: INV_SECRET },
        plain.url,
      ]),
    );
    mw = mcaOAuth({ ...mainClient(), env: { MCA_PROTECTED_BACKENDS_FILE: file } });
    expect((await mw.fetch(`${orders.url}/x`)).status).toBe(200);
    expect((await mw.fetch(`${inventory.url}/x`)).status).toBe(200);
    expect((await mw.fetch(`${plain.url}/x`)).status).toBe(200);
    expect((await mw.fetch(`${outsider.url}/x`)).status).toBe(401);
    expect(orders.hits[0]!.claims).toEqual({ client: 'main-client', audience: 'orders-api' });
    expect(inventory.hits[0]!.claims).toEqual({ client: 'inv-client' });

    writeFileSync(file, `[{"match": "${orders.url}", "secret": "${INV_SECRET}", ]`);
    const bad = (() => {
      try {
        return mcaOAuth({ ...mainClient(), env: { MCA_PROTECTED_BACKENDS_FILE: file } });
      } catch (e) {
        return watch.collect(e);
      }
    })();
    expect(bad).toMatchObject({ code: 'ERR_MCA_INVALID_PROTECTED_BACKENDS_FILE', field: 'protectedBackendsFile' });
    expect(leakedSecrets(bad, [INV_SECRET])).toEqual([]);
    const both = (() => {
      try {
        return mcaOAuth({ ...mainClient(), env: { MCA_PROTECTED_BACKENDS_FILE: file, MCA_PROTECTED_BACKENDS: orders.url } });
      } catch (e) {
        return watch.collect(e);
      }
    })();
    expect(both).toMatchObject({ code: 'ERR_MCA_CONFLICTING_OPTIONS' });
  });

  it('MCA_PROTECTED_BACKENDS keeps working for the simple case', async () => {
    mw = mcaOAuth({ ...mainClient(), env: { MCA_PROTECTED_BACKENDS: `${plain.url}, ${orders.url}/only/` } });
    expect((await mw.fetch(`${plain.url}/x`)).status).toBe(200);
    expect((await mw.fetch(`${orders.url}/elsewhere`)).status).toBe(401);
    expect(orders.hits.map((h) => h.authorization)).toEqual([undefined]);
  });
});

describe('the CLI', () => {
  it('token --backend NAME prints that back end’s token, resolved from the JSON file like the middleware', async () => {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const file = join(mkdtempSync(join(tmpdir(), 'mca-cli-')), 'backends.json');
    writeFileSync(
      file,
      JSON.stringify([
        { match: billing.url, scope: 'billing:write', name: 'billing' },
        { match: inventory.url, name: 'inventory', clientId: 'inv-client', secret: INV_SECRET },
      ]),
    );
    const run = runCli;
    const common = ['--no-env-file', '--client-id', 'main-client', '--secret', MAIN_SECRET, '--token-url', tokens.url, '--backends-file', file];
    const billingRun = await run(['token', ...common, '--backend', 'billing']);
    expect(billingRun.status).toBe(0);
    expect(tokens.issued.at(-1)!.claims).toEqual({ client: 'main-client', scope: 'billing:write' });
    expect(billingRun.out).toBe(`Bearer ${tokens.issued.at(-1)!.token}`);
    expect((await run(['token', ...common, '--backend', 'inventory'])).status).toBe(0);
    expect(tokens.issued.at(-1)!.claims).toEqual({ client: 'inv-client' });
    const unknown = await run(['token', ...common, '--backend', 'biling']);
    expect(unknown.status).toBe(1);
    expect(unknown.err).toContain('ERR_MCA_UNKNOWN_BACKEND');
    const check = await run(['check', ...common, '--backend', 'billing']);
    expect(check.out).toMatch(/^scope\s+billing:write/m);
    expect(check.out + check.err).not.toContain(MAIN_SECRET);
  });
});

describe('a client of its own takes nothing of the middleware’s client authentication', () => {
  it('the middleware’s clientAuth "post" (from MCA_CLIENT_AUTH) stays with the middleware’s client', async () => {
    const http = await import('node:http');
    const seen: { authorization: string | undefined; body: string }[] = [];
    const server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        seen.push({ authorization: req.headers.authorization, body });
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ access_token: `t${seen.length}`, expires_in: 60 }));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      mw = mcaOAuth({
        env: { MCA_CLIENT_AUTH: 'post' },
        envFile: false,
        clientId: 'main-client',
        secret: MAIN_SECRET,
        tokenUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/token`,
        protectedBackends: [{ match: inventory.url, clientId: 'inv-client', secret: INV_SECRET, name: 'inventory' }],
      });
      await mw.authorization();
      await mw.authorization('inventory');
      expect(seen[0]!.authorization).toBeUndefined();
      expect(seen[0]!.body).toContain('client_id=main-client');
      expect(seen[1]!.authorization).toBe(`Basic ${Buffer.from(`inv-client:${INV_SECRET}`).toString('base64')}`);
      expect(seen[1]!.body).toBe('grant_type=client_credentials');
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });
});

describe('an entry with a private_key_jwt client of its own', () => {
  it('signs with its own key; the middleware keeps its secret; a key in the environment is never borrowed', async () => {
    const { generateKeyPairSync, createVerify } = await import('node:crypto');
    const http = await import('node:http');
    const mine = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const theirs = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = (k: typeof mine) => k.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const forms: URLSearchParams[] = [];
    const auths: (string | undefined)[] = [];
    const server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        forms.push(new URLSearchParams(body));
        auths.push(req.headers.authorization);
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ access_token: `t${forms.length}`, expires_in: 60 }));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const tokenUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/token`;
    try {
      mw = mcaOAuth({
        env: { MCA_PRIVATE_KEY: pem(theirs) },
        envFile: false,
        clientId: 'main-client',
        secret: MAIN_SECRET,
        clientAuth: 'basic',
        tokenUrl,
        protectedBackends: [{ match: inventory.url, clientId: 'jwt-client', clientAuth: 'private_key_jwt', privateKey: pem(mine), name: 'inventory' }],
      });
      await mw.authorization('inventory');
      await mw.authorization();
      const assertion = forms[0]!.get('client_assertion')!;
      const [h, p, sig] = assertion.split('.') as [string, string, string];
      expect(JSON.parse(Buffer.from(p, 'base64url').toString())).toMatchObject({ iss: 'jwt-client', sub: 'jwt-client' });
      expect(createVerify('RSA-SHA256').update(`${h}.${p}`).verify(mine.publicKey, Buffer.from(sig, 'base64url'))).toBe(true);
      expect(auths[0]).toBeUndefined();
      expect(auths[1]).toBe(`Basic ${Buffer.from(`main-client:${MAIN_SECRET}`).toString('base64')}`);

      // Its own client, private_key_jwt, and no key of its own: MCA_PRIVATE_KEY is the middleware's.
      let error: unknown;
      try {
        mcaOAuth({
          env: { MCA_PRIVATE_KEY: pem(theirs) },
          envFile: false,
          clientId: 'main-client',
          secret: MAIN_SECRET,
          clientAuth: 'basic',
          tokenUrl,
          protectedBackends: [{ match: inventory.url, clientId: 'jwt-client', clientAuth: 'private_key_jwt' }],
        });
      } catch (e) {
        error = watch.collect(e);
      }
      expect(error).toMatchObject({ code: 'ERR_MCA_MISSING_PRIVATE_KEY', field: 'protectedBackends[0].privateKey' });
      expect(leakedSecrets(error, [pem(theirs), pem(mine), MAIN_SECRET])).toEqual([]);
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });

  it('a malformed key on an entry is named as the entry’s field', () => {
    let error: unknown;
    try {
      mcaOAuth({
        ...mainClient(),
        protectedBackends: [
          'https://a.example.com',
          { match: 'https://b.example.com', clientId: 'jwt-client', clientAuth: 'private_key_jwt', privateKey: 'not a key' },
        ],
      });
    } catch (e) {
      error = watch.collect(e);
    }
    expect(error).toMatchObject({ name: 'McaConfigError', field: 'protectedBackends[1].privateKey' });
  });
});
