import { execFile, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Redis from 'ioredis';
import { freePort, spawnRedisServer, startRedisServer, stopRedisProcess, waitForPort, type RedisServer } from './redis-server';

const run = promisify(execFile);

/** A real 3-master Redis Cluster on loopback (no replicas), each node in its own temp dir. */
export interface RedisCluster {
  ports: number[];
  /** `redis://127.0.0.1:port` of each master. */
  urls: string[];
  stop(): Promise<void>;
}

export async function startRedisCluster(): Promise<RedisCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'mca-cluster-'));
  const ports = [await freePort(), await freePort(), await freePort()];
  // The cluster bus defaults to port + 10000: past 65535 for a port above 55535 (a fifth of the
  // ephemeral range), or a port another process holds. Each node gets a free bus port of its own.
  const busPorts = [await freePort(), await freePort(), await freePort()];
  const nodes = await Promise.all(
    ports.map((port, i) =>
      startRedisServer(
        [
          '--cluster-enabled',
          'yes',
          '--cluster-port',
          String(busPorts[i]),
          '--cluster-config-file',
          join(dir, `nodes-${port}.conf`),
          '--cluster-node-timeout',
          '2000',
          '--dir',
          dir,
        ],
        port,
      ),
    ),
  );
  const stop = async (): Promise<void> => {
    await Promise.all(nodes.map((node) => node.stop()));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await run('redis-cli', ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-yes'], { timeout: 20_000 });
    // Every node must agree before a client can be told the slots.
    const until = Date.now() + 20_000;
    for (const port of ports) {
      for (;;) {
        const { stdout } = await run('redis-cli', ['-p', String(port), 'cluster', 'info']);
        if (stdout.includes('cluster_state:ok')) break;
        if (Date.now() > until) throw new Error('the cluster did not reach cluster_state:ok');
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { ports, urls: ports.map((p) => `redis://127.0.0.1:${p}`), stop };
}

/** A master, a replica and one sentinel (quorum 1, fast failure detection) on loopback. */
export interface RedisSentinelSetup {
  master: RedisServer;
  replica: RedisServer;
  sentinelPort: number;
  sentinelUrl: string;
  masterName: string;
  /** The port of the master the sentinel names now. */
  currentMasterPort(): Promise<number>;
  stop(): Promise<void>;
}

/**
 * `downAfterMs`: how long the master may go unanswered before the sentinel fails it over. The
 * failover suites want it short; a suite that needs the master to stay put (the cold fleet) wants
 * it long, since on a loaded machine a master can miss 500 ms and be demoted mid-test (READONLY).
 */
export async function startRedisSentinel({ downAfterMs = 500 }: { downAfterMs?: number } = {}): Promise<RedisSentinelSetup> {
  const dir = mkdtempSync(join(tmpdir(), 'mca-sentinel-'));
  const master = await startRedisServer();
  const replica = await startRedisServer(['--replicaof', '127.0.0.1', String(master.port)]);
  const sentinelPort = await freePort();
  const masterName = 'mymaster';
  const conf = join(dir, 'sentinel.conf');
  writeFileSync(
    conf,
    [
      `port ${sentinelPort}`,
      'bind 127.0.0.1',
      `dir ${dir}`,
      `sentinel monitor ${masterName} 127.0.0.1 ${master.port} 1`,
      `sentinel down-after-milliseconds ${masterName} ${downAfterMs}`,
      `sentinel failover-timeout ${masterName} 3000`,
      `sentinel parallel-syncs ${masterName} 1`,
      '',
    ].join('\n'),
  );
  const sentinel: ChildProcess = spawnRedisServer([conf, '--sentinel']);
  const stop = async (): Promise<void> => {
    await stopRedisProcess(sentinel);
    await Promise.all([master.stop(), replica.stop()]);
    rmSync(dir, { recursive: true, force: true });
  };
  const currentMasterPort = async (): Promise<number> => {
    const { stdout } = await run('redis-cli', ['-p', String(sentinelPort), 'sentinel', 'get-master-addr-by-name', masterName]);
    return Number(stdout.trim().split('\n')[1]);
  };
  try {
    await waitForPort(sentinelPort);
    // The sentinel must know the replica before a failover can promote it.
    const until = Date.now() + 20_000;
    for (;;) {
      const { stdout } = await run('redis-cli', ['-p', String(sentinelPort), 'sentinel', 'replicas', masterName]);
      const probe = new Redis(replica.url, { lazyConnect: true });
      await probe.connect();
      const info = await probe.info('replication');
      probe.disconnect();
      if (stdout.includes(String(replica.port)) && info.includes('master_link_status:up')) break;
      if (Date.now() > until) throw new Error('the sentinel did not see the replica in time');
      await new Promise((r) => setTimeout(r, 100));
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { master, replica, sentinelPort, sentinelUrl: `redis://127.0.0.1:${sentinelPort}`, masterName, currentMasterPort, stop };
}
