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

// Every redis-server a test file started and has not stopped yet, killed when the file ends. A test
// that hangs (a mutant under StrykerJS, a bug) fails on its timeout without reaching its `finally`,
// and StrykerJS runs file after file in one process: without this, each hung test left its servers
// running for the rest of the run.
const running = new Set<ChildProcess>();
afterAll(async () => {
  await Promise.all([...running].map(killed));
});

/** Kills `child` and waits for it to exit. */
function killed(child: ChildProcess): Promise<void> {
  running.delete(child);
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

/** Starts a redis-server that the end of the test file kills if the test did not stop it. */
export function spawnRedisServer(args: string[]): ChildProcess {
  const child = spawn('redis-server', args, { stdio: 'ignore' });
  running.add(child);
  child.once('exit', () => running.delete(child));
  return child;
}

/** Stops a server from {@link spawnRedisServer}. */
export const stopRedisProcess = killed;

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
    child = spawnRedisServer([...ports, '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, ...extra]);
    await (tls ? waitForTcp(port) : waitForPort(port));
  };
  const stop = async (): Promise<void> => {
    const stopping = child;
    child = undefined;
    if (stopping) await killed(stopping);
    if (dir) rmSync(dir, { recursive: true, force: true });
  };
  await start();
  return { port, url: `redis://127.0.0.1:${port}`, stop, restart: start };
}
