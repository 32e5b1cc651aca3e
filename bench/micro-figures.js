'use strict';
// The in-process figures (rows 3, 4, 5, 7), against the loopback token server in its child process.
const axios = require('axios');
const { mcaOAuth, createTokenProvider, getAuthorizationHeader, closeAuthorizationHeaderCache } = require('express-mca-oauth');
const { median, timeAwaitedCalls } = require('./support/stats');

/** Row 3: `await req.mcaAuth()` on a warm cache, and the seed-style module call with the same options object. */
async function cacheHit(servers) {
  const { credentials } = servers.ready;
  const auth = mcaOAuth({ ...credentials, env: {}, envFile: false });
  const req = {};
  auth(req, {}, () => undefined);
  await req.mcaAuth();
  const mcaAuth = await timeAwaitedCalls(() => req.mcaAuth());
  const seedOptions = {
    cacheSize: 100,
    appId: credentials.tenantId,
    clientId: credentials.clientId,
    secret: credentials.secret,
    serverUrl: credentials.serverUrl,
  };
  await getAuthorizationHeader(seedOptions);
  const seedSameObject = await timeAwaitedCalls(() => getAuthorizationHeader(seedOptions));
  // The seed's documented style: a fresh object literal on every call (the literal-key path).
  const seedFreshObject = await timeAwaitedCalls(
    () =>
      getAuthorizationHeader({
        cacheSize: 100,
        appId: credentials.tenantId,
        clientId: credentials.clientId,
        secret: credentials.secret,
        serverUrl: credentials.serverUrl,
      }),
    { warmup: 20_000, batches: 7, perBatch: 20_000 },
  );
  // The floor any cache can reach from an async API: an awaited lookup in a Map, in the same run.
  const floor = new Map([['k', 'Bearer x']]);
  const awaitedMap = await timeAwaitedCalls(async () => floor.get('k'), { warmup: 20_000, batches: 7, perBatch: 20_000 });
  await auth.close();
  await closeAuthorizationHeaderCache();
  return {
    mcaAuthNs: median(mcaAuth),
    seedSameObjectNs: median(seedSameObject),
    seedFreshObjectNs: median(seedFreshObject),
    awaitedMapNs: median(awaitedMap),
  };
}

/** Row 4: what IBM's module does, one POST per call, sequentially. */
async function naiveBaseline(servers, calls = 2000) {
  const { clientId, secret, tenantId, serverUrl } = servers.ready.credentials;
  const url = `${serverUrl}/authorization/v1/apps/${tenantId}/token`;
  const headers = { Authorization: `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}`, 'Content-Type': 'application/x-www-form-urlencoded' };
  const post = async () => `Bearer ${(await axios.post(url, 'grant_type=client_credentials', { headers })).data.access_token}`;
  for (let i = 0; i < 200; i++) await post();
  const start = process.hrtime.bigint();
  for (let i = 0; i < calls; i++) await post();
  return { usPerCall: Number(process.hrtime.bigint() - start) / calls / 1000 };
}

/** Row 5: 1000 concurrent callers on an empty cache. */
async function coldHerd(servers, callers = 1000) {
  const { credentials } = servers.ready;
  await servers.ask('reset');
  const provider = createTokenProvider({ ...credentials, env: {}, envFile: false });
  const start = process.hrtime.bigint();
  const headers = await Promise.all(Array.from({ length: callers }, () => provider.getAuthorizationHeader()));
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  const { stats } = await servers.ask('stats');
  await provider.close();
  return { callers, posts: stats.posts, distinctHeaders: new Set(headers).size, ms };
}

/** Row 7: heap after N distinct configurations with cacheSize 1000, after GC. */
async function memory(servers) {
  if (!global.gc) throw new Error('run with --expose-gc');
  const { credentials } = servers.ready;
  const heapAfter = async (count, from) => {
    const batch = 64;
    for (let i = from; i < count; i += batch) {
      const calls = [];
      for (let j = i; j < Math.min(count, i + batch); j++) {
        // Distinct configurations: the scope differs, so each is its own provider and token.
        calls.push(getAuthorizationHeader({ ...credentials, cacheSize: 1000, scope: `s${j}`, env: {}, envFile: false, retries: 0 }));
      }
      await Promise.all(calls);
    }
    await new Promise((r) => setTimeout(r, 100)); // let evicted providers finish closing
    global.gc();
    global.gc();
    return process.memoryUsage().heapUsed;
  };
  const after1k = await heapAfter(1000, 0);
  const after100k = await heapAfter(100_000, 1000);
  await closeAuthorizationHeaderCache();
  return { after1kMB: after1k / 1024 / 1024, after100kMB: after100k / 1024 / 1024, deltaMB: (after100k - after1k) / 1024 / 1024 };
}

module.exports = { cacheHit, naiveBaseline, coldHerd, memory };
