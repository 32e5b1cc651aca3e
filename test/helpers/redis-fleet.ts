import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { TokenServer } from './token-server';

/** One fleet key for a test run: 32 random bytes, base64, as an operator would generate it. */
export const FLEET_KEY = randomBytes(32).toString('base64');

export const SECRET = 's3cr3t-value';

export const credentials = (server: TokenServer) => ({
  clientId: 'client-1',
  secret: SECRET,
  tenantId: 'tenant-1',
  serverUrl: server.serverUrl,
  env: {},
  envFile: false as const,
});

export interface FleetChild {
  child: ChildProcess;
  /** Its stdout once it exits 0: `{header, source}` as JSON. */
  done: Promise<string>;
  /** Resolves when it starts asking for its token. */
  asking: Promise<void>;
  /** With `barrier`: resolves once it is loaded and connected, waiting for {@link startHerd}. */
  ready: Promise<void>;
}

/** How a child builds its store (see test/redis/fleet-child.js). */
export interface FleetChildSettings {
  store: Record<string, unknown>;
  credentials: Record<string, unknown>;
  barrier?: boolean;
  /** Built at "go" with the store's defaults, not connected before the first call. */
  cold?: boolean;
  build?: 'options' | 'env' | 'user-single' | 'user-cluster' | 'user-sentinel';
  /** MCA_REDIS_* variables, with `build: 'env'` (the fleet key is added). */
  env?: Record<string, string>;
}

/** What a child prints once it has its token. */
export interface FleetChildOutput {
  header: string;
  source: string;
  ms: number;
  stats: { fetches: number; [name: string]: unknown };
  storeErrors?: string[];
}

/** Forks test/redis/fleet-child.js (the built package) with these settings. */
export function runFleetChild(settings: FleetChildSettings): FleetChild {
  const env = settings.env === undefined ? undefined : { MCA_REDIS_FLEET_KEY: FLEET_KEY, ...settings.env };
  const child = fork(
    join(__dirname, '..', 'redis', 'fleet-child.js'),
    [JSON.stringify({ ...settings, env, store: { fleetKey: FLEET_KEY, ...settings.store } })],
    {
      stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
    },
  );
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  const done = new Promise<string>((resolve, reject) => {
    child.once('exit', (code, signal) => (code === 0 ? resolve(out.trim()) : reject(new Error(`child exited ${code ?? signal}: ${out}`))));
  });
  const asking = new Promise<void>((resolve) => child.on('message', (m: { type?: string }) => m.type === 'asking' && resolve()));
  const ready = new Promise<void>((resolve) => child.on('message', (m: { type?: string }) => m.type === 'ready' && resolve()));
  done.catch(() => undefined);
  return { child, done, asking, ready };
}

/**
 * A barrier, not a clock: forks `count` children that load the package and connect to the store,
 * and only when all of them are ready tells them to ask at once (a cold herd).
 */
export async function startHerd(count: number, settings: Omit<FleetChildSettings, 'barrier'>): Promise<FleetChild[]> {
  const children = Array.from({ length: count }, () => runFleetChild({ ...settings, barrier: true }));
  await Promise.all(children.map((c) => c.ready));
  for (const c of children) c.child.send({ type: 'go' });
  return children;
}
