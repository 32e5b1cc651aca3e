import { mcaOAuth, type McaOAuthMiddleware } from '../../lib';
import { startTokenServer, type TokenServer } from '../helpers/token-server';
import { startProtectedBackend, type ProtectedBackend } from '../helpers/protected-backend';

// Found by attacking issue 9's req.mcaClient: cases where the token went where it had no business,
// or a good token was thrown away.
let tokens: TokenServer;
let home: ProtectedBackend;
let foreign: ProtectedBackend;
const opened: McaOAuthMiddleware[] = [];

beforeEach(async () => {
  tokens = await startTokenServer();
  home = await startProtectedBackend(() => tokens.issued);
  foreign = await startProtectedBackend(() => tokens.issued);
});
afterEach(async () => {
  await Promise.all(opened.splice(0).map((m) => m.close()));
  await Promise.all([tokens.close(), home.close(), foreign.close()]);
});

function middleware(adapter: 'http' | 'fetch'): McaOAuthMiddleware {
  const m = mcaOAuth({
    env: { MCA_CLIENT_ID: 'client-1', MCA_SECRET: 's3cr3t-value', MCA_TENANT_ID: 'tenant-1', MCA_SERVER_URL: tokens.serverUrl },
    envFile: false,
    axios: { adapter },
  });
  opened.push(m);
  return m;
}

describe.each(['http', 'fetch'] as const)('with the %s adapter', (adapter) => {
  it('a redirect that leaves the origin and comes back does not bring the token back', async () => {
    const m = middleware(adapter);
    home.redirects.set('/start', `${foreign.url}/bounce`);
    foreign.redirects.set('/bounce', `${home.url}/chosen-by-foreign`);
    const response = await m.client.get(`${home.url}/start`, { validateStatus: () => true });
    expect(response.status).toBe(401);
    expect(foreign.seen).toEqual([undefined]);
    // The first hop had it; the hop the foreign server chose does not.
    expect(home.seen).toEqual(['Bearer tok-1', undefined]);
  });

  it("axios's `auth` option is the caller's own credential: no token, and its 401 drops no token", async () => {
    const m = middleware(adapter);
    await m.provider.getAuthorizationHeader(); // a good token in the cache
    home.always = 401;
    for (let i = 0; i < 3; i++) {
      const response = await m.client.get(`${home.url}/x`, { auth: { username: 'u', password: 'p' }, validateStatus: () => true });
      expect(response.status).toBe(401);
    }
    expect(home.seen).toEqual(Array(3).fill(`Basic ${Buffer.from('u:p').toString('base64')}`));
    expect(tokens.requests).toHaveLength(1);
  });
});
