// Composition at the edge: which store a provider gets when the user passed none. The core never
// chooses Redis; the Redis code loads only when the environment asks for it.
import { PROVIDER_OPTION_KEYS, checkOptionKeys } from './settings/known-options';
import { resolveProviderConfig, type ProviderConfig } from './settings/resolve-config';
import type { RedisSettings } from './settings/redis-binding';
import { DefaultTokenProvider, type ProviderWiring, type TokenProvider } from './token/token-provider';
import { MemoryTokenStore, type TokenStore } from './token/token-store';
import type { TokenProviderOptions } from './settings/options';

/** A Redis store for what MCA_REDIS_* asked for; the fleet key comes from the same environment. */
export function redisStoreFor(settings: RedisSettings, l1Size: number): TokenStore & { check(): Promise<void>; readonly fingerprints: readonly string[] } {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { redisTokenStore } = require('./redis/redis-token-store') as typeof import('./redis/redis-token-store');
  return redisTokenStore({ ...settings.tuning, target: settings.target, fleetKey: settings.fleetKey, l1Size });
}

/** The user's `store`; else Redis when MCA_REDIS_* asks for it; else an in-process LRU. */
export function chooseStore(config: ProviderConfig): ProviderWiring {
  if (config.store !== undefined) return { store: config.store, ownsStore: false };
  if (config.redis !== undefined) return { store: redisStoreFor(config.redis, config.cacheSize), ownsStore: true };
  return { store: new MemoryTokenStore({ maxSize: config.cacheSize }), ownsStore: true };
}

/**
 * Creates the framework-free provider. All configuration is resolved and validated here, once;
 * a bad configuration throws {@link McaConfigError}.
 *
 * @example
 * ```ts
 * import { createTokenProvider } from 'express-mca-oauth';
 *
 * // Jobs and queues outside Express: the same resolution (options, env, .env, VCAP_SERVICES).
 * const provider = createTokenProvider({ tokenUrl: 'https://idp.example.com/oauth/token', scope: 'orders:read' });
 * const header = await provider.getAuthorizationHeader(); // "Bearer …", cached and refreshed
 * await provider.close(); // on shutdown
 * ```
 */
export function createTokenProvider(options?: TokenProviderOptions): TokenProvider {
  const checked = checkOptionKeys(options, PROVIDER_OPTION_KEYS, 'createTokenProvider');
  const config = resolveProviderConfig(checked);
  return new DefaultTokenProvider(config, chooseStore(config));
}
