// RFC 8693 §2.2.1: an exchange's answer names what it issued (`issued_token_type`). Only an access
// token (or a JWT answered as a Bearer/DPoP token) goes out as a call's Authorization; a missing
// type, an ID token, a refresh token or a SAML assertion is refused with a code of its own, and
// nothing reaches the back end. Entra's variant (the JWT bearer grant) answers no type: it works.
import http from 'node:http';
import type { Request } from 'express';
import { mcaOAuth, type McaOAuthMiddleware } from '../../lib';
import { leakedSecrets } from '../helpers/leak-watch';
import { startExchangeServer, startUserBackend, subjectToken, type ExchangeServer, CLIENT, ownClientOptions } from '../helpers/exchange-server';

const ID_TOKEN = 'urn:ietf:params:oauth:token-type:id_token';
let server: ExchangeServer;
let backend: Awaited<ReturnType<typeof startUserBackend>>;
let mw: McaOAuthMiddleware | undefined;
const alice = subjectToken('alice', Math.floor(Date.now() / 1000) + 3600);

beforeEach(async () => {
  server = await startExchangeServer(CLIENT, { audience: 'orders-api' });
  backend = await startUserBackend(server);
  server.subjects.set(alice, 'alice');
});
afterEach(async () => {
  await mw?.close();
  mw = undefined;
  await backend.close();
  await server.close();
});

function middleware(grant: 'token-exchange' | 'jwt-bearer'): McaOAuthMiddleware {
  return mcaOAuth({
    ...ownClientOptions(server),
    failureCooldownMs: 60_000,
    protectedBackends: [{ match: `${backend.url}/orders`, name: 'orders', onBehalfOf: { grant }, audience: 'orders-api' }],
  });
}

/** One call through req.mcaClient or req.mcaFetch, served as a request of alice's. */
function callAsAlice(via: 'axios' | 'fetch'): Promise<unknown> {
  const req = Object.assign(new http.IncomingMessage(null as never), { method: 'GET', headers: { authorization: `Bearer ${alice}` } });
  return new Promise((resolve) => {
    mw!(req, {} as http.ServerResponse, () => {
      const url = `${backend.url}/orders/list`;
      const served = req as unknown as Request;
      const sent = via === 'axios' ? served.mcaClient.get(url).then((r) => r.data as unknown) : served.mcaFetch(url).then((r) => r.json() as unknown);
      sent.then(resolve, resolve);
    });
  });
}

it.each<[string, 'token-exchange' | 'jwt-bearer', Record<string, unknown>, RegExp]>([
  ['missing (token exchange)', 'token-exchange', { issued_token_type: undefined }, /no `issued_token_type`, which RFC 8693 requires/],
  ['an ID token', 'token-exchange', { issued_token_type: ID_TOKEN }, /`urn:ietf:params:oauth:token-type:id_token`, not an access token/],
  ['a refresh token', 'token-exchange', { issued_token_type: 'urn:ietf:params:oauth:token-type:refresh_token' }, /refresh_token`, not an access token/],
  ['a SAML 2 assertion', 'token-exchange', { issued_token_type: 'urn:ietf:params:oauth:token-type:saml2' }, /saml2`, not an access token/],
  ['an unregistered value (not echoed)', 'token-exchange', { issued_token_type: 'urn:x:<script>' }, /neither an access token nor a JWT/],
  ['not a string', 'token-exchange', { issued_token_type: 42 }, /neither an access token nor a JWT/],
  ['an ID token, on the JWT bearer grant', 'jwt-bearer', { issued_token_type: ID_TOKEN }, /id_token`, not an access token/],
])(
  'issued_token_type %s: ERR_MCA_EXCHANGE_TOKEN_TYPE through both transports, nothing sent, remembered as a refusal',
  async (_name, grant, answer, message) => {
    server.exchangeAnswer = answer;
    mw = middleware(grant);
    for (const via of ['axios', 'fetch'] as const) {
      const error = await callAsAlice(via);
      expect(error).toMatchObject({ name: 'McaTokenError', code: 'ERR_MCA_EXCHANGE_TOKEN_TYPE', status: 503, tokenEndpointStatus: 200 });
      expect((error as Error).message).toMatch(message);
      expect((error as Error).message).toContain('`orders`');
      expect((error as Error).message).not.toContain('<script>');
      expect(leakedSecrets(error, [CLIENT.secret, alice, ...server.minted.keys()])).toEqual([]);
    }
    // The second call met the remembered refusal: one exchange, and the back end saw nothing.
    expect(server.requests).toHaveLength(1);
    expect(backend.seen).toEqual([]);
    expect(mw.stats().orders).toMatchObject({ fetches: 1, failures: 1, size: 0 });
  },
);

it.each<[string, 'token-exchange' | 'jwt-bearer', Record<string, unknown>]>([
  ['access_token (token exchange)', 'token-exchange', {}],
  ['jwt, answered as a Bearer token', 'token-exchange', { issued_token_type: 'urn:ietf:params:oauth:token-type:jwt' }],
  ["absent on Entra's variant (the JWT bearer grant), as Entra answers", 'jwt-bearer', {}],
  ['access_token on the JWT bearer grant', 'jwt-bearer', { issued_token_type: 'urn:ietf:params:oauth:token-type:access_token' }],
])('issued_token_type %s: the exchanged token is used', async (_name, grant, answer) => {
  server.exchangeAnswer = answer;
  mw = middleware(grant);
  for (const via of ['axios', 'fetch'] as const) {
    expect(await callAsAlice(via)).toMatchObject({ user: 'alice', grant, audience: 'orders-api' });
  }
  expect(server.requests).toHaveLength(1);
});
