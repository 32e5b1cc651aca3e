'use strict';
// One process of the fleet benchmark. Settings (argv[2]): { store: 'memory'|'redis', redisUrl,
// credentials, startAt, steadyMs }. At `startAt` all workers make a cold herd of 100 concurrent
// calls, then keep calling for `steadyMs`, then time the warm hit path. Reports over IPC.
const { createTokenProvider } = require('express-mca-oauth');
const { redisTokenStore } = require('express-mca-oauth/redis');
const { median, timeAwaitedCalls } = require('./stats');

const settings = JSON.parse(process.argv[2]);
const store = settings.store === 'redis' ? redisTokenStore({ url: settings.redisUrl, fleetKey: settings.fleetKey }) : undefined;
const provider = createTokenProvider({ ...settings.credentials, env: {}, envFile: false, ...(store ? { store } : {}) });
let fetched = 0;
provider.on('token', (event) => event.source === 'endpoint' && fetched++);

async function main() {
  await new Promise((r) => setTimeout(r, Math.max(0, settings.startAt - Date.now())));
  await Promise.all(Array.from({ length: 100 }, () => provider.getAuthorizationHeader()));
  const until = Date.now() + settings.steadyMs;
  let calls = 0;
  let errors = 0;
  // Ten callers in a loop, each yielding to the event loop between calls, as requests would.
  await Promise.all(
    Array.from({ length: 10 }, async () => {
      while (Date.now() < until) {
        await provider.getAuthorizationHeader().catch(() => errors++);
        calls++;
        await new Promise((r) => setImmediate(r));
      }
    }),
  );
  // The warm hit path; this is what a request pays when the token is cached.
  const hitNs = median(await timeAwaitedCalls(() => provider.getAuthorizationHeader(), { warmup: 50_000, batches: 9, perBatch: 50_000 }));
  process.send({ type: 'done', calls, errors, fetched, hitNs });
  await provider.close();
  await store?.close();
  process.disconnect();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
