'use strict';
// Row 8 as server CPU time per request: the proxy route through req.mcaFetch, against the global
// fetch with a static header. Both routes live in ONE app process (the 'fetch-pair' app), and the
// rounds alternate between them; process.cpuUsage() in that process over a fixed number of
// requests gives each round's CPU per request, and the median of the per-round ratios is quoted
// with a bootstrap interval.
//
// Why one process, not one per variant as row 2 does: two processes of the *same* variant differ
// by up to ±5% in CPU per request on this machine (heap layout, JIT, the size their connection
// pool to the back end settles at), which is more than the 3% this row must resolve. In one
// process both routes share all of that, and only the route's own work differs. The mcaFetch
// route still passes through the middleware (route-level), the static one through a no-op.
const { startServers } = require('./support/processes');
const { ratioWithInterval, routesInOneProcess, REQUESTS } = require('./proxy-cpu');

const renamed = (figures, names) => Object.fromEntries(Object.entries(figures).map(([key, value]) => [names[key], value]));

const ROUNDS = Number(process.env.BENCH_FETCH_ROUNDS ?? 30);

/** Row 8: static-header fetch CPU per request over req.mcaFetch's (≥ 0.97: at most ~3% more CPU). */
async function fetchProxyPathCpu(servers) {
  const { samples: s, cpuUsPerRequest } = await routesInOneProcess(
    servers,
    'fetch-pair',
    {
      mcaFetch: '/proxy-mca-fetch',
      staticFetch: '/proxy-static-fetch',
      manualFetch: '/proxy-manual-fetch',
      sharedFetch: '/proxy-shared-fetch',
      manualAgain: '/proxy-manual-fetch-again',
    },
    ROUNDS,
  );
  return {
    ...ratioWithInterval(s.staticFetch, s.mcaFetch),
    // Row 13: the global fetch as each hop calls it, over req.mcaFetch.
    ...renamed(ratioWithInterval(s.manualFetch, s.mcaFetch), { ratio: 'ratioManual', interval90: 'intervalManual90' }),
    // Row 13's difference split: the wrapper alone (auth.fetch, no middleware) over the fetch it
    // makes, and req.mcaFetch's middleware and request field over the wrapper alone.
    wrapperRatio: ratioWithInterval(s.manualFetch, s.sharedFetch).ratio,
    middlewareRatio: ratioWithInterval(s.sharedFetch, s.mcaFetch).ratio,
    // The method's noise floor in this run: two identical routes (A/A), ideally 1.
    noiseFloor: ratioWithInterval(s.manualFetch, s.manualAgain),
    cpuUsPerRequest,
    requestsPerRound: REQUESTS,
    rounds: s,
  };
}

module.exports = { fetchProxyPathCpu };

if (require.main === module) {
  (async () => {
    require('./support/processes').pinSelf();
    const servers = await startServers({ lifetimeSeconds: 3600 });
    try {
      const r = await fetchProxyPathCpu(servers);
      const f = (n) => n.toFixed(1);
      const [low, high] = r.interval90;
      console.log(
        `row 8 fetch proxy path, server CPU per request (one process, ${ROUNDS} rounds of ${REQUESTS} requests per route, routes alternated, medians):`,
      );
      console.log(`  req.mcaFetch         ${f(r.cpuUsPerRequest.mcaFetch)} µs`);
      console.log(`  global fetch, static ${f(r.cpuUsPerRequest.staticFetch)} µs`);
      console.log(`  global fetch, manual ${f(r.cpuUsPerRequest.manualFetch)} µs  (information: an init per call, redirect: 'manual', as each mcaFetch hop)`);
      console.log(
        `  ratio static/mca     ${r.ratio.toFixed(3)}  (90% bootstrap interval ${low.toFixed(3)}–${high.toFixed(3)}; target ≥ 0.97: ${r.ratio >= 0.97 ? 'met' : 'NOT met'})`,
      );
      console.log(`  auth.fetch           ${f(r.cpuUsPerRequest.sharedFetch)} µs  (information: the wrapper behind the no-op middleware)`);
      const [mLow, mHigh] = r.intervalManual90;
      console.log(
        `  ratio manual/mca     ${r.ratioManual.toFixed(3)}  (row 13; 90% ${mLow.toFixed(3)}–${mHigh.toFixed(3)}; target ≥ 0.99: ${r.ratioManual >= 0.99 ? 'met' : 'NOT met'})`,
      );
      console.log(`    manual/auth.fetch  ${r.wrapperRatio.toFixed(3)}  (the wrapper's own cost)`);
      console.log(`    auth.fetch/mca     ${r.middlewareRatio.toFixed(3)}  (the middleware and req.mcaFetch's getter)`);
      const [aLow, aHigh] = r.noiseFloor.interval90;
      console.log(`  A/A manual/manual   ${r.noiseFloor.ratio.toFixed(3)}  (90% ${aLow.toFixed(3)}–${aHigh.toFixed(3)}; the method's noise floor in this run)`);
    } finally {
      await servers.stop();
    }
  })().catch((error) => {
    console.error(error);
    process.exitCode = 1;
  });
}
