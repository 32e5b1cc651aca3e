'use strict';
// Row 8 as server CPU time per request, by the method of row 2 (bench/proxy-cpu.js): the proxy
// route of the app under test through req.mcaFetch, against the global fetch with a static
// header. Each variant in its own process pinned to a core, a fixed number of requests per round,
// process.cpuUsage() in that process, variants alternated round by round, median of the ratios.
const { startServers, startApp } = require('./support/processes');
const { median } = require('./support/stats');
const { alternateCpu, ratioOfRounds, ROUNDS, REQUESTS } = require('./proxy-cpu');

/** Row 8: static-header fetch CPU per request over req.mcaFetch's (≥ 0.97: at most ~3% more CPU). */
async function fetchProxyPathCpu(servers) {
  const { credentials, backendUrl, staticToken } = servers.ready;
  const apps = {
    'mca-fetch': await startApp({ variant: 'mca-fetch', credentials, backendUrl }),
    'static-fetch': await startApp({ variant: 'static-fetch', credentials, backendUrl, staticToken }),
  };
  try {
    const s = await alternateCpu(apps, '/proxy');
    return {
      ratio: ratioOfRounds(s['static-fetch'], s['mca-fetch']),
      cpuUsPerRequest: { mcaFetch: median(s['mca-fetch']), staticFetch: median(s['static-fetch']) },
      requestsPerRound: REQUESTS,
      rounds: s,
    };
  } finally {
    await Promise.all(Object.values(apps).map((app) => app.stop()));
  }
}

module.exports = { fetchProxyPathCpu };

if (require.main === module) {
  (async () => {
    require('./support/processes').pinSelf();
    const servers = await startServers({ lifetimeSeconds: 3600 });
    try {
      const r = await fetchProxyPathCpu(servers);
      const f = (n) => n.toFixed(1);
      console.log(`row 8 fetch proxy path, server CPU per request (${ROUNDS} rounds of ${REQUESTS} requests, medians):`);
      console.log(`  req.mcaFetch        ${f(r.cpuUsPerRequest.mcaFetch)} µs`);
      console.log(`  global fetch, static ${f(r.cpuUsPerRequest.staticFetch)} µs`);
      console.log(`  ratio static/mca    ${r.ratio.toFixed(3)}  (target ≥ 0.97: ${r.ratio >= 0.97 ? 'met' : 'NOT met'})`);
    } finally {
      await servers.stop();
    }
  })().catch((error) => {
    console.error(error);
    process.exitCode = 1;
  });
}
