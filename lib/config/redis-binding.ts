import type { EnvSource } from './env-source';
import { invalid } from './option-checks';
import { isRecord, parseVcapServices } from './vcap';

const REDIS_URL = /^rediss?:\/\//;

/** A bound Redis service's URL: `uri`/`url` credentials, or host/port/password ones. */
function urlOfInstance(label: string, instance: unknown): string | undefined {
  if (!isRecord(instance) || !isRecord(instance.credentials)) return undefined;
  const c = instance.credentials;
  for (const field of ['uri', 'url']) {
    const value = c[field];
    if (typeof value === 'string' && REDIS_URL.test(value)) return value;
  }
  const isRedis = label.toLowerCase().startsWith('redis') || (typeof instance.label === 'string' && instance.label.toLowerCase().startsWith('redis'));
  const host = c.host ?? c.hostname;
  if (isRedis && typeof host === 'string' && (typeof c.port === 'number' || typeof c.port === 'string')) {
    const password = typeof c.password === 'string' ? `:${encodeURIComponent(c.password)}@` : '';
    return `redis://${password}${host}:${c.port}`;
  }
  return undefined;
}

/**
 * Where a shared token store should connect, if anywhere: `MCA_REDIS_URL` (environment, then
 * `.env`), else the first Redis service bound in VCAP_SERVICES. Nothing connects unless this
 * finds a URL.
 */
export function findRedisUrl(env: EnvSource): string | undefined {
  const configured = env.get('MCA_REDIS_URL')?.value;
  if (configured !== undefined) {
    if (!REDIS_URL.test(configured)) throw invalid('MCA_REDIS_URL', 'it must start with redis:// or rediss://.');
    return configured;
  }
  const services = parseVcapServices(env);
  if (services === undefined) return undefined;
  for (const [label, instances] of Object.entries(services)) {
    if (!Array.isArray(instances)) continue;
    for (const instance of instances) {
      const url = urlOfInstance(label, instance);
      if (url !== undefined) return url;
    }
  }
  return undefined;
}
