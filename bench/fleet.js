'use strict';
// `npm run bench:fleet`: K = 4 processes against one token server, first each with its own
// memory store, then sharing a Redis store. Each run: a cold herd, then 3 token lifetimes of
// steady load. Prints token POSTs per run and the hit-path cost per call.
// Then a cold start: 8 processes started together per topology (one node, Cluster, Sentinel;
// configured by options, by a user-built client, by MCA_REDIS_*), each building its store only
// at "go" and making 50 calls at once: token POSTs (1 is the promise) and the worst call.
// BENCH_FLEET_COLD_ONLY=1 runs the cold start alone.
const { fork, spawn, spawnSync } = require('node:child_process');
const { randomBytes } = require('node:crypto');
const net = require('node:net');
const { join } = require('node:path');
const { startServers } = require('./support/processes');
const { startTopologies } = require('./support/redis-topologies');
const { median } = require('./support/stats');

const K = 4;
// One fleet key for the run, as an operator would set MCA_REDIS_FLEET_KEY.
const FLEET_KEY = randomBytes(32).toString('base64');
const LIFETIME_S = 4;

async function freePort() {
  const server = net.createServer();
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address();
  await new Promise((r) => server.close(r));
  return port;
}

async function startRedis() {
  if (spawnSync('redis-server', ['--version']).status !== 0) throw new Error('redis-server is not installed: apt-get install -y redis-server');
  const port = await freePort();
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', require('node:os').tmpdir()],
    { stdio: 'ignore' },
  );
  for (let i = 0; i < 200; i++) {
    const up = await new Promise((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => (s.destroy(), resolve(true)));
      s.on('error', () => resolve(false));
    });
    if (up) break;
    await new Promise((r) => setTimeout(r, 25));
  }
  return { url: `redis://127.0.0.1:${port}`, stop: () => child.kill('SIGKILL') };
}

async function run(store, servers, redisUrl) {
  await servers.ask('reset');
  const startAt = Date.now() + 1500;
  const steadyMs = 3 * LIFETIME_S * 1000;
  const workers = Array.from(
    { length: K },
    () =>
      new Promise((resolve, reject) => {
        const child = fork(join(__dirname, 'support', 'fleet-worker.js'), [
          JSON.stringify({ store, redisUrl, fleetKey: FLEET_KEY, credentials: servers.ready.credentials, startAt, steadyMs }),
        ]);
        child.on('message', (m) => m.type === 'done' && resolve(m));
        child.on('exit', (code) => code && reject(new Error(`worker exited with ${code}`)));
      }),
  );
  const results = await Promise.all(workers);
  const { stats } = await servers.ask('stats');
  return {
    store,
    posts: stats.posts,
    calls: results.reduce((n, r) => n + r.calls, 0),
    errors: results.reduce((n, r) => n + r.errors, 0),
    hitNs: median(results.map((r) => r.hitNs)),
  };
}

const COLD = 8;

/** One cold start: COLD workers ready (package loaded), told to go at once. */
async function coldStart(servers, settings) {
  await servers.ask('reset');
  const workers = Array.from({ length: COLD }, () => {
    const child = fork(join(__dirname, 'support', 'cold-worker.js'), [
      JSON.stringify({ ...settings, fleetKey: FLEET_KEY, credentials: servers.ready.credentials }),
    ]);
    const ready = new Promise((resolve) => child.once('message', resolve));
    const done = new Promise((resolve, reject) => {
      child.on('message', (m) => m.type === 'done' && resolve(m));
      child.on('exit', (code) => code && reject(new Error(`cold worker exited with ${code}`)));
    });
    return { child, ready, done };
  });
  await Promise.all(workers.map((w) => w.ready));
  for (const w of workers) w.child.send({ type: 'go' });
  const results = await Promise.all(workers.map((w) => w.done));
  const { stats } = await servers.ask('stats');
  return { posts: stats.posts, worstMs: Math.max(...results.map((r) => r.worstMs)), errors: results.reduce((n, r) => n + r.errors, 0) };
}

async function coldStarts(servers) {
  const t = await startTopologies();
  const cases = [
    ['url option', { build: 'options', store: { url: t.single.url } }, [t.single.port]],
    ['user-built Redis', { build: 'user-single', store: { url: t.single.url } }, [t.single.port]],
    ['MCA_REDIS_URL', { build: 'env', env: { MCA_REDIS_URL: t.single.url } }, [t.single.port]],
    ['user-built Cluster', { build: 'user-cluster', store: { clusterNodes: t.cluster.urls } }, t.cluster.ports],
    ['MCA_REDIS_CLUSTER_NODES', { build: 'env', env: { MCA_REDIS_CLUSTER_NODES: t.cluster.urls.join(',') } }, t.cluster.ports],
    ['user-built Sentinel', { build: 'user-sentinel', store: { sentinels: [t.sentinel.url], sentinelMaster: t.sentinel.masterName } }, [t.sentinel.masterPort]],
    [
      'MCA_REDIS_SENTINELS',
      { build: 'env', env: { MCA_REDIS_SENTINELS: t.sentinel.url, MCA_REDIS_SENTINEL_MASTER: t.sentinel.masterName } },
      [t.sentinel.masterPort],
    ],
  ];
  const rows = [];
  try {
    for (const [name, settings, ports] of cases) {
      t.flush(ports);
      rows.push({ name, ...(await coldStart(servers, settings)) });
    }
  } finally {
    await t.stop();
  }
  console.log(`cold start: ${COLD} processes started together, 50 calls each, empty Redis (1 token POST is the promise)`);
  console.log('| topology | token POSTs | worst call, ms | caller errors |');
  console.log('|---|---|---|---|');
  for (const r of rows) console.log(`| ${r.name} | ${r.posts} | ${Math.round(r.worstMs)} | ${r.errors} |`);
}

async function main() {
  const servers = await startServers({ lifetimeSeconds: LIFETIME_S });
  if (process.env.BENCH_FLEET_COLD_ONLY === '1') {
    try {
      await coldStarts(servers);
    } finally {
      await servers.stop();
    }
    return;
  }
  const redis = await startRedis();
  try {
    const memory = await run('memory', servers);
    const shared = await run('redis', servers, redis.url);
    // Tokens are used for half of a short lifetime, so a period is LIFETIME_S / 2.
    const periods = (3 * LIFETIME_S) / (LIFETIME_S / 2) + 1;
    console.log(
      `fleet: ${K} processes, ${LIFETIME_S} s tokens (used for ${LIFETIME_S / 2} s each), cold herd of 100 per process + ${3 * LIFETIME_S} s steady load`,
    );
    console.log('| store | token POSTs | POSTs per token period (fleet) | calls | errors | hit path, median ns/call |');
    console.log('|---|---|---|---|---|---|');
    for (const r of [memory, shared]) {
      console.log(`| ${r.store} | ${r.posts} | ${(r.posts / periods).toFixed(2)} | ${r.calls} | ${r.errors} | ${Math.round(r.hitNs)} |`);
    }
    console.log(
      `POSTs with Redis: ${(memory.posts / shared.posts).toFixed(1)}× fewer; hit path with Redis: ${Math.round(shared.hitNs - memory.hitNs)} ns/call more than memory`,
    );
    await coldStarts(servers);
  } finally {
    redis.stop();
    await servers.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
