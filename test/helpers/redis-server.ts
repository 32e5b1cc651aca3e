import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A real redis-server of the test's own, on a free loopback port, with no persistence. */
export interface RedisServer {
  port: number;
  url: string;
  stop(): Promise<void>;
  /** Starts it again on the same port (after stop). */
  restart(): Promise<void>;
}

export function redisServerAvailable(): boolean {
  return spawnSync('redis-server', ['--version']).status === 0;
}

/**
 * Whether the Redis suites may skip when redis-server is missing. Under CI (or with
 * MCA_REQUIRE_REDIS=1) they must run, so a missing server fails them instead.
 */
export function describeWithRedis(name: string, body: () => void): void {
  if (redisServerAvailable()) return describe(name, body);
  if (process.env.CI || process.env.MCA_REQUIRE_REDIS === '1') {
    describe(name, () => {
      it('needs redis-server (CI or MCA_REQUIRE_REDIS=1 is set)', () => {
        throw new Error('redis-server is not installed: apt-get install -y redis-server');
      });
    });
    return;
  }
  console.warn(`\n!!! SKIPPING "${name}": redis-server is not installed (apt-get install -y redis-server) !!!\n`);
  describe.skip(name, body);
}

export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export async function waitForPort(port: number, timeoutMs = 5000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.write('PING\r\n');
        socket.once('data', (data) => {
          socket.destroy();
          // -NOAUTH: a server with a password is up too.
          resolve(/^(\+PONG|-NOAUTH)/.test(data.toString()));
        });
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > until) throw new Error(`redis-server did not start on port ${port}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function waitForTcp(port: number, timeoutMs = 5000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => (socket.destroy(), resolve(true)));
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > until) throw new Error(`redis-server did not start on port ${port}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** `extra`: more redis-server arguments (`--requirepass`, `--replicaof` …); `tls`: a TLS port only. */
export async function startRedisServer(extra: string[] = [], fixedPort?: number, tls = false): Promise<RedisServer> {
  const port = fixedPort ?? (await freePort());
  let child: ChildProcess | undefined;
  // Its own working folder: a replica's full sync writes an RDB file there even with `--save ''`,
  // and it must never land in the checkout.
  let dir = '';
  const ports = tls ? ['--port', '0', '--tls-port', String(port)] : ['--port', String(port)];
  const start = async (): Promise<void> => {
    dir = mkdtempSync(join(tmpdir(), 'mca-redis-'));
    child = spawn('redis-server', [...ports, '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, ...extra], {
      stdio: 'ignore',
    });
    await (tls ? waitForTcp(port) : waitForPort(port));
  };
  const stop = async (): Promise<void> => {
    const running = child;
    child = undefined;
    if (running && running.exitCode === null) {
      await new Promise<void>((resolve) => {
        running.once('exit', () => resolve());
        running.kill('SIGKILL');
      });
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  };
  await start();
  return { port, url: `redis://127.0.0.1:${port}`, stop, restart: start };
}
