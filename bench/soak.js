'use strict';
// Soak: 60 s at 200 concurrent connections through req.mcaClient, with 5 s tokens and a token
// server that fails 20% of its requests. Prints requests, errors, token POSTs and RSS.
// Usage: node bench/soak.js [seconds] [connections]
const autocannon = require('autocannon');
const { startServers, startApp, pinSelf } = require('./support/processes');

const seconds = Number(process.argv[2] ?? 60);
const connections = Number(process.argv[3] ?? 200);

async function main() {
  pinSelf();
  const servers = await startServers({ lifetimeSeconds: 5, failRate: 0.2 });
  const { credentials, backendUrl } = servers.ready;
  const app = await startApp({ variant: 'mca', credentials, backendUrl });
  const url = `${app.ready.url}/proxy`;
  // Warm up for 2 s so that RSS at start is the steady state, not the cold process.
  await autocannon({ url, connections, duration: 2 });
  const before = await app.ask('stats');
  const serversBefore = (await servers.ask('stats')).stats;
  // Sample memory every 10 s during the run, so growth and plateau can be told apart.
  const samples = [];
  const sampler = setInterval(() => app.ask('stats').then((s) => samples.push(s)), 10_000);
  const result = await autocannon({ url, connections, duration: seconds });
  clearInterval(sampler);
  const after = await app.ask('stats');
  const serversAfter = (await servers.ask('stats')).stats;
  const non2xx = result.non2xx;
  const errors = result.errors + result.timeouts + non2xx;
  const mb = (bytes) => (bytes / 1024 / 1024).toFixed(1);
  const lines = [
    `soak: ${seconds} s, ${connections} connections, token lifetime 5 s, token server failing 20%`,
    `requests      ${result.requests.total} (${Math.round(result.requests.average)} req/s average)`,
    `errors        ${errors} (non-2xx ${non2xx}, socket errors ${result.errors}, timeouts ${result.timeouts})`,
    `token POSTs   ${serversAfter.posts - serversBefore.posts} (${serversAfter.failedOnPurpose - serversBefore.failedOnPurpose} failed on purpose)`,
    `back end 401s ${serversAfter.backendRejected - serversBefore.backendRejected}`,
    `RSS           ${mb(before.rss)} MB at start, ${mb(after.rss)} MB at end (after GC); every 10 s: ${samples.map((x) => mb(x.rss)).join(', ')}`,
    `heap used     ${mb(before.heapUsed)} MB at start, ${mb(after.heapUsed)} MB at end (after GC); every 10 s: ${samples.map((x) => mb(x.heapUsed)).join(', ')}`,
    `provider      ${JSON.stringify(after.provider)}`,
  ];
  console.log(lines.join('\n'));
  await app.stop();
  await servers.stop();
  process.exitCode = errors === 0 ? 0 : 1;
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
