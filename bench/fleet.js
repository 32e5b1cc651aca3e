'use strict';
// `npm run bench:fleet`: K = 4 processes against one token server, first each with its own
// memory store, then sharing a Redis store. Each run: a cold herd, then 3 token lifetimes of
// steady load. Prints token POSTs per run and the hit-path cost per call.
const { fork, spawn, spawnSync } = require('node:child_process');
const { randomBytes } = require('node:crypto');
const net = require('node:net');
const { join } = require('node:path');
const { startServers } = require('./support/processes');
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

async function main() {
  const servers = await startServers({ lifetimeSeconds: LIFETIME_S });
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
  } finally {
    redis.stop();
    await servers.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
