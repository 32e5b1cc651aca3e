'use strict';
// Real Redis topologies on loopback for `npm run bench:fleet`: one node, a 3-master Cluster, and
// a master + replica watched by one sentinel. Each in its own temp dir, no persistence.
const { spawn, spawnSync, execFileSync } = require('node:child_process');
const { mkdtempSync, rmSync, writeFileSync } = require('node:fs');
const net = require('node:net');
const { tmpdir } = require('node:os');
const { join } = require('node:path');

async function freePort() {
  const server = net.createServer();
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address();
  await new Promise((r) => server.close(r));
  return port;
}

async function until(check, what, timeoutMs = 20_000) {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`${what} did not happen in time`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const cli = (port, ...args) => {
  try {
    return execFileSync('redis-cli', ['-p', String(port), ...args], { encoding: 'utf8', timeout: 5_000, stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return '';
  }
};

async function startServer(extra = [], dir = mkdtempSync(join(tmpdir(), 'mca-bench-redis-'))) {
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, ...extra], {
    stdio: 'ignore',
  });
  await until(() => cli(port, 'ping').startsWith('PONG'), `redis-server on ${port}`);
  return { port, url: `redis://127.0.0.1:${port}`, child, dir };
}

async function stopAll(servers) {
  for (const s of servers) {
    if (s.child.exitCode === null) {
      await new Promise((r) => {
        s.child.once('exit', r);
        s.child.kill('SIGKILL');
      });
    }
    rmSync(s.dir, { recursive: true, force: true });
  }
}

async function startTopologies() {
  if (spawnSync('redis-server', ['--version']).status !== 0) throw new Error('redis-server is not installed: apt-get install -y redis-server');
  const single = await startServer();
  const clusterDir = mkdtempSync(join(tmpdir(), 'mca-bench-cluster-'));
  const nodes = [];
  for (let i = 0; i < 3; i++) {
    nodes.push(
      await startServer(
        // An explicit bus port: the default (port + 10000) is past 65535 for a port above 55535.
        ['--cluster-enabled', 'yes', '--cluster-port', String(await freePort()), '--cluster-config-file', `nodes-${i}.conf`, '--cluster-node-timeout', '2000'],
        mkdtempSync(join(clusterDir, 'n')),
      ),
    );
  }
  execFileSync('redis-cli', ['--cluster', 'create', ...nodes.map((n) => `127.0.0.1:${n.port}`), '--cluster-yes'], { stdio: 'ignore', timeout: 20_000 });
  for (const n of nodes) await until(() => cli(n.port, 'cluster', 'info').includes('cluster_state:ok'), 'cluster_state:ok');
  const master = await startServer();
  const replica = await startServer(['--replicaof', '127.0.0.1', String(master.port)]);
  const sentinelDir = mkdtempSync(join(tmpdir(), 'mca-bench-sentinel-'));
  const sentinelPort = await freePort();
  const conf = join(sentinelDir, 'sentinel.conf');
  writeFileSync(conf, [`port ${sentinelPort}`, 'bind 127.0.0.1', `dir ${sentinelDir}`, `sentinel monitor mymaster 127.0.0.1 ${master.port} 1`, ''].join('\n'));
  const sentinel = { child: spawn('redis-server', [conf, '--sentinel'], { stdio: 'ignore' }), dir: sentinelDir, port: sentinelPort };
  await until(() => cli(sentinelPort, 'sentinel', 'get-master-addr-by-name', 'mymaster').includes(String(master.port)), 'the sentinel');
  return {
    single,
    cluster: { urls: nodes.map((n) => n.url), ports: nodes.map((n) => n.port) },
    sentinel: { url: `redis://127.0.0.1:${sentinelPort}`, masterName: 'mymaster', masterPort: master.port },
    flush: (ports) => ports.forEach((port) => cli(port, 'flushall')),
    stop: async () => {
      await stopAll([single, ...nodes, master, replica, sentinel]);
      rmSync(clusterDir, { recursive: true, force: true });
    },
  };
}

module.exports = { startTopologies };
