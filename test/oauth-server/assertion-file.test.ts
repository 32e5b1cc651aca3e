import type { ChildProcess } from 'node:child_process';
import { createPublicKey, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { createTokenProvider, mcaOAuth, type TokenProvider } from '../../lib';
import { main } from '../../lib/cli/main';
import { signJws } from '../../lib/token/client-auth/jws';
import { rsaKey } from '../helpers/certificates';
import { startProtectedBackend } from '../helpers/protected-backend';
import { watchForLeaks } from '../helpers/leak-watch';
import { waitFor } from '../helpers/wait';
import { callingApp } from '../helpers/calling-app';
import { forkQuiet, stopChild } from '../helpers/quiet-child';

// A client assertion that the platform signs and rotates in a file (a Kubernetes projected
// service-account token, Azure's AZURE_FEDERATED_TOKEN_FILE), against a real third-party server
// (oidc-provider), which checks the assertion's signature, iss, sub, aud, exp and jti replay.
interface Accepted {
  clientId: string;
  assertion: string;
  form: string[];
}
const CLIENT = 'workload';
const platformKey = rsaKey();
const dir = mkdtempSync(join(tmpdir(), 'mca-assertion-'));
const file = join(dir, 'azure-identity-token');
let child: ChildProcess;
let server: ReturnType<typeof forkQuiet>;
let tokenUrl: string;
const accepted: Accepted[] = [];
const rejected: { error: string }[] = [];
const written: string[] = [];
const providers: TokenProvider[] = [];
const watch = watchForLeaks(() => written);

/** The platform writes a fresh assertion (a new jti: the server refuses a replayed one). */
function rotate(): string {
  const iat = Math.floor(Date.now() / 1000);
  const assertion = signJws(
    { alg: 'RS256', typ: 'JWT' },
    { iss: CLIENT, sub: CLIENT, aud: tokenUrl, jti: randomUUID(), iat, exp: iat + 300 },
    platformKey.privateKey,
    'RS256',
  );
  written.push(assertion);
  writeFileSync(file, assertion);
  return assertion;
}

beforeAll(async () => {
  server = forkQuiet(join(__dirname, 'oidc-server.mjs'));
  child = server.child;
  const ready = new Promise<string>((resolve) =>
    child.on('message', (m: { type: string; tokenUrl: string; error: string } & Accepted) => {
      if (m.type === 'ready') resolve(m.tokenUrl);
      if (m.type === 'assertion') accepted.push(m);
      if (m.type === 'rejected') rejected.push(m);
    }),
  );
  child.send({ clients: [{ clientId: CLIENT, jwks: { keys: [createPublicKey(platformKey.privateKey).export({ format: 'jwk' })] } }] });
  tokenUrl = await ready;
}, 30_000);
afterAll(async () => {
  await Promise.all(providers.map((p) => p.close()));
  await stopChild(child);
  // The server's own start-up notices are expected; anything else it printed (an error) is not.
  expect(server.unexpected()).toEqual([]);
  rmSync(dir, { recursive: true, force: true });
});

function provider(options: Record<string, unknown> = {}): TokenProvider {
  const p = createTokenProvider({
    env: {},
    envFile: false,
    tokenUrl,
    clientId: CLIENT,
    clientAssertionFile: file,
    retries: 0,
    failureCooldownMs: 0,
    ...options,
  });
  providers.push(p);
  return p;
}

/** What the server reported so far; its reports come over IPC, after the HTTP answer. */
const seen = (): number => accepted.length + rejected.length;
async function served<T>(action: () => Promise<T>): Promise<T> {
  const before = seen();
  const result = await action();
  await waitFor(() => seen() > before);
  return result;
}

describe('clientAssertionFile', () => {
  it('sends the file as client_assertion with the client id, and reads it again after a rotation', async () => {
    rotate();
    const p = provider();
    const first = await served(() => p.getAuthorizationHeader());
    expect(accepted.at(-1)).toMatchObject({ clientId: CLIENT, assertion: written.at(-1) });
    expect(accepted.at(-1)!.form.sort()).toEqual(['client_assertion', 'client_assertion_type', 'client_id', 'grant_type']);
    const second = rotate();
    p.invalidate(first);
    await served(() => p.getAuthorizationHeader());
    expect(accepted.at(-1)!.assertion).toBe(second);
  });

  it('a server refusing the assertion (replayed jti) is ERR_MCA_INVALID_CLIENT, the assertion in no rendering', async () => {
    rotate();
    const p = provider();
    p.invalidate(await served(() => p.getAuthorizationHeader()));
    // No rotation: the same jti again, which the server refuses.
    const error = watch.collect(await served(() => p.getAuthorizationHeader().catch((e: unknown) => e)));
    expect(error).toMatchObject({ code: 'ERR_MCA_INVALID_CLIENT' });
    expect((error as Error).message).toContain('clientAssertionFile');
    expect(rejected.at(-1)).toMatchObject({ error: 'invalid_client' });
  });

  it('a file that is not a JWT is never sent: the fetch fails naming the path', async () => {
    rotate();
    const p = provider();
    p.invalidate(await served(() => p.getAuthorizationHeader()));
    const count = seen();
    writeFileSync(file, 'MCA_SECRET=not-a-token\n');
    written.push('not-a-token');
    const error = watch.collect(await p.getAuthorizationHeader().catch((e: unknown) => e));
    expect(error).toMatchObject({ code: 'ERR_MCA_INVALID_CLIENT_ASSERTION_FILE', field: 'clientAssertionFile' });
    expect((error as Error).message).toContain(file);
    // The next thing the server hears of is the next good assertion: the bad file was never sent.
    const next = rotate();
    await served(() => p.getAuthorizationHeader());
    expect(seen()).toBe(count + 1);
    expect(accepted.at(-1)!.assertion).toBe(next);
  });

  it('works end to end through mcaOAuth(), req.mcaClient and the CLI', async () => {
    rotate();
    const issued: string[] = [];
    const backend = await startProtectedBackend(() => issued);
    const auth = mcaOAuth({
      env: { MCA_CLIENT_ASSERTION_FILE: file, MCA_CLIENT_ID: CLIENT, MCA_TOKEN_URL: tokenUrl },
      envFile: false,
      protectedBackends: [backend.url],
    });
    try {
      issued.push((await auth.provider.getAuthorizationHeader()).slice('Bearer '.length));
      const app = callingApp(auth, `${backend.url}/api`);
      await request(app).get('/call').expect(200, { status: 200 });
      expect(backend.seen).toEqual([`Bearer ${issued[0]}`]);
    } finally {
      await auth.close();
      await backend.close();
    }
    rotate();
    const out: string[] = [];
    const err: string[] = [];
    const args = ['--no-env-file', '--token-url', tokenUrl, '--client-id', CLIENT, '--client-assertion-file', file];
    expect(
      await main(
        ['check', ...args],
        (l) => out.push(l),
        (l) => err.push(l),
      ),
    ).toBe(0);
    const text = out.join('\n');
    expect(text).toMatch(
      /^assertionFile\s+file .*azure-identity-token, written \d+ s ago, JWT expires in \d+ s, read at each token request \(from the `clientAssertionFile` option\)$/m,
    );
    expect(text).toMatch(/token request\s+HTTP 200/);
    for (const assertion of written) expect(text + err.join('\n')).not.toContain(assertion);
  });
});
