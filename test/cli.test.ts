import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { formatSkew } from '../lib/cli/main';
import { runCli } from './helpers/run-cli';
import { startTokenServer, type TokenServer } from './helpers/token-server';

const SECRET = 's3cr3t-value';
let server: TokenServer;
beforeEach(async () => {
  server = await startTokenServer();
});
afterEach(() => server.close());

async function run(args: string[]): Promise<{ status: number; out: string; err: string }> {
  const { status, out, err } = await runCli(args);
  return { status, out, err };
}

describe('the CLI', () => {
  it('token prints the Authorization header value', async () => {
    const r = await run(['token', '--no-env-file', '--client-id', 'client-1', '--secret', SECRET, '--tenant-id', 'tenant-1', '--server-url', server.serverUrl]);
    expect(r).toEqual({ status: 0, out: 'Bearer tok-1', err: '' });
  });

  it('check shows each field with its source, the secret masked, the token URL, and one real request', async () => {
    const vcap = JSON.stringify({
      AdvancedMobileAccess: [{ name: 'm', credentials: { clientId: 'client-1', tenantId: 'tenant-1', serverUrl: server.serverUrl } }],
    });
    process.env.VCAP_SERVICES = vcap;
    process.env.MCA_SECRET = SECRET;
    try {
      const r = await run(['check', '--no-env-file']);
      expect(r.status).toBe(0);
      expect(r.out).toMatch(/^clientId\s+client-1\s+from VCAP_SERVICES \(service "m"\) credentials\.clientId$/m);
      // Issue 21: its source and a slow fingerprint, never its length.
      expect(r.out).toMatch(/^secret\s+\*\*\*\* fingerprint [0-9a-f]{12}\s+from environment MCA_SECRET$/m);
      expect(r.out).not.toMatch(/characters/);
      expect(r.out).toMatch(new RegExp(`^serverUrl\\s+${server.serverUrl}\\s+from VCAP_SERVICES \\(service "m"\\) credentials\\.serverUrl$`, 'm'));
      expect(r.out).toContain(`${server.serverUrl}/authorization/v1/apps/tenant-1/token (mca)`);
      expect(r.out).toMatch(/token request\s+HTTP 200 in \d+ ms, lifetime 3600 s/);
      expect(r.out).toMatch(/clock skew\s+(0\.0|[+-]\d+\.\d) s/);
      expect(r.out + r.err).not.toContain(SECRET);
      expect(r.out).not.toContain('tok-1');
    } finally {
      delete process.env.VCAP_SERVICES;
      delete process.env.MCA_SECRET;
    }
  });

  it('fails with one line and the error code, exit status 1', async () => {
    server.script.push({ status: 401, body: { error: 'invalid_client' } });
    const r = await run(['check', '--no-env-file', '--client-id', 'client-1', '--secret', SECRET, '--token-url', `${server.origin}/t`]);
    expect(r.status).toBe(1);
    expect(r.err.split('\n')).toHaveLength(1);
    expect(r.err).toMatch(/^error ERR_MCA_INVALID_CLIENT: /);
    const missing = await run(['token', '--no-env-file']);
    expect(missing.status).toBe(1);
    expect(missing.err).toMatch(/^error ERR_MCA_MISSING_CLIENT_ID: /);
  });

  it('answers --help, and bad usage with status 2', async () => {
    const help = await run(['--help']);
    expect(help.status).toBe(0);
    expect(help.out).toMatch(/^Usage: express-mca-oauth <command> \[options\]/);
    // Issue 21 row 8: the curl recipe sends the header on stdin; no $(…) puts the token in argv.
    expect(help.out).toContain("npx express-mca-oauth token | sed 's/^/Authorization: /' | curl -H @- <url>");
    expect(help.out).not.toContain('$(');
    expect((await run(['frobnicate'])).status).toBe(2);
    expect((await run(['token', '--nope'])).status).toBe(2);
  });

  it('runs as the package bin', async () => {
    // Asynchronously: the token server lives in this process and must keep answering.
    const bin = join(__dirname, '..', 'dist', 'cli', 'main.js');
    const runBin = (args: string[]) =>
      new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
        execFile(process.execPath, [bin, ...args], { encoding: 'utf8' }, (error, stdout, stderr) =>
          resolve({ status: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr }),
        );
      });
    const ok = await runBin([
      'token',
      '--no-env-file',
      '--client-id',
      'client-1',
      '--secret',
      SECRET,
      '--tenant-id',
      'tenant-1',
      '--server-url',
      server.serverUrl,
    ]);
    expect(ok).toEqual({ status: 0, stdout: 'Bearer tok-1\n', stderr: '' });
    const bad = await runBin(['token', '--no-env-file']);
    expect(bad.status).toBe(1);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect((await runBin(['--help'])).stdout).toContain('Commands:');
  });

  it('check names the variable: environment, .env file, VCAP_APPLICATION, flag', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cli-env-'));
    const envFile = join(dir, 'app.env');
    writeFileSync(envFile, `MCA_APP_ID=tenant-9\nMCA_SERVER_URL=${server.serverUrl}\n`);
    process.env.MCA_SECRET = SECRET;
    try {
      const r = await run(['check', '--env-file', envFile, '--client-id', 'client-1']);
      expect(r.status).toBe(0);
      expect(r.out).toMatch(/^clientId\s+client-1\s+from flag --client-id$/m);
      expect(r.out).toMatch(/^tenantId\s+tenant-9\s+from \.env file MCA_APP_ID$/m);
      expect(r.out).toMatch(new RegExp(`^serverUrl\\s+${server.serverUrl}\\s+from \\.env file MCA_SERVER_URL$`, 'm'));
      process.env.VCAP_APPLICATION = JSON.stringify({ application_id: 'app-guid' });
      const vcapApp = await run(['check', '--no-env-file', '--client-id', 'client-1', '--server-url', server.serverUrl]);
      expect(vcapApp.out).toMatch(/^tenantId\s+app-guid\s+from VCAP_APPLICATION application_id$/m);
    } finally {
      delete process.env.MCA_SECRET;
      delete process.env.VCAP_APPLICATION;
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a 404 from the token endpoint gets a hint with the URL that was tried', async () => {
    const token = (tenantId: string, ...more: string[]) =>
      run(['token', '--no-env-file', '--client-id', 'client-1', '--secret', SECRET, '--tenant-id', tenantId, '--server-url', server.serverUrl, ...more]);
    server.script.push({ status: 404, body: 'Not Found' });
    const r = await token('wrong-tenant');
    expect(r.status).toBe(1);
    expect(r.err.split('\n')).toHaveLength(1);
    expect(r.err).toContain(`Hint: ${server.serverUrl}/authorization/v1/apps/wrong-tenant/token answered 404; check tenantId and serverUrl`);
    server.script.push({ status: 500, body: 'oops' });
    const other = await token('t', '--timeout-ms', '5000');
    expect(other.status).toBe(1);
    expect(other.err).not.toContain('Hint');
  });

  it('prints a clock skew of zero as 0.0 s, never -0.0 s', () => {
    expect([formatSkew(0), formatSkew(-0), formatSkew(-0.04), formatSkew(0.04), formatSkew(1.26), formatSkew(-2)]).toEqual([
      '0.0',
      '0.0',
      '0.0',
      '0.0',
      '+1.3',
      '-2.0',
    ]);
  });

  it('--version prints the package version', async () => {
    const { version } = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version: string };
    expect(await run(['--version'])).toEqual({ status: 0, out: version, err: '' });
    expect((await run(['-v'])).out).toBe(version);
  });

  it('an unknown flag gets one line with a suggestion', async () => {
    const r = await run(['token', '--clinet-id', 'x']);
    expect(r).toEqual({ status: 2, out: '', err: 'express-mca-oauth: unknown option --clinet-id. Did you mean --client-id? See --help.' });
    const far = await run(['token', '--zzzzzzzz']);
    expect(far.err).toBe('express-mca-oauth: unknown option --zzzzzzzz. See --help.');
    const noValue = await run(['token', '--client-id']);
    expect(noValue).toEqual({ status: 2, out: '', err: 'express-mca-oauth: option --client-id needs a value. See --help.' });
  });

  it.each(['abc', '0', '1.5', '-3'])('--timeout-ms %s names the flag', async (value) => {
    const r = await run(['token', '--no-env-file', '--client-id', 'c', '--secret', SECRET, '--token-url', `${server.origin}/t`, `--timeout-ms=${value}`]);
    expect(r.status).toBe(1);
    expect(r.err).toBe(`error ERR_MCA_INVALID_TIMEOUT_MS: \`--timeout-ms\` must be a whole number of milliseconds, at least 1 (got "${value}").`);
  });
});
