'use strict';
// The HTTP figures (rows 1 and 6). The app under test and the token server / back end each run in
// their own process; autocannon runs here. Row 1 is server CPU per request (proxy-cpu.js's
// method), routes alternated round by round, the median of the per-round ratios quoted.
const autocannon = require('autocannon');
const { startServers, startApp } = require('./support/processes');
const { ratioOfRounds, ratioWithInterval, routesInOneProcess } = require('./proxy-cpu');

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 15);
const CONNECTIONS = 50;

/**
 * Row 1: the no-op middleware's CPU per hello-world request over mcaOAuth()'s (≥ 0.98), both as
 * route middleware in ONE process (the 'hello-pair' app), alternated round by round, as rows 8, 10
 * and 12 do: server CPU per request rather than req/s, which drifts by ±10% between rounds on this
 * machine; one process, because two processes of one variant differ by more than the 2% this row
 * must resolve. A route with no middleware at all gives the ratio to none, as information.
 */
async function middlewareOverhead(servers) {
  const { samples: s, cpuUsPerRequest } = await routesInOneProcess(
    servers,
    'hello-pair',
    { mca: '/hello-mca', noop: '/hello-noop', bare: '/hello-bare', noopAgain: '/hello-noop-again' },
    ROUNDS * 2,
  );
  return {
    ...ratioWithInterval(s.noop, s.mca),
    ratioVsBare: ratioOfRounds(s.bare, s.mca),
    noiseFloor: ratioWithInterval(s.noop, s.noopAgain),
    cpuUsPerRequest,
    rounds: s,
  };
}

/** Row 6: token POSTs during `seconds` of load with 3 s tokens. */
async function soakPosts(seconds = Number(process.env.BENCH_SOAK_SECONDS ?? 30), lifetimeSeconds = 3) {
  const servers = await startServers({ lifetimeSeconds });
  const { credentials, backendUrl } = servers.ready;
  const app = await startApp({ variant: 'mca', credentials, backendUrl });
  try {
    const result = await autocannon({ url: `${app.ready.url}/proxy`, connections: CONNECTIONS, duration: seconds });
    const { stats } = await servers.ask('stats');
    // Tokens are used for half their life (window and skew are both capped at half a short lifetime).
    const window = lifetimeSeconds / 2;
    return {
      posts: stats.posts,
      target: Math.ceil(seconds / (lifetimeSeconds - window)) + 1,
      seconds,
      lifetimeSeconds,
      requests: result.requests.total,
      errors: result.errors + result.non2xx + result.timeouts,
    };
  } finally {
    await app.stop();
    await servers.stop();
  }
}

module.exports = { middlewareOverhead, soakPosts, startServers };
