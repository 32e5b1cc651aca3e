// Issue 9, row 9: an error of this package never makes Express answer the end user with the token
// server's status.
import express from 'express';
import request from 'supertest';
import { McaTokenError, mcaOAuth, type McaOAuthMiddleware } from '../../lib';
import { startTokenServer, type TokenServer } from '../helpers/token-server';
import { startProtectedBackend, type ProtectedBackend } from '../helpers/protected-backend';

let tokens: TokenServer;
let backend: ProtectedBackend;
let auth: McaOAuthMiddleware | undefined;
beforeEach(async () => {
  tokens = await startTokenServer();
  backend = await startProtectedBackend(() => tokens.issued);
});
afterEach(async () => {
  await auth?.close();
  await Promise.all([tokens.close(), backend.close()]);
});

function app(extra: Record<string, unknown>) {
  auth = mcaOAuth({ env: {}, envFile: false, clientId: 'client-1', secret: 's3cr3t-value', tenantId: 'tenant-1', serverUrl: tokens.serverUrl, ...extra });
  const a = express();
  a.use(auth);
  a.get('/default', async (req, res, next) => {
    try {
      res.json((await req.mcaClient.get(`${backend.url}/x`)).data);
    } catch (e) {
      next(e);
    }
  });
  a.get('/common', async (req, res) => {
    try {
      res.json((await req.mcaClient.get(`${backend.url}/x`)).data);
    } catch (e) {
      const err = e as { status?: number };
      res.status(err.status ?? 500).json({ failed: true });
    }
  });
  return a;
}

describe.each([
  ['a wrong secret (token server 401)', { secret: 'wrong' }, 401],
  ['a wrong tenant (token server 404)', {}, 404],
])('%s', (_name, extra, tokenServerStatus) => {
  beforeEach(() => {
    if (tokenServerStatus === 404) tokens.script.push({ status: 404, body: 'no such tenant' });
  });

  it("Express's own error handler answers 503", async () => {
    const res = await request(app(extra)).get('/default');
    expect(res.status).toBe(503);
    expect(res.text).not.toContain('s3cr3t');
  });

  it('res.status(err.status ?? 500) answers 503; the token server status is under tokenEndpointStatus', async () => {
    const a = app(extra);
    expect((await request(a).get('/common')).status).toBe(503);
    const error = (await auth!.provider.getAuthorizationHeader().catch((e: unknown) => e)) as McaTokenError;
    expect(error).toBeInstanceOf(McaTokenError);
    expect(error).toMatchObject({ status: 503, statusCode: 503, tokenEndpointStatus: tokenServerStatus });
  });
});
