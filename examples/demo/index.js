'use strict';
// `npm start`: an MCA-compatible token server issuing RS256 JWTs, a back end that really validates
// them, and an Express app using mcaOAuth(), all on 127.0.0.1 with nothing else to run.
// `npm start -- --once` runs a short scripted tour and exits (CI runs it).
const express = require('express');
const { mcaOAuth } = require('express-mca-oauth');
const { startTokenServer } = require('./token-server');
const { startBackend } = require('./backend');

const once = process.argv.includes('--once');
const log = (line) => console.log(`${new Date().toISOString().slice(11, 23)} ${line}`);

async function main() {
  const credentials = { clientId: 'demo-client', secret: 'demo-secret', tenantId: 'demo-tenant' };
  const lifetimeSeconds = once ? 4 : 20;
  const tokenServer = await startTokenServer({ ...credentials, lifetimeSeconds, log });
  const backend = await startBackend({ publicKeyUrl: tokenServer.publicKeyUrl, tenantId: credentials.tenantId, log });

  // What Cloud Foundry would bind. The demo passes it as `env`, leaving process.env alone.
  const VCAP_SERVICES = JSON.stringify({
    AdvancedMobileAccess: [{ name: 'demo-mca', label: 'AdvancedMobileAccess', credentials: { ...credentials, serverUrl: tokenServer.serverUrl } }],
  });
  const auth = mcaOAuth({ env: { VCAP_SERVICES }, envFile: false, protectedBackends: [backend.url] });
  auth.provider.on('token', (e) =>
    log(`app: token ${e.background ? 'refreshed in the background' : 'fetched'} in ${e.durationMs} ms, lifetime ${Math.round(e.lifetimeMs / 1000)} s`),
  );
  auth.provider.on('invalidated', (e) => log(`app: token dropped (${e.reason})`));

  const app = express();
  app.use(auth);
  app.get('/orders', async (req, res, next) => {
    try {
      const r = await req.mcaClient.get(`${backend.url}/api/orders`);
      res.json(r.data);
    } catch (error) {
      next(error);
    }
  });
  app.get('/header', async (req, res, next) => {
    try {
      const header = await req.mcaAuth();
      res.json({ header: `${header.slice(0, 16)}…` }); // never echo a whole token
    } catch (error) {
      next(error);
    }
  });
  app.get('/stats', (_req, res) => res.json(auth.provider.stats()));

  const server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const appUrl = `http://127.0.0.1:${server.address().port}`;
  log(`token server  ${tokenServer.serverUrl}  (MCA protocol, RS256 JWTs, ${lifetimeSeconds} s)`);
  log(`back end      ${backend.url}  (validates signature, exp, aud)`);
  log(`app           ${appUrl}`);

  const shutdown = async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    await auth.close();
    await Promise.all([backend.close(), tokenServer.close()]);
  };

  if (!once) {
    log(`try: curl ${appUrl}/orders    curl ${appUrl}/stats    curl ${appUrl}/header    (Ctrl-C to stop)`);
    process.on('SIGINT', () => shutdown().then(() => process.exit(0)));
    return;
  }

  // The tour: concurrent calls share one token request; later calls hit the cache; at the token's
  // half-life (4 s tokens) a new one is fetched; the back end accepts every token it is sent.
  const get = async (path) => {
    const res = await fetch(`${appUrl}${path}`);
    if (res.status !== 200) throw new Error(`${path} answered ${res.status}`);
    return res.json();
  };
  await Promise.all(Array.from({ length: 20 }, () => get('/orders')));
  log(`20 concurrent /orders -> stats ${JSON.stringify(await get('/stats'))}`);
  await new Promise((r) => setTimeout(r, 2100));
  await get('/orders');
  const stats = await get('/stats');
  log(`after the token's half-life -> stats ${JSON.stringify(stats)}`);
  // The CLI, resolving from the environment as a shell user would, against the same server.
  const cli = await runCli(['check', '--no-env-file'], {
    MCA_CLIENT_ID: credentials.clientId,
    MCA_SECRET: credentials.secret,
    MCA_TENANT_ID: credentials.tenantId,
    MCA_SERVER_URL: tokenServer.serverUrl,
  });
  for (const line of cli.trim().split('\n')) log(`cli check: ${line}`);
  const issued = tokenServer.issued();
  const rejected = backend.rejected();
  await shutdown();
  if (issued !== 3 || rejected !== 0) throw new Error(`expected 3 tokens (2 for the app, 1 for the CLI) and no 401, saw ${issued} and ${rejected}`);
  log('tour complete: 21 requests through the app with 2 token requests, 0 rejected; the CLI check passed');
}

function runCli(args, env) {
  const { execFile } = require('node:child_process');
  const bin = require.resolve('express-mca-oauth').replace(/index\.js$/, 'cli/main.js');
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [bin, ...args], { env: { ...process.env, ...env } }, (error, stdout, stderr) =>
      error ? reject(new Error(`express-mca-oauth ${args[0]} failed: ${stderr.trim()}`)) : resolve(stdout),
    );
  });
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
