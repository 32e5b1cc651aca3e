'use strict';
// Row 9: the cost of choosing a back end's token, with 50 `protectedBackends` entries (each with
// its own audience, on its own origin) against 1. Measured as `mw.authorization(url)` on a warm
// cache (the route decision plus the cache hit) for a URL of the last entry, the two variants
// alternated batch by batch. The routes are precomputed (an origin index), so 50 entries must not
// cost 50 tests: the target is at most 1.5× the single entry. The calls cycle through 1024
// distinct URLs, more than the routes remember (ROUTE_MEMORY_SIZE), so every call makes the
// decision afresh: this row measures choosing, not remembering.
const { mcaOAuth } = require('express-mca-oauth');
const { median, timeAwaitedCalls } = require('./support/stats');

const BATCHES = 15;

function middleware(credentials, count) {
  const protectedBackends = Array.from({ length: count }, (_, i) => ({ match: `https://api${i}.example.com/v1/`, audience: `aud-${i}`, name: `b${i}` }));
  return mcaOAuth({ ...credentials, env: {}, envFile: false, protectedBackends });
}

async function routingCost(servers) {
  const { credentials } = servers.ready;
  const one = middleware(credentials, 1);
  const fifty = middleware(credentials, 50);
  const urls = (host) => Array.from({ length: 1024 }, (_, i) => `https://${host}.example.com/v1/orders/${i}`);
  const urlsOne = urls('api0');
  const urlsFifty = urls('api49');
  let i = 0;
  const callOne = () => one.authorization(urlsOne[i++ & 1023]);
  const callFifty = () => fifty.authorization(urlsFifty[i++ & 1023]);
  await callOne();
  await callFifty();
  const samples = { one: [], fifty: [] };
  const options = { warmup: 20_000, batches: 1, perBatch: 50_000 };
  try {
    for (let b = 0; b < BATCHES; b++) {
      const order = b % 2 === 0 ? ['one', 'fifty'] : ['fifty', 'one'];
      for (const name of order) {
        const [ns] = await timeAwaitedCalls(name === 'one' ? callOne : callFifty, options);
        samples[name].push(ns);
      }
    }
  } finally {
    await Promise.all([one.close(), fifty.close()]);
  }
  return { oneNs: median(samples.one), fiftyNs: median(samples.fifty), ratio: median(samples.fifty.map((v, i) => v / samples.one[i])), samples };
}

module.exports = { routingCost };

if (require.main === module) {
  (async () => {
    const { startServers } = require('./support/processes');
    const servers = await startServers({ lifetimeSeconds: 3600 });
    try {
      const r = await routingCost(servers);
      console.log(`row 9 routing cost, mw.authorization(url) on a warm cache (median of ${BATCHES} alternated batches):`);
      console.log(`  1 entry     ${r.oneNs.toFixed(0)} ns`);
      console.log(`  50 entries  ${r.fiftyNs.toFixed(0)} ns  (URLs of the last entry)`);
      console.log(`  ratio 50/1  ${r.ratio.toFixed(3)}  (target ≤ 1.5: ${r.ratio <= 1.5 ? 'met' : 'NOT met'})`);
    } finally {
      await servers.stop();
    }
  })().catch((error) => {
    console.error(error);
    process.exitCode = 1;
  });
}
