'use strict';
// The HTTP figures (rows 1, 2, 6). The apps under test and the token server / back end each run in
// their own process; autocannon runs here. Ratios are measured in the same run, variants
// alternated round by round, and the median of the per-round ratios is quoted: on a shared
// 2-core machine single rounds of two identical apps differ by ±5%.
const autocannon = require('autocannon');
const { startServers, startApp } = require('./support/processes');
const { median } = require('./support/stats');

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 15);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 2);
const CONNECTIONS = 50;

async function reqPerSec(url) {
  const result = await autocannon({ url, connections: CONNECTIONS, duration: SECONDS });
  if (result.non2xx || result.errors) throw new Error(`${url}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  return result.requests.average;
}

/** Alternates the variants round by round; returns req/s per variant, one value per round. */
async function alternate(apps, path, rounds = ROUNDS) {
  const samples = Object.fromEntries(Object.keys(apps).map((name) => [name, []]));
  for (const app of Object.values(apps)) await reqPerSec(`${app.ready.url}${path}`); // warm-up, discarded
  for (let round = 0; round < rounds; round++) {
    // Rotate the order too, so no variant always runs right after the same neighbour.
    const names = Object.keys(apps);
    const order = names.slice(round % names.length).concat(names.slice(0, round % names.length));
    for (const name of order) samples[name].push(await reqPerSec(`${apps[name].ready.url}${path}`));
  }
  return samples;
}

const ratioOfRounds = (a, b) => median(a.map((value, i) => value / b[i]));

async function middlewareOverhead(servers) {
  const { credentials, backendUrl } = servers.ready;
  const apps = {
    mca: await startApp({ variant: 'mca', credentials, backendUrl }),
    noop: await startApp({ variant: 'noop', credentials, backendUrl }),
    bare: await startApp({ variant: 'bare', credentials, backendUrl }),
  };
  try {
    // The target pair gets the rounds; the ratio to no middleware at all is information and gets
    // a third of them. Single rounds here scatter by ±4%, so the median needs many pairs.
    const s = await alternate({ mca: apps.mca, noop: apps.noop }, '/hello', ROUNDS * 2);
    const info = await alternate({ mca: apps.mca, bare: apps.bare }, '/hello', Math.ceil(ROUNDS / 3));
    return {
      ratio: ratioOfRounds(s.mca, s.noop),
      ratioVsBare: ratioOfRounds(info.mca, info.bare),
      reqPerSec: { mca: median(s.mca), noop: median(s.noop), bare: median(info.bare) },
      rounds: { ...s, bare: info.bare, mcaVsBare: info.mca },
    };
  } finally {
    await Promise.all(Object.values(apps).map((app) => app.stop()));
  }
}

async function proxyPath(servers) {
  const { credentials, backendUrl } = servers.ready;
  const apps = {
    mca: await startApp({ variant: 'mca', credentials, backendUrl }),
    static: await startApp({ variant: 'static', credentials, backendUrl, staticToken: servers.ready.staticToken }),
  };
  try {
    const s = await alternate(apps, '/proxy');
    return { ratio: ratioOfRounds(s.mca, s.static), reqPerSec: { mca: median(s.mca), static: median(s.static) }, rounds: s };
  } finally {
    await Promise.all(Object.values(apps).map((app) => app.stop()));
  }
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

module.exports = { middlewareOverhead, proxyPath, soakPosts, startServers };
