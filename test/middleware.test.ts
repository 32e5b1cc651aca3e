import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express5 from 'express';
import express4 from 'express4';
import request from 'supertest';
import { mcaOAuth, type McaOAuthMiddleware } from '../lib';
import { startTokenServer, type TokenServer } from './helpers/token-server';
import { startProtectedBackend, type ProtectedBackend } from './helpers/protected-backend';

let tokens: TokenServer;
let backend: ProtectedBackend;
let other: ProtectedBackend;
const opened: McaOAuthMiddleware[] = [];

beforeEach(async () => {
  tokens = await startTokenServer();
  backend = await startProtectedBackend(() => tokens.issued);
  other = await startProtectedBackend(() => tokens.issued);
});
afterEach(async () => {
  await Promise.all(opened.splice(0).map((m) => m.close()));
  await Promise.all([tokens.close(), backend.close(), other.close()]);
});

function middleware(extra: Record<string, unknown> = {}): McaOAuthMiddleware {
  const m = mcaOAuth({
    env: {
      VCAP_SERVICES: JSON.stringify({
        AdvancedMobileAccess: [
          { name: 'mca', credentials: { clientId: 'client-1', secret: 's3cr3t-value', tenantId: 'tenant-1', serverUrl: tokens.serverUrl } },
        ],
      }),
    },
    envFile: false,
    ...extra,
  });
  opened.push(m);
  return m;
}

const frameworks = [
  ['Express 5', express5],
  ['Express 4', express4],
] as const;

describe.each(frameworks)('%s', (_name, express) => {
  function app(m: McaOAuthMiddleware) {
    const a = express();
    a.use(m);
    a.get('/header', async (req, res, next) => {
      try {
        res.json({ header: await req.mcaAuth() });
      } catch (e) {
        next(e);
      }
    });
    a.get('/orders', async (req, res, next) => {
      try {
        const r = await req.mcaClient.get(`${backend.url}/api/orders`);
        res.json(r.data);
      } catch (e) {
        next(e);
      }
    });
    return a;
  }

  it('gives every request req.mcaAuth() with the cached Bearer header', async () => {
    const a = app(middleware());
    const first = await request(a).get('/header').expect(200);
    const second = await request(a).get('/header').expect(200);
    expect(first.body).toEqual({ header: 'Bearer tok-1' });
    expect(second.body).toEqual({ header: 'Bearer tok-1' });
    expect(tokens.requests).toHaveLength(1);
  });

  it('calls a protected back end through req.mcaClient with the token injected', async () => {
    const a = app(middleware());
    const res = await request(a).get('/orders').expect(200);
    expect(res.body).toEqual({ ok: true, path: '/api/orders', token: 'tok-1' });
    expect(backend.seen).toEqual(['Bearer tok-1']);
  });

  it('shares one provider and one client across requests', async () => {
    const m = middleware();
    const a = express();
    const seen: unknown[] = [];
    a.use(m);
    a.get('/', (req, res) => {
      seen.push(req.mcaClient, req.mcaAuth);
      res.end();
    });
    await request(a).get('/');
    await request(a).get('/');
    expect(seen[0]).toBe(m.client);
    expect(seen[2]).toBe(seen[0]);
    expect(seen[3]).toBe(seen[1]);
  });

  it('gives the fields only to requests that passed the middleware, each router its own', async () => {
    const a = express();
    const first = middleware();
    const second = middleware();
    const seen: Record<string, unknown> = {};
    a.get('/before', (req, res) => {
      seen.before = req.mcaClient;
      res.end();
    });
    const r1 = express.Router();
    r1.use(first);
    r1.get('/one', (req, res) => {
      seen.one = req.mcaClient;
      req.mcaClient = 'overridden' as never;
      seen.assigned = req.mcaClient;
      res.end();
    });
    const r2 = express.Router();
    r2.use(second);
    r2.get('/two', (req, res) => {
      seen.two = req.mcaClient;
      res.end();
    });
    a.use('/r1', r1);
    a.use('/r2', r2);
    await request(a).get('/before').expect(200);
    await request(a).get('/r1/one').expect(200);
    await request(a).get('/r2/two').expect(200);
    expect(seen.before).toBeUndefined();
    expect(seen.one).toBe(first.client);
    expect(seen.two).toBe(second.client);
    expect(seen.assigned).toBe('overridden');
  });

  it('explains app.use(mcaOAuth) without the call', async () => {
    const a = express();
    a.use(mcaOAuth as never);
    a.get('/', (_req, res) => res.end('unreachable'));
    const res = await request(a).get('/').expect(500);
    expect(res.text).toContain('it should be `app.use(mcaOAuth())`');
  });

  it('passes a token endpoint failure to the error handler with its code', async () => {
    tokens.script.push({ status: 401, body: { error: 'invalid_client' } });
    const a = app(middleware());
    a.use((err: { code?: string }, _req: unknown, res: { status(n: number): { json(b: unknown): void } }, _next: unknown) => {
      res.status(502).json({ code: err.code });
    });
    const res = await request(a).get('/header').expect(502);
    expect(res.body).toEqual({ code: 'ERR_MCA_INVALID_CLIENT' });
  });
});

describe('the token goes only where it belongs', () => {
  it('is sent on every request when protectedBackends is not set', async () => {
    const m = middleware();
    await m.client.get(`${other.url}/x`);
    expect(other.seen).toEqual(['Bearer tok-1']);
  });

  it('is sent only to matching origins and prefixes when protectedBackends is set', async () => {
    const m = middleware({ protectedBackends: [`${backend.url}/api/`] });
    await m.client.get(`${backend.url}/api/orders`);
    await m.client.get(`${backend.url}/apiX`).catch(() => undefined);
    await m.client.get(`${backend.url}/api/../admin`).catch(() => undefined);
    await m.client.get(`${other.url}/api/orders`).catch(() => undefined);
    expect(backend.seen).toEqual(['Bearer tok-1', undefined, undefined]);
    expect(other.seen).toEqual([undefined]);
  });

  it('matches an origin entry, a RegExp entry, a baseURL with relative paths, and reads MCA_PROTECTED_BACKENDS', async () => {
    const byOrigin = middleware({ protectedBackends: [backend.url], axios: { baseURL: backend.url } });
    await byOrigin.client.get('/relative');
    const byRegExp = middleware({ protectedBackends: [/\/only-this$/g] });
    await byRegExp.client.get(`${other.url}/only-this`);
    await byRegExp.client.get(`${other.url}/only-this`);
    await byRegExp.client.get(`${other.url}/not-this`).catch(() => undefined);
    const fromEnv = mcaOAuth({
      env: {
        MCA_PROTECTED_BACKENDS: ` ${other.url} , `,
        MCA_CLIENT_ID: 'client-1',
        MCA_SECRET: 's3cr3t-value',
        MCA_TENANT_ID: 'tenant-1',
        MCA_SERVER_URL: tokens.serverUrl,
      },
      envFile: false,
    });
    opened.push(fromEnv);
    await fromEnv.client.get(`${other.url}/env`);
    await fromEnv.client.get(`${backend.url}/env`).catch(() => undefined);
    expect(backend.seen).toEqual(['Bearer tok-1', undefined]);
    expect(other.seen.slice(0, 3)).toEqual(['Bearer tok-2', 'Bearer tok-2', undefined]);
    expect(other.seen[3]).toBe('Bearer tok-3');
  });

  it('leaves a request with its own Authorization header, or with mcaAuth: false, alone', async () => {
    const m = middleware();
    await m.client.get(`${other.url}/x`, { headers: { authorization: 'Bearer mine' } }).catch(() => undefined);
    await m.client.get(`${other.url}/x`, { mcaAuth: false }).catch(() => undefined);
    expect(other.seen).toEqual(['Bearer mine', undefined]);
    expect(tokens.requests).toHaveLength(0);
  });

  it('works outside requests through .client and .provider', async () => {
    const m = middleware();
    await expect(m.provider.getAuthorizationHeader()).resolves.toBe('Bearer tok-1');
    const r = await m.client.get(`${backend.url}/job`);
    expect(r.data.token).toBe('tok-1');
  });
});

describe('Connect-style plain http server', () => {
  it('runs as (req, res, next) on a bare node http server', async () => {
    const m = middleware();
    const server = http.createServer((req, res) => {
      m(req, res, () => {
        void (req as unknown as { mcaAuth(): Promise<string> }).mcaAuth().then(
          (header) => res.end(header),
          (error: Error) => res.writeHead(500).end(error.message),
        );
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    const res = await request(`http://127.0.0.1:${port}`).get('/');
    expect(res.text).toBe('Bearer tok-1');
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });
});
