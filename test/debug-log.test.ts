import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { startTokenServer, type TokenServer } from './helpers/token-server';

// DEBUG is read when `debug` loads, so the logging runs in a child process with it set.
let server: TokenServer;
beforeEach(async () => {
  server = await startTokenServer();
});
afterEach(() => server.close());

function runWithDebug(script: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['-e', script], { env: { ...process.env, DEBUG: 'express-mca-oauth*', DEBUG_COLORS: '0' } }, (error, _out, err) =>
      error ? reject(error) : resolve(err),
    );
  });
}

it('DEBUG=express-mca-oauth* logs fetches, retries, failures and invalidations, and nothing secret', async () => {
  server.script.push({ status: 503, body: '' }, {}, { status: 401, body: { error: 'invalid_client' } });
  const dist = JSON.stringify(join(__dirname, '..', 'dist'));
  const log = await runWithDebug(`
    const { createTokenProvider } = require(${dist});
    const p = createTokenProvider({ env: {}, envFile: false, clientId: 'client-1', secret: 's3cr3t-value', tenantId: 'tenant-1',
      serverUrl: ${JSON.stringify(server.serverUrl)}, retryBaseMs: 1, failureCooldownMs: 0 });
    (async () => {
      const header = await p.getAuthorizationHeader();
      p.invalidate(header);
      await p.getAuthorizationHeader().catch(() => {});
      await p.close();
    })();
  `);
  expect(log).toMatch(/express-mca-oauth:provider 127\.0\.0\.1:\d+: attempt 2 in \d+ ms after ERR_MCA_TOKEN_REQUEST_FAILED \(HTTP 503\)/);
  expect(log).toMatch(/token fetched in \d+ ms \(2 attempts\), lifetime 3600 s/);
  expect(log).toMatch(/token dropped \(manual\)/);
  expect(log).toMatch(/fetch failed: ERR_MCA_INVALID_CLIENT/);
  for (const secret of ['s3cr3t-value', Buffer.from('client-1:s3cr3t-value').toString('base64'), ...server.issued]) {
    expect(log).not.toContain(secret);
  }
});

it('DEBUG lines of a per-back-end token name its entry, and hold nothing secret', async () => {
  const dist = JSON.stringify(join(__dirname, '..', 'dist'));
  const log = await runWithDebug(`
    const { mcaOAuth } = require(${dist});
    const mw = mcaOAuth({ env: {}, envFile: false, clientId: 'client-1', secret: 's3cr3t-value', tenantId: 'tenant-1',
      serverUrl: ${JSON.stringify(server.serverUrl)},
      protectedBackends: [{ match: 'https://billing.example.com', scope: 'billing:write', name: 'billing' }] });
    (async () => {
      const header = await mw.authorization('billing');
      mw.backends.get('billing').invalidate(header);
      await mw.close();
    })();
  `);
  expect(log).toMatch(/express-mca-oauth:provider 127\.0\.0\.1:\d+ \[billing\]: token fetched in \d+ ms/);
  expect(log).toMatch(/\[billing\]: token dropped \(manual\)/);
  for (const secret of ['s3cr3t-value', ...server.issued]) expect(log).not.toContain(secret);
});
