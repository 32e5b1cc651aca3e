import type { EnvSource } from './env-source';
import { invalid } from './option-checks';
import { isRecord, parseVcapServices } from './vcap';
import { McaConfigError } from '../errors/mca-config-error';
import { readRedisTuning, type RedisTuning } from './redis-tuning';
import { storeVariable } from './settings-table';

/** One Redis node as ioredis takes it, parsed and checked here so a bad URL fails at startup. */
export interface RedisEndpoint {
  host: string;
  port: number;
  username?: string;
  password?: string;
  db?: number;
  tls: boolean;
}

/** Where a shared token store connects: one node, a Cluster, or a master found through Sentinel. */
export type RedisTarget =
  { kind: 'single'; node: RedisEndpoint } | { kind: 'cluster'; nodes: RedisEndpoint[] } | { kind: 'sentinel'; sentinels: RedisEndpoint[]; masterName: string };

/** The Redis store the environment asks for, and the fleet key that protects it. */
export interface RedisSettings {
  target: RedisTarget;
  /** `MCA_REDIS_FLEET_KEY`, when set (the store checks its strength). */
  fleetKey: string | undefined;
  /** MCA_REDIS_TIMEOUT_MS, MCA_REDIS_CONNECT_TIMEOUT_MS, MCA_REDIS_LOCK_WAIT_MS, MCA_REDIS_BACKOFF_MS, when set. */
  tuning: RedisTuning;
}

// The variables, from the settings table.
const REDIS_URL = storeVariable('url');
const CLUSTER_NODES = storeVariable('clusterNodes');
const SENTINELS = storeVariable('sentinels');
const SENTINEL_MASTER = storeVariable('sentinelMaster');
const SERVICE_NAME = storeVariable('redisServiceName');
const FLEET_KEY = storeVariable('fleetKey');

const SCHEME = /^rediss?:\/\//;

/**
 * Parses `redis://[user[:password]@]host[:port][/db]` (`rediss://` for TLS). The value is never
 * echoed: it may hold a password. A raw `%` in the password, a port out of range or a missing host
 * are config errors here, not a confusing failure inside the client later.
 */
export function parseRedisUrl(field: string, value: string): RedisEndpoint {
  const fix = 'Give redis://[user:password@]host:port[/db] (rediss:// for TLS), with the password percent-encoded (`encodeURIComponent`).';
  if (!SCHEME.test(value)) throw invalid(field, `it must start with redis:// or rediss://. ${fix}`);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalid(field, `it is not a valid URL (a port out of range, or a raw "@", "#" or "%" in the password?). ${fix}`);
  }
  if (url.hostname === '') throw invalid(field, `it has no host (a raw "#" or "/" in the password?). ${fix}`);
  if (url.search !== '' || url.hash !== '') throw invalid(field, `it has a query or fragment (a raw "?" or "#" in the password?). ${fix}`);
  let username: string | undefined;
  let password: string | undefined;
  try {
    username = url.username === '' ? undefined : decodeURIComponent(url.username);
    password = url.password === '' ? undefined : decodeURIComponent(url.password);
  } catch {
    throw invalid(field, `its user or password has a raw "%". ${fix}`);
  }
  const path = url.pathname.replace(/^\//, '');
  if (path !== '' && !/^\d{1,2}$/.test(path)) throw invalid(field, `its path must be a database number (/0 … /15). ${fix}`);
  return {
    host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: url.port === '' ? 6379 : Number(url.port),
    username,
    password,
    db: path === '' ? undefined : Number(path),
    tls: url.protocol === 'rediss:',
  };
}

/** A comma-separated list of Redis URLs (`host:port` alone means `redis://host:port`). */
function parseNodeList(field: string, value: string): RedisEndpoint[] {
  const entries = value
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  if (entries.length === 0) throw invalid(field, 'it lists no node. Give comma-separated redis://host:port URLs.');
  return entries.map((entry) => parseRedisUrl(field, SCHEME.test(entry) ? entry : `redis://${entry}`));
}

/** A bound Redis service's URL: `uri`/`url` credentials, or host/port/password ones. */
function endpointOfInstance(name: string, instance: Record<string, unknown>): RedisEndpoint {
  const where = `VCAP_SERVICES service "${name}"`;
  const c = isRecord(instance.credentials) ? instance.credentials : {};
  for (const field of ['uri', 'url']) {
    const value = c[field];
    if (typeof value === 'string' && SCHEME.test(value)) return parseRedisUrl(`${where} credentials.${field}`, value);
  }
  const host = c.host ?? c.hostname;
  if (typeof host === 'string' && (typeof c.port === 'number' || typeof c.port === 'string')) {
    const port = Number(c.port);
    if (!Number.isInteger(port) || port < 1 || port > 65_535) throw invalid(`${where} credentials.port`, 'it must be a port number. Fix the binding.');
    return { host, port, password: typeof c.password === 'string' && c.password !== '' ? c.password : undefined, tls: c.tls === true };
  }
  throw new McaConfigError(
    'ERR_MCA_REDIS_BINDING',
    `${SERVICE_NAME} names ${where}, but its credentials hold neither a redis:// \`uri\` nor \`host\` and \`port\`. Fix the binding, or set ${REDIS_URL}.`,
    { field: SERVICE_NAME },
  );
}

function boundService(env: EnvSource, name: string): RedisEndpoint {
  const services = parseVcapServices(env);
  for (const instances of Object.values(services ?? {})) {
    if (!Array.isArray(instances)) continue;
    for (const instance of instances) {
      if (isRecord(instance) && instance.name === name) return endpointOfInstance(name, instance);
    }
  }
  throw new McaConfigError(
    'ERR_MCA_REDIS_BINDING',
    `${SERVICE_NAME} is "${name.slice(0, 64)}", but VCAP_SERVICES binds no service of that name. Bind it (cf bind-service), or fix the name.`,
    { field: SERVICE_NAME },
  );
}

/**
 * The Redis store the environment asks for, if any. Only an explicit request counts:
 * `MCA_REDIS_URL`, `MCA_REDIS_CLUSTER_NODES`, `MCA_REDIS_SENTINELS` (+ `MCA_REDIS_SENTINEL_MASTER`),
 * or `MCA_REDIS_SERVICE_NAME` naming a bound service. A Redis bound for something else (sessions)
 * is never used on its own: tokens must not land in a store nobody chose for them. The variables
 * are the resolved settings' (resolve-settings.ts); `env` is for the bound service's lookup.
 */
export function findRedisSettings(settings: { env: EnvSource; variables: Readonly<Record<string, { value: string }>> }): RedisSettings | undefined {
  const { env, variables } = settings;
  const read = (name: string): string | undefined => variables[name]?.value;
  const asked = [REDIS_URL, CLUSTER_NODES, SENTINELS, SERVICE_NAME].filter((name) => read(name) !== undefined);
  if (asked.length === 0) return undefined;
  if (asked.length > 1) {
    throw new McaConfigError('ERR_MCA_CONFLICTING_OPTIONS', `${asked.join(' and ')} are all set; each names a Redis store. Keep one.`, {
      field: asked[0]!,
    });
  }
  const fleetKey = read(FLEET_KEY);
  const tuning = readRedisTuning(read);
  const [which] = asked as [string];
  const value = read(which)!;
  if (which === REDIS_URL) return { target: { kind: 'single', node: parseRedisUrl(which, value) }, fleetKey, tuning };
  if (which === CLUSTER_NODES) return { target: { kind: 'cluster', nodes: parseNodeList(which, value) }, fleetKey, tuning };
  if (which === SENTINELS) {
    const masterName = read(SENTINEL_MASTER);
    if (masterName === undefined) throw invalid(SENTINEL_MASTER, `it is needed with ${SENTINELS}: the master name the sentinels monitor (e.g. mymaster).`);
    return { target: { kind: 'sentinel', sentinels: parseNodeList(which, value), masterName }, fleetKey, tuning };
  }
  return { target: { kind: 'single', node: boundService(env, value) }, fleetKey, tuning };
}
