import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fakeJwt, startIamServer, type IamServer } from '../helpers/iam-server';

// DEBUG=* (every library's debug output, follow-redirects and ibm-cloud-sdk-core's included) while
// the IAM grants fetch, fail and retry: no API key, file content or issued token in the output.
const APIKEY = 'dbg-Key_0123456789abcdefghijklmnopqrstuvwxyz0';
let iam: IamServer;
const dir = mkdtempSync(join(tmpdir(), 'mca-iam-debug-'));
beforeEach(async () => {
  iam = await startIamServer({ apikeys: [APIKEY], profiles: [{ field: 'profile_id', value: 'P' }] });
});
afterEach(() => iam.close());
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('DEBUG=* prints nothing secret for the API key and compute-resource grants', async () => {
  const file = join(dir, 'cr');
  const crToken = fakeJwt('debug');
  writeFileSync(file, crToken);
  iam.crTokens.add(crToken);
  iam.script.push({ status: 503, body: { errorCode: 'BXNIM0502E', errorMessage: APIKEY } });
  const dist = JSON.stringify(join(__dirname, '..', '..', 'dist'));
  const script = `
    const { createTokenProvider } = require(${dist});
    const common = { env: {}, envFile: false, iamUrl: ${JSON.stringify(iam.url)}, retryBaseMs: 1, failureCooldownMs: 0 };
    (async () => {
      const a = createTokenProvider({ ...common, apikey: ${JSON.stringify(APIKEY)} });
      a.invalidate(await a.getAuthorizationHeader());
      await a.getAuthorizationHeader();
      const b = createTokenProvider({ ...common, apikey: 'wrong-key' });
      await b.getAuthorizationHeader().catch((e) => console.error(e));
      const c = createTokenProvider({ ...common, iamProfileId: 'P', crTokenFile: ${JSON.stringify(file)} });
      await c.getAuthorizationHeader();
      await Promise.all([a.close(), b.close(), c.close()]);
    })();
  `;
  const output = await new Promise<string>((resolve, reject) =>
    execFile(process.execPath, ['-e', script], { env: { ...process.env, DEBUG: '*', DEBUG_COLORS: '0' } }, (error, out, err) =>
      error ? reject(error) : resolve(out + err),
    ),
  );
  expect(output).toMatch(/attempt 2 in \d+ ms after ERR_MCA_TOKEN_REQUEST_FAILED/);
  expect(output).toContain('BXNIM0415E');
  expect(iam.issued.length).toBe(3);
  for (const secret of [APIKEY, crToken, ...iam.issued]) expect(output).not.toContain(secret);
});

it('DEBUG lines of an IAM protectedBackends entry name the entry, and hold no key', async () => {
  const entryKey = 'dbg-Entry-Key_zyxwvutsrqponmlkjihgfedcba98';
  await iam.close();
  iam = await startIamServer({ apikeys: [APIKEY, entryKey] });
  const dist = JSON.stringify(join(__dirname, '..', '..', 'dist'));
  const script = `
    const { mcaOAuth } = require(${dist});
    const mw = mcaOAuth({ env: {}, envFile: false, apikey: ${JSON.stringify(APIKEY)}, iamUrl: ${JSON.stringify(iam.url)}, retries: 0,
      protectedBackends: [
        { match: 'https://cos.example.com', apikey: ${JSON.stringify(entryKey)}, name: 'cos' },
        { match: 'https://db.example.com', apikey: 'wrong-key-for-db', name: 'db' },
      ] });
    (async () => {
      mw.backends.get('cos').invalidate(await mw.authorization('cos'));
      await mw.authorization('db').catch(() => {});
      await mw.close();
    })();
  `;
  const output = await new Promise<string>((resolve, reject) =>
    execFile(process.execPath, ['-e', script], { env: { ...process.env, DEBUG: 'express-mca-oauth*', DEBUG_COLORS: '0' } }, (error, out, err) =>
      error ? reject(error) : resolve(out + err),
    ),
  );
  expect(output).toMatch(/express-mca-oauth:provider 127\.0\.0\.1:\d+ \[cos\]: token fetched in \d+ ms/);
  expect(output).toMatch(/\[cos\]: token dropped \(manual\)/);
  expect(output).toMatch(/\[db\]: fetch failed: ERR_MCA_INVALID_CLIENT/);
  for (const secret of [APIKEY, entryKey, 'wrong-key-for-db', ...iam.issued]) expect(output).not.toContain(secret);
});
