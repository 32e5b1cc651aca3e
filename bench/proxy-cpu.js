'use strict';
// Row 2 as server CPU time per request: the proxy route of the app under test through
// req.mcaClient, against plain axios with a static header. Each variant runs in its own process
// (pinned to a core); a fixed number of requests is sent to it, and process.cpuUsage() in that
// process, read before and after, gives its CPU time per request. Variants alternate round by
// round (the order rotating); the median of the per-round ratios is quoted. On this shared machine
// req/s drifts by ±10% between rounds; CPU time per request drifts far less.
const autocannon = require('autocannon');
const { startServers, startApp } = require('./support/processes');
const { median, bootstrapMedianInterval } = require('./support/stats');

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 15);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 4000);
const CONNECTIONS = 20;

async function cpuPerRequest(app, path) {
  const before = (await app.ask('cpu')).usage;
  const result = await autocannon({ url: `${app.ready.url}${path}`, connections: CONNECTIONS, amount: REQUESTS });
  const after = (await app.ask('cpu')).usage;
  if (result.non2xx || result.errors) throw new Error(`${app.ready.url}${path}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  return (after.user - before.user + after.system - before.system) / REQUESTS; // µs
}

/**
 * µs of CPU per request for each variant, one value per round, variants alternated. `targets`:
 * variant name → `{ app, path }` (the process to measure and the route to load).
 */
async function alternateCpu(targets, rounds = ROUNDS) {
  const names = Object.keys(targets);
  const samples = Object.fromEntries(names.map((name) => [name, []]));
  for (const { app, path } of Object.values(targets)) await cpuPerRequest(app, path); // warm-up, discarded
  for (let round = 0; round < rounds; round++) {
    const order = names.slice(round % names.length).concat(names.slice(0, round % names.length));
    for (const name of order) samples[name].push(await cpuPerRequest(targets[name].app, targets[name].path));
  }
  return samples;
}

const ratioOfRounds = (a, b) => median(a.map((value, i) => value / b[i]));

/** The median of the per-round ratios a/b, and its 90% bootstrap interval. */
function ratioWithInterval(a, b) {
  return {
    ratio: ratioOfRounds(a, b),
    interval90: bootstrapMedianInterval(
      a.map((value, i) => value / b[i]),
      0.9,
    ),
  };
}

/**
 * The one-process method (rows 1, 8, 10, 12): one app process of `variant` serves every route of
 * `routes` (name → path), and the routes alternate round by round. Two processes of the same
 * variant differ by up to ±5% CPU per request on this machine (heap layout, JIT, the size their
 * connection pool to the back end settles at); in one process the routes share all of that, and
 * only each route's own work differs. Returns µs per request per route, one value a round, and
 * the median of each.
 */
async function routesInOneProcess(servers, variant, routes, rounds) {
  const { credentials, backendUrl, staticToken, iam } = servers.ready;
  const app = await startApp({ variant, credentials, backendUrl, staticToken, iam });
  try {
    const samples = await alternateCpu(Object.fromEntries(Object.entries(routes).map(([name, path]) => [name, { app, path }])), rounds);
    const cpuUsPerRequest = Object.fromEntries(Object.entries(samples).map(([name, values]) => [name, median(values)]));
    return { samples, cpuUsPerRequest };
  } finally {
    await app.stop();
  }
}

/** Row 2: static-header CPU per request over req.mcaClient's (≥ 0.97: at most ~3% more CPU). */
async function proxyPathCpu(servers) {
  const { credentials, backendUrl, staticToken } = servers.ready;
  const apps = {
    mca: await startApp({ variant: 'mca', credentials, backendUrl }),
    static: await startApp({ variant: 'static', credentials, backendUrl, staticToken }),
    'static-direct': await startApp({ variant: 'static-direct', credentials, backendUrl, staticToken }),
  };
  try {
    const s = await alternateCpu(Object.fromEntries(Object.entries(apps).map(([name, app]) => [name, { app, path: '/proxy' }])));
    return {
      ratio: ratioOfRounds(s.static, s.mca),
      ratioVsDirect: ratioOfRounds(s['static-direct'], s.mca),
      cpuUsPerRequest: { mca: median(s.mca), static: median(s.static), staticDirect: median(s['static-direct']) },
      requestsPerRound: REQUESTS,
      rounds: s,
    };
  } finally {
    await Promise.all(Object.values(apps).map((app) => app.stop()));
  }
}

/**
 * Row 12: plain axios at its cheapest (maxRedirects: 0, a static header) over req.mcaClient, both
 * routes in ONE process (the 'axios-pair' app), alternated round by round: the same method as
 * rows 8 and 10, for the reason row 8 gives (two processes of one variant differ by up to ±5%,
 * more than the 5% this row must resolve). Row 2's separate processes give the same pair as
 * information (`ratioVsDirect`).
 */
async function axiosPathCpu(servers, rounds = Number(process.env.BENCH_AXIOS_ROUNDS ?? 30)) {
  const { samples: s, cpuUsPerRequest } = await routesInOneProcess(servers, 'axios-pair', { mca: '/proxy-mca-axios', direct: '/proxy-direct-axios' }, rounds);
  return { ...ratioWithInterval(s.direct, s.mca), cpuUsPerRequest, requestsPerRound: REQUESTS, rounds: s };
}

module.exports = { proxyPathCpu, axiosPathCpu, alternateCpu, ratioOfRounds, ratioWithInterval, routesInOneProcess, REQUESTS };

if (require.main === module) {
  (async () => {
    require('./support/processes').pinSelf();
    const servers = await startServers({ lifetimeSeconds: 3600 });
    try {
      const f = (n) => n.toFixed(1);
      if (process.argv.includes('--axios-path')) {
        const a = await axiosPathCpu(servers);
        console.log(`row 12 axios path, server CPU per request (one process, ${a.rounds.mca.length} rounds of ${REQUESTS} requests per route, medians):`);
        console.log(`  req.mcaClient                  ${f(a.cpuUsPerRequest.mca)} µs`);
        console.log(`  plain axios, maxRedirects: 0   ${f(a.cpuUsPerRequest.direct)} µs`);
        const [low, high] = a.interval90;
        console.log(
          `  ratio direct/mca ${a.ratio.toFixed(3)} (90% ${low.toFixed(3)}–${high.toFixed(3)}; target ≥ 0.95: ${a.ratio >= 0.95 ? 'met' : 'NOT met'})`,
        );
        return;
      }
      const r = await proxyPathCpu(servers);
      console.log(`row 2 proxy path, server CPU per request (${ROUNDS} rounds of ${REQUESTS} requests, medians):`);
      console.log(`  req.mcaClient      ${f(r.cpuUsPerRequest.mca)} µs`);
      console.log(`  static header      ${f(r.cpuUsPerRequest.static)} µs  (plain axios, defaults)`);
      console.log(`  static, no follow  ${f(r.cpuUsPerRequest.staticDirect)} µs  (plain axios, maxRedirects: 0)`);
      console.log(`  ratio static/mca   ${r.ratio.toFixed(3)}  (target ≥ 0.97: ${r.ratio >= 0.97 ? 'met' : 'NOT met'})`);
      console.log(`  ratio no-follow/mca ${r.ratioVsDirect.toFixed(3)}  (information: the client's own cost)`);
    } finally {
      await servers.stop();
    }
  })().catch((error) => {
    console.error(error);
    process.exitCode = 1;
  });
}
