import type { ChildProcess } from 'node:child_process';
import { createPublicKey, verify } from 'node:crypto';
import { join } from 'node:path';
import { createTokenProvider } from '../../lib';
import { forkQuiet, stopChild } from '../helpers/quiet-child';

// Generic mode against a real third-party OAuth 2.0 server package, not our own helper.
interface Seen {
  authorization: string | null;
  contentType: string;
  body: Record<string, string>;
  hadClientSecret: boolean;
}
let child: ChildProcess;
let server: ReturnType<typeof forkQuiet>;
let issuer: string;
const seen: Seen[] = [];

beforeAll(async () => {
  server = forkQuiet(join(__dirname, 'mock-server.mjs'));
  child = server.child;
  issuer = await new Promise<string>((resolve) =>
    child.on('message', (m: { type: string; url?: string } & Seen) => {
      if (m.type === 'ready') resolve(m.url!);
      if (m.type === 'token-request') seen.push(m);
    }),
  );
}, 20_000);
afterAll(async () => {
  await stopChild(child);
  // The server's own start-up notices are expected; anything else it printed (an error) is not.
  expect(server.unexpected()).toEqual([]);
});
beforeEach(() => {
  seen.length = 0;
});

/** Resolves once every token request the server saw so far has been reported. */
function reported(): Promise<void> {
  return new Promise((resolve) => {
    const onMessage = (m: { type?: string }) => {
      if (m.type !== 'flushed') return;
      child.off('message', onMessage);
      resolve();
    };
    child.on('message', onMessage);
    child.send({ type: 'flush' });
  });
}

/** Checks the RS256 signature against the server's JWKS and returns the payload. */
async function verifiedPayload(header: string): Promise<Record<string, unknown>> {
  const jwt = header.replace(/^Bearer /, '');
  const [h, p, s] = jwt.split('.') as [string, string, string];
  const { keys } = (await (await fetch(`${issuer}/jwks`)).json()) as { keys: { kid: string }[] };
  const { kid } = JSON.parse(Buffer.from(h, 'base64url').toString()) as { kid: string };
  const key = createPublicKey({ key: keys.find((k) => k.kid === kid)!, format: 'jwk' });
  expect(verify('RSA-SHA256', Buffer.from(`${h}.${p}`), key, Buffer.from(s, 'base64url'))).toBe(true);
  return JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>;
}

const base = { env: {}, envFile: false as const, clientId: 'generic-client', secret: 'generic-secret' };

describe('any OAuth 2.0 server (oauth2-mock-server)', () => {
  it('client_secret_basic with scope', async () => {
    const p = createTokenProvider({ ...base, tokenUrl: `${issuer}/token`, scope: 'orders:read' });
    const payload = await verifiedPayload(await p.getAuthorizationHeader());
    expect(payload.scope).toBe('orders:read');
    await reported();
    expect(seen).toEqual([
      {
        type: 'token-request',
        authorization: 'Basic',
        contentType: 'application/x-www-form-urlencoded',
        body: { grant_type: 'client_credentials', scope: 'orders:read' },
        hadClientSecret: false,
      },
    ]);
    await p.close();
  });

  it('client_secret_post with audience and resource', async () => {
    const p = createTokenProvider({
      ...base,
      tokenUrl: `${issuer}/token`,
      clientAuth: 'post',
      audience: 'https://orders.example.com',
      resource: 'https://orders.example.com/api',
    });
    const payload = await verifiedPayload(await p.getAuthorizationHeader());
    expect(payload.aud).toBe('https://orders.example.com');
    expect(payload.resource).toBe('https://orders.example.com/api');
    await reported();
    expect(seen[0]).toMatchObject({
      authorization: null,
      body: {
        grant_type: 'client_credentials',
        client_id: 'generic-client',
        audience: 'https://orders.example.com',
        resource: 'https://orders.example.com/api',
      },
      hadClientSecret: true,
    });
    await p.close();
  });

  it('caches: a second call makes no request', async () => {
    const p = createTokenProvider({ ...base, tokenUrl: `${issuer}/token` });
    const first = await p.getAuthorizationHeader();
    await expect(p.getAuthorizationHeader()).resolves.toBe(first);
    await reported();
    expect(seen).toHaveLength(1);
    await p.close();
  });
});
