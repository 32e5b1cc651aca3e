import { mkdtempSync, rmSync, writeFileSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { createTokenProvider, mcaOAuth, type TokenProvider } from '../../lib';
import { main } from '../../lib/cli/main';
import { fakeJwt, startIamServer, type IamServer } from '../helpers/iam-server';
import { startProtectedBackend, type ProtectedBackend } from '../helpers/protected-backend';
import { watchForLeaks } from '../helpers/leak-watch';
import { callingApp } from '../helpers/calling-app';

// Trusted profiles on Code Engine / IKS / OpenShift: the platform mounts a compute-resource token
// in a file and rotates it. The file must be read again for every token request.
const PROFILE = 'Profile-0c5e1b2a';
let iam: IamServer;
let backend: ProtectedBackend;
let dir: string;
let file: string;
const providers: TokenProvider[] = [];
const closers: (() => Promise<void>)[] = [];
const written: string[] = [];
const watch = watchForLeaks(() => [...written, ...(iam?.issued ?? [])]);

/** The platform writes a new token into the file; IAM accepts only the current one. */
function rotate(): string {
  const token = fakeJwt(`crn:v1:codeengine:${written.length}`);
  written.push(token);
  writeFileSync(file, `${token}\n`);
  iam.crTokens.clear();
  iam.crTokens.add(token);
  return token;
}

beforeEach(async () => {
  iam = await startIamServer({
    profiles: [
      { field: 'profile_id', value: PROFILE },
      { field: 'profile_crn', value: 'crn:v1:bluemix:public:iam-identity::a/1::profile:P' },
    ],
  });
  backend = await startProtectedBackend(() => iam.issued);
  dir = mkdtempSync(join(tmpdir(), 'mca-cr-'));
  file = join(dir, 'token');
  rotate();
});
afterEach(async () => {
  await Promise.all(providers.splice(0).map((p) => p.close()));
  await Promise.all(closers.splice(0).map((c) => c()));
  await backend.close();
  await iam.close();
  rmSync(dir, { recursive: true, force: true });
});

function provider(options: Record<string, unknown>): TokenProvider {
  const p = createTokenProvider({ env: {}, envFile: false, iamUrl: iam.url, retryBaseMs: 1, retryMaxMs: 5, ...options });
  providers.push(p);
  return p;
}

const sentCrToken = (i: number): string | null => new URLSearchParams(iam.requests[i]!.body).get('cr_token');

describe('the compute-resource token grant', () => {
  it('reads the file again for every token request: after a rotation the next request carries the new content', async () => {
    const p = provider({ iamProfileId: PROFILE, crTokenFile: file });
    const first = await p.getAuthorizationHeader();
    expect(sentCrToken(0)).toBe(written[0]);
    const second = rotate();
    p.invalidate(first);
    await p.getAuthorizationHeader();
    expect(sentCrToken(1)).toBe(second);
    expect(iam.requests[1]!.body).toBe(`grant_type=urn%3Aibm%3Aparams%3Aoauth%3Agrant-type%3Acr-token&cr_token=${second}&profile_id=${PROFILE}`);
    expect(iam.refreshAttempts).toBe(0);
  });

  it('profile_crn is sent as its own field', async () => {
    await provider({ iamProfileCrn: 'crn:v1:bluemix:public:iam-identity::a/1::profile:P', crTokenFile: file }).getAuthorizationHeader();
    expect(new URLSearchParams(iam.requests[0]!.body).get('profile_crn')).toBe('crn:v1:bluemix:public:iam-identity::a/1::profile:P');
  });

  it('a file emptied or removed after startup fails that fetch with its path named, never its content', async () => {
    const p = provider({ iamProfileId: PROFILE, crTokenFile: file });
    p.invalidate(await p.getAuthorizationHeader());
    writeFileSync(file, '');
    const empty = watch.collect(await p.getAuthorizationHeader().catch((e: unknown) => e));
    expect(empty).toMatchObject({ code: 'ERR_MCA_INVALID_CR_TOKEN_FILE', field: 'crTokenFile' });
    expect((empty as Error).message).toContain(file);
    expect((empty as Error).message).toContain('empty');
    expect(iam.requests).toHaveLength(1);
  });

  it('IAM refusing a stale token maps to ERR_MCA_INVALID_CLIENT with its errorCode', async () => {
    const p = provider({ iamProfileId: PROFILE, crTokenFile: file });
    iam.crTokens.clear();
    const error = watch.collect(await p.getAuthorizationHeader().catch((e: unknown) => e));
    expect(error).toMatchObject({ code: 'ERR_MCA_INVALID_CLIENT', errorCode: 'BXNIM0490E' });
    expect((error as Error).message).toContain('trusted profile');
  });

  it('works end to end through mcaOAuth() and req.mcaClient; a 401 after a rotation gets a token from the new file', async () => {
    const auth = mcaOAuth({
      env: { MCA_IAM_PROFILE_ID: PROFILE, MCA_CR_TOKEN_FILE: file, MCA_IAM_URL: iam.url },
      envFile: false,
      protectedBackends: [backend.url],
    });
    closers.push(() => auth.close());
    const app = callingApp(auth, `${backend.url}/api`);
    await request(app).get('/call').expect(200, { status: 200 });
    const rotated = rotate();
    backend.script.push(401); // the back end stopped accepting the first token
    await request(app).get('/call').expect(200, { status: 200 });
    expect(sentCrToken(1)).toBe(rotated);
    expect(backend.seen).toEqual([`Bearer ${iam.issued[0]}`, `Bearer ${iam.issued[0]}`, `Bearer ${iam.issued[1]}`]);
  });

  it('check shows the grant, the profile, the IAM URL and the file path and age, never its content; token works', async () => {
    const old = (Date.now() - 120_000) / 1000;
    utimesSync(file, old, old);
    const saved = { ...process.env };
    Object.assign(process.env, { MCA_IAM_PROFILE_ID: PROFILE, MCA_CR_TOKEN_FILE: file, MCA_IAM_URL: iam.url });
    const out: string[] = [];
    const err: string[] = [];
    const cli = (args: string[]) =>
      main(
        args,
        (l) => out.push(l),
        (l) => err.push(l),
      );
    try {
      expect(await cli(['check', '--no-env-file'])).toBe(0);
      expect(await cli(['token', '--no-env-file'])).toBe(0);
    } finally {
      for (const name of ['MCA_IAM_PROFILE_ID', 'MCA_CR_TOKEN_FILE', 'MCA_IAM_URL']) if (saved[name] === undefined) delete process.env[name];
    }
    const text = out.join('\n');
    expect(text).toMatch(/^grant\s+iam_cr_token \(urn:ibm:params:oauth:grant-type:cr-token\)$/m);
    expect(text).toMatch(new RegExp(`^profile\\s+profile_id ${PROFILE}$`, 'm'));
    expect(text).toMatch(
      new RegExp(
        `^crTokenFile\\s+file ${file.replace(/[/.]/g, '\\$&')}, written 1[12]\\d s ago, JWT expires in 3\\d{3} s, read at each token request \\(from MCA_CR_TOKEN_FILE in the environment\\)$`,
        'm',
      ),
    );
    expect(text).toContain(`${iam.url}/identity/token (iam)`);
    expect(out[out.length - 1]).toBe(`Bearer ${iam.issued[1]}`);
    for (const token of written) expect(text + err.join('\n')).not.toContain(token);
  });
});
