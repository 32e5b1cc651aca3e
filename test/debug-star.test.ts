import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { startTokenServer, type TokenServer } from './helpers/token-server';

// Issue 10, item 10: `DEBUG=*` (every library's debug output, not only ours) around token requests
// that succeed, fail, are retried, time out, or meet a hostile server. Run in a child process,
// since `debug` reads DEBUG when it loads.
let server: TokenServer;
beforeEach(async () => {
  server = await startTokenServer();
});
afterEach(() => server.close());

function runWithDebugStar(script: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['-e', script],
      { env: { ...process.env, DEBUG: '*', DEBUG_COLORS: '0', DEBUG_DEPTH: '10' }, timeout: 20_000 },
      (error, out, err) => (error ? reject(error) : resolve(`${out}\n${err}`)),
    );
  });
}

it('DEBUG=* prints no secret, Basic credential or token for token requests of any outcome', async () => {
  const secret = 's3cr3t-value';
  const basic = Buffer.from(`client-1:${secret}`).toString('base64');
  server.script.push(
    {}, // success
    { status: 503, body: '' },
    {}, // a retry, then success
    { status: 400, body: { error: `Basic ${basic}`, error_description: secret } }, // a hostile echo
    { status: 401, body: { error: secret } },
    // A timeout. timeoutMs is 2 s, not less: under load an answer took over 200 ms, the attempt
    // timed out, its retry took the next scripted answer, and the script ran out of step.
    { hang: true },
    { status: 429, body: { error: 'temporarily_unavailable' }, headers: { 'Retry-After': '0' } },
    {},
  );
  const dist = JSON.stringify(join(__dirname, '..', 'dist'));
  const output = await runWithDebugStar(`
    const { createTokenProvider } = require(${dist});
    const make = (extra) => createTokenProvider({ env: {}, envFile: false, clientId: 'client-1', secret: ${JSON.stringify(secret)},
      tenantId: 'tenant-1', serverUrl: ${JSON.stringify(server.serverUrl)}, retryBaseMs: 1, retryMaxMs: 5, failureCooldownMs: 0,
      timeoutMs: 2000, ...extra });
    (async () => {
      const p = make({});
      const header = await p.getAuthorizationHeader();
      p.invalidate(header);
      await p.getAuthorizationHeader();
      p.invalidate();
      for (let i = 0; i < 3; i++) { p.invalidate(); await p.getAuthorizationHeader().catch(() => {}); }
      const post = make({ clientAuth: 'post', retries: 2 });
      await post.getAuthorizationHeader().catch(() => {});
      await Promise.all([p.close(), post.close()]);
    })();
  `);
  // The run did log, including the failures: otherwise this test could not fail.
  expect(output).toMatch(/express-mca-oauth:provider .*token fetched/);
  expect(output).toMatch(/fetch failed: ERR_MCA_TOKEN_REQUEST_FAILED/);
  expect(output).toMatch(/fetch failed: ERR_MCA_INVALID_CLIENT/);
  expect(server.issued.length).toBeGreaterThanOrEqual(3);
  for (const leak of [secret, basic, `client_secret=${secret}`, ...server.issued]) expect(output).not.toContain(leak);
});
