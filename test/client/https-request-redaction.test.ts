// An `https:` call's TLS socket keeps the options it was opened with, the request's headers
// included (tls.connect's `connect-options`), and the socket is reachable from the response and
// from the error the caller gets: what they show at full depth must not hold the token.
import https from 'node:https';
import { inspect } from 'node:util';
import { mcaOAuth, type McaOAuthMiddleware } from '../../lib';
import { TestCa, rsaKey } from '../helpers/certificates';
import { listenOnLoopback, type Loopback } from '../helpers/loopback';
import { startTokenServer, type TokenServer } from '../helpers/token-server';

const ca = new TestCa();
const key = rsaKey();
const cert = ca.issue(key, 'backend.test');
let tokens: TokenServer;
let backend: Loopback;
let auth: McaOAuthMiddleware | undefined;

beforeAll(async () => {
  tokens = await startTokenServer();
  backend = await listenOnLoopback(
    https.createServer({ key: key.privatePem, cert }, (req, res) => {
      req.resume();
      res.writeHead(req.url === '/fail' ? 500 : 200, { 'content-type': 'application/json' });
      res.end('{}');
    }),
  );
});
afterAll(async () => {
  await auth?.close();
  await backend.close();
  await tokens.close();
  ca.dispose();
});

function start(): McaOAuthMiddleware {
  auth = mcaOAuth({
    env: { MCA_CLIENT_ID: 'client-1', MCA_SECRET: 's3cr3t-value', MCA_TENANT_ID: 'tenant-1', MCA_SERVER_URL: tokens.serverUrl },
    envFile: false,
  });
  return auth;
}

const url = (path: string): string => backend.url.replace('http:', 'https:') + path;
// The chain is verified against the test CA; the certificate names a host, the call an IP.
const agent = (keepAlive: boolean): https.Agent => new https.Agent({ ca: ca.pem, checkServerIdentity: () => undefined, keepAlive });

describe.each([
  ['a fresh socket', false],
  ['a kept-alive socket', true],
])("auth.client over https, %s: the TLS socket's options hold no token", (_name, keepAlive) => {
  it('in the response a call resolves to, and in the error of a 500', async () => {
    const client = start().client;
    const httpsAgent = agent(keepAlive);
    const response = await client.get(url('/ok'), { httpsAgent });
    const error = await client.get(url('/fail'), { httpsAgent }).then(
      () => undefined,
      (e: unknown) => e,
    );
    httpsAgent.destroy();
    expect(response.status).toBe(200);
    expect(error).toMatchObject({ response: { status: 500 } });
    expect(tokens.issued).toContain('tok-1');
    // Not showHidden: the socket is an own property, its options an own (symbol) one.
    expect(inspect(response, { depth: Infinity })).not.toContain('tok-1');
    expect(inspect(error, { depth: Infinity })).not.toContain('tok-1');
  });
});
