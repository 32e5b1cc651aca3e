import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { main } from '../lib/cli';
import { startTokenServer, type TokenServer } from './helpers/token-server';

const SECRET = 's3cr3t-value';
let server: TokenServer;
beforeEach(async () => {
  server = await startTokenServer();
});
afterEach(() => server.close());

async function run(args: string[]): Promise<{ status: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const status = await main(args, (l) => out.push(l), (l) => err.push(l));
  return { status, out: out.join('\n'), err: err.join('\n') };
}

describe('the CLI', () => {
  it('token prints the Authorization header value', async () => {
    const r = await run(['token', '--no-env-file', '--client-id', 'client-1', '--secret', SECRET, '--tenant-id', 'tenant-1', '--server-url', server.serverUrl]);
    expect(r).toEqual({ status: 0, out: 'Bearer tok-1', err: '' });
  });

  it('check shows each field with its source, the secret masked, the token URL, and one real request', async () => {
    const vcap = JSON.stringify({ AdvancedMobileAccess: [{ name: 'm', credentials: { clientId: 'client-1', tenantId: 'tenant-1', serverUrl: server.serverUrl } }] });
    process.env.VCAP_SERVICES = vcap;
    process.env.MCA_SECRET = SECRET;
    try {
      const r = await run(['check', '--no-env-file']);
      expect(r.status).toBe(0);
      expect(r.out).toMatch(/^clientId\s+client-1\s+from VCAP_SERVICES$/m);
      expect(r.out).toMatch(/^secret\s+\*\*\*\* \(12 characters\)\s+from environment$/m);
      expect(r.out).toMatch(/^serverUrl\s+\(set\)\s+from VCAP_SERVICES$/m);
      expect(r.out).toContain(`${server.serverUrl}/authorization/v1/apps/tenant-1/token (mca)`);
      expect(r.out).toMatch(/token request\s+HTTP 200 in \d+ ms, lifetime 3600 s/);
      expect(r.out).toMatch(/clock skew\s+[+-]\d+\.\d s/);
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
    expect((await run(['frobnicate'])).status).toBe(2);
    expect((await run(['token', '--nope'])).status).toBe(2);
  });

  it('runs as the package bin', async () => {
    // Asynchronously: the token server lives in this process and must keep answering.
    const bin = join(__dirname, '..', 'dist', 'cli.js');
    const runBin = (args: string[]) =>
      new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
        execFile(process.execPath, [bin, ...args], { encoding: 'utf8' }, (error, stdout, stderr) =>
          resolve({ status: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr }),
        );
      });
    const ok = await runBin(['token', '--no-env-file', '--client-id', 'client-1', '--secret', SECRET, '--tenant-id', 'tenant-1', '--server-url', server.serverUrl]);
    expect(ok).toEqual({ status: 0, stdout: 'Bearer tok-1\n', stderr: '' });
    const bad = await runBin(['token', '--no-env-file']);
    expect(bad.status).toBe(1);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect((await runBin(['--help'])).stdout).toContain('Commands:');
  });
});
