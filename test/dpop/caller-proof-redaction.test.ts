// A caller that sends its own DPoP-bound token through the package's client (its own
// `Authorization: DPoP …` and `DPoP` proof) gets both scrubbed from what a failed call hands back:
// a proof is a credential for its method and URL (docs/dpop.md), scrubbed like Authorization.
import http from 'node:http';
import { inspect } from 'node:util';
import { mcaOAuth, type McaOAuthMiddleware } from '../../lib';
import { startTokenServer, type TokenServer } from '../helpers/token-server';
import { listenOnLoopback, type Loopback } from '../helpers/loopback';

let tokens: TokenServer;
let backend: Loopback;
/** A port that was just closed: a connection to it is refused. */
let refusedUrl: string;
let auth: McaOAuthMiddleware | undefined;

beforeEach(async () => {
  tokens = await startTokenServer();
  backend = await listenOnLoopback(
    http.createServer((req, res) => {
      req.resume();
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end('{}');
    }),
  );
  const closed = await listenOnLoopback(http.createServer());
  refusedUrl = `${closed.url}/x`;
  await closed.close();
});
afterEach(async () => {
  await auth?.close();
  auth = undefined;
  await backend.close();
  await tokens.close();
});

const OWN_TOKEN = 'own-dpop-token-7f3a9c';
const OWN_PROOF = 'eyJhbGciOiJFUzI1NiJ9.own-proof.c2lnbmF0dXJl';

function start(adapter?: 'http' | 'fetch'): McaOAuthMiddleware {
  auth = mcaOAuth({
    env: { MCA_CLIENT_ID: 'client-1', MCA_SECRET: 's3cr3t-value', MCA_TENANT_ID: 'tenant-1', MCA_SERVER_URL: tokens.serverUrl },
    envFile: false,
    ...(adapter === undefined ? {} : { axios: { adapter } }),
  });
  return auth;
}

/** Which of the caller's credentials any rendering of `error` shows. */
function leaked(error: unknown): string[] {
  const e = error as { toJSON?: () => unknown; config?: unknown; response?: { config?: unknown } };
  const texts = [
    inspect(error, { showHidden: true, depth: Infinity, getters: true }),
    JSON.stringify(e.toJSON?.() ?? null),
    inspect(e.config, { showHidden: true, depth: Infinity }),
    inspect(e.response?.config, { showHidden: true, depth: Infinity }),
    String(error),
  ];
  return [OWN_TOKEN, OWN_PROOF].filter((secret) => texts.some((text) => text.includes(secret)));
}

describe.each(['http', 'fetch'] as const)('auth.client, axios %s adapter', (adapter) => {
  it.each([
    ['a back end that answers 500', (): string => `${backend.url}/fail`],
    ['a refused connection', (): string => refusedUrl],
  ])("%s: the caller's own DPoP proof (any spelling) and DPoP token are redacted from the error and its config", async (_name, url) => {
    const client = start(adapter).client;
    for (const name of ['DPoP', 'dpop', 'DPOP']) {
      const headers = { Authorization: `DPoP ${OWN_TOKEN}`, [name]: OWN_PROOF };
      const error = (await client.get(url(), { headers }).then(
        () => undefined,
        (e: unknown) => e,
      )) as { config: { headers: { get(k: string): unknown } } } | undefined;
      expect(error).toBeDefined();
      expect(leaked(error)).toEqual([]);
      expect(error!.config.headers.get('dpop')).toBe('[redacted]');
      // The caller's own object is not changed: it may send it again.
      expect(headers[name]).toBe(OWN_PROOF);
    }
  });
});

describe('auth.fetch', () => {
  it.each([
    ['a back end that answers 500', (): string => `${backend.url}/fail`, false],
    ['a refused connection', (): string => refusedUrl, true],
  ])("%s: no rendering of what comes back holds the caller's own DPoP proof or token", async (_name, url, fails) => {
    const fetch = start().fetch;
    const outcome = await fetch(url(), { headers: { Authorization: `DPoP ${OWN_TOKEN}`, DPoP: OWN_PROOF } }).then(
      (response) => response,
      (e: unknown) => e,
    );
    // An error from another realm (undici's) fails `instanceof Error` under jest: tell them by `status`.
    expect(typeof (outcome as { status?: unknown }).status !== 'number').toBe(fails);
    expect(leaked(outcome)).toEqual([]);
  });
});

// axios's fetch adapter hands back no request object; the http adapter's ClientRequest keeps the
// raw header block (`_header`) as it went out.
describe("auth.client, axios http adapter: the caller's own DPoP proof beside the package's Bearer token", () => {
  it.each(['DPoP', 'dpop'])(
    'a response handed back (any status accepted): the request it carries shows neither the proof (`%s`) nor the token',
    async (name) => {
      const client = start('http').client;
      const response = await client.get(`${backend.url}/fail`, { headers: { [name]: OWN_PROOF }, validateStatus: () => true });
      expect(response.status).toBe(500);
      expect(tokens.issued).toEqual(['tok-1']);
      // `response.config` is the caller's own config, proof and all; the request is what was sent.
      const rendered = inspect(response.request, { showHidden: true, depth: Infinity });
      expect(rendered).not.toContain(OWN_PROOF);
      expect(rendered).not.toContain('tok-1');
      expect(String((response.request as { _header?: unknown })._header)).toContain(`${name}: [redacted]`);
    },
  );
});
