// What each `onBehalfOf` value means: the grant an exchange sends (seen by a token server on
// 127.0.0.1), `false` as the app's own token, and the startup refusal of anything else, with the
// whole message a user reads (it names the field and, for an entry, where the entry is).
import http from 'node:http';
import type { Request } from 'express';
import { mcaOAuth, type McaOAuthMiddleware, type McaOAuthOptions } from '../../lib';
import { startExchangeServer, startUserBackend, subjectToken, type ExchangeServer, CLIENT, ownClientOptions } from '../helpers/exchange-server';
import { thrown } from '../helpers/thrown';

const MUST_BE = "it must be true, false, or `{ grant: 'token-exchange' }` / `{ grant: 'jwt-bearer' }` (Microsoft Entra's on-behalf-of).";
const IAM_REFUSAL =
  "the token is an IBM Cloud IAM grant (API key or trusted profile), which cannot exchange a user's token. Give the entry an OAuth client (`clientId` with its `secret` or key, and a `tokenUrl` that does token exchange), or remove `onBehalfOf`.";
const oauth = { env: {}, envFile: false as const, clientId: 'c', secret: 'main-s3cret-value', tokenUrl: 'https://idp.example.com/token' };
const iam = { env: {}, envFile: false as const, apikey: 'main-apikey-0123456789abcdefghij' };

let mw: McaOAuthMiddleware | undefined;
afterEach(async () => {
  await mw?.close();
  mw = undefined;
});

/** The error mcaOAuth(options) throws at startup (a middleware it builds is closed after the test). */
const refusal = (options: Record<string, unknown>): unknown =>
  thrown(() => {
    mw = mcaOAuth(options);
  });

describe('refused at startup, with the field and the accepted values named', () => {
  it.each<[string, unknown]>([
    ['a string', 'yes'],
    ['a number', 1],
    ['null', null],
    ['an array', []],
    ['an unknown grant', { grant: 'saml2-bearer' }],
    ['a grant that is not a string', { grant: 42 }],
    ['a misspelt key', { grnt: 'jwt-bearer' }],
    ['a known grant beside an unknown key', { grant: 'jwt-bearer', audience: 'x' }],
  ])('on the middleware: %s', (_name, value) => {
    // The middleware's own setting is in no list: the message says nothing of an entry.
    expect(refusal({ ...oauth, onBehalfOf: value })).toMatchObject({
      name: 'McaConfigError',
      code: 'ERR_MCA_INVALID_ON_BEHALF_OF',
      field: 'onBehalfOf',
      message: `Invalid \`onBehalfOf\`: ${MUST_BE}`,
    });
  });

  it('on an entry: the message also says which list the entry is in', () => {
    expect(refusal({ ...oauth, protectedBackends: [{ match: 'https://api.example.com', onBehalfOf: 'yes' }] })).toMatchObject({
      code: 'ERR_MCA_INVALID_ON_BEHALF_OF',
      field: 'protectedBackends[0].onBehalfOf',
      message: `Invalid \`protectedBackends[0].onBehalfOf\`: ${MUST_BE} The entry is in the \`protectedBackends\` option.`,
    });
  });

  it('an IBM Cloud IAM API key cannot exchange a user token: the message says what to give instead', () => {
    expect(refusal({ ...iam, onBehalfOf: true })).toMatchObject({
      code: 'ERR_MCA_INVALID_ON_BEHALF_OF',
      field: 'onBehalfOf',
      message: `Invalid \`onBehalfOf\`: ${IAM_REFUSAL}`,
    });
  });
});

it('onBehalfOf: false asks for no exchange, so an IBM Cloud IAM API key middleware takes it', () => {
  mw = mcaOAuth({ ...iam, onBehalfOf: false });
  expect(mw.backends.get('default')).toBe(mw.provider);
});

describe('the grant an accepted value exchanges with', () => {
  let server: ExchangeServer;
  let backend: Awaited<ReturnType<typeof startUserBackend>>;
  const alice = subjectToken('alice', Math.floor(Date.now() / 1000) + 3600);

  beforeEach(async () => {
    server = await startExchangeServer(CLIENT, {});
    backend = await startUserBackend(server);
    server.subjects.set(alice, 'alice');
  });
  afterEach(async () => {
    await mw?.close();
    mw = undefined;
    await backend.close();
    await server.close();
  });

  /** One call to `path` on the back end, made while serving a request of alice's; its answer names the token it got. */
  function callAsAlice(path: string): Promise<unknown> {
    const req = Object.assign(new http.IncomingMessage(null as never), { method: 'GET', headers: { authorization: `Bearer ${alice}` } });
    return new Promise((resolve) => {
      mw!(req, {} as http.ServerResponse, () => {
        (req as unknown as Request)
          .mcaFetch(`${backend.url}${path}`)
          .then(
            (r) => r.json() as unknown,
            (error: unknown) => error,
          )
          .then(resolve, resolve);
      });
    });
  }

  type Value = McaOAuthOptions['onBehalfOf'];

  it.each<[string, Value, string]>([
    ['true: RFC 8693 token exchange', true, 'token-exchange'],
    ['{} (no grant named): token exchange', {}, 'token-exchange'],
    ["{ grant: 'token-exchange' }", { grant: 'token-exchange' }, 'token-exchange'],
    ["{ grant: 'jwt-bearer' }: Entra's on-behalf-of", { grant: 'jwt-bearer' }, 'jwt-bearer'],
  ])('on the middleware, %s', async (_name, value, grant) => {
    mw = mcaOAuth({ ...ownClientOptions(server), onBehalfOf: value, protectedBackends: [backend.url] });
    expect(await callAsAlice('/orders')).toMatchObject({ user: 'alice', grant });
    expect(server.requests.map((request) => request.form.grant_type)).toEqual([`urn:ietf:params:oauth:grant-type:${grant}`]);
  });

  it.each<[string, Value, string]>([
    ['true', true, 'token-exchange'],
    ['{}', {}, 'token-exchange'],
    ["{ grant: 'jwt-bearer' }", { grant: 'jwt-bearer' }, 'jwt-bearer'],
  ])('on an entry of a middleware with its own token, %s', async (_name, value, grant) => {
    mw = mcaOAuth({ ...ownClientOptions(server), protectedBackends: [{ match: `${backend.url}/orders`, onBehalfOf: value }] });
    expect(await callAsAlice('/orders')).toMatchObject({ user: 'alice', grant });
  });

  it("an entry's onBehalfOf: false keeps the app's own token while the middleware exchanges", async () => {
    mw = mcaOAuth({ ...ownClientOptions(server), onBehalfOf: true, protectedBackends: [{ match: `${backend.url}/app`, onBehalfOf: false }] });
    expect(await callAsAlice('/app/x')).toMatchObject({ user: 'app', grant: 'client_credentials' });
  });

  it('true, {} and { grant: token-exchange } are the same grant: entries with each share one exchange per user', async () => {
    mw = mcaOAuth({
      ...ownClientOptions(server),
      protectedBackends: [
        { match: `${backend.url}/a`, onBehalfOf: true },
        { match: `${backend.url}/b`, onBehalfOf: {} },
        { match: `${backend.url}/c`, onBehalfOf: { grant: 'token-exchange' } },
      ],
    });
    for (const path of ['/a', '/b', '/c']) expect(await callAsAlice(path)).toMatchObject({ user: 'alice', grant: 'token-exchange' });
    expect(server.requests).toHaveLength(1);
  });
});
