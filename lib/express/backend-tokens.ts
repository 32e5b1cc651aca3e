import { compileBackendEntry, type EntryMatcher } from '../client/protected-backends';
import type { ResolvedBackend } from '../config/resolve-backends';
import type { ProviderConfig } from '../config/resolve-config';
import { DefaultTokenProvider } from '../core/token-provider';
import { McaConfigError } from '../errors/mca-config-error';
import { isMcaOAuthError } from '../errors/mca-oauth-error';
import { BackendRoutes } from '../outbound/backend-routes';
import { TokenTarget } from '../outbound/token-target';
import { chooseStore } from '../store-choice';

/** The tokens of one middleware: its own, each back end's, and the routes between URLs and them. */
export interface BackendTokens {
  defaultTarget: TokenTarget;
  routes: BackendRoutes;
  /** `default`, each entry's name, and `protectedBackends[i]` for an unnamed entry with a token of its own. */
  byName: ReadonlyMap<string, TokenTarget>;
  close(): Promise<void>;
}

function compileMatch(backend: ResolvedBackend, isObject: boolean, allowInsecureHttp: boolean): EntryMatcher {
  try {
    return compileBackendEntry(backend.match, backend.index, allowInsecureHttp);
  } catch (error) {
    if (!isObject || !isMcaOAuthError(error)) throw error;
    const field = `protectedBackends[${backend.index}].match`;
    throw new McaConfigError(error.code, error.message.replace('`protectedBackends`', `\`${field}\``), { field });
  }
}

/**
 * Builds one provider per distinct token (the cache key covers endpoint, client, hashed secret,
 * scope, audience, resource and client authentication), all on one store, so that each token has
 * its own cache entry, single flight and refresh, and a shared store (Redis) shares each across
 * the fleet. Entries that resolve to the same token share its provider. The matchers are compiled
 * first: a bad entry throws before any provider (or Redis connection) exists.
 */
export function buildBackendTokens(config: ProviderConfig, backends: readonly ResolvedBackend[] | undefined, replacementMinIntervalMs: number): BackendTokens {
  const { allowInsecureHttp } = config;
  const matchers = backends?.map((backend) => compileMatch(backend, backend.name !== undefined || backend.config !== undefined, allowInsecureHttp));
  // One store for every token, chosen at the edge as for a single provider (the user's, Redis from
  // MCA_REDIS_*, or an in-process LRU); closed here, after the providers, when it was made here.
  const { store, ownsStore } = chooseStore(config);
  const byKey = new Map<string, TokenTarget>();
  const targetFor = (resolved: ProviderConfig, name: string): TokenTarget => {
    let target = byKey.get(resolved.cacheKey);
    if (target === undefined) {
      const backend = name === 'default' ? undefined : name;
      target = new TokenTarget(name, new DefaultTokenProvider(resolved, { store, ownsStore: false, backend }), replacementMinIntervalMs, resolved.now);
      byKey.set(resolved.cacheKey, target);
    }
    return target;
  };
  const defaultTarget = targetFor(config, 'default');
  const byName = new Map<string, TokenTarget>([['default', defaultTarget]]);
  const indexOf = new Map(backends?.flatMap((backend) => (backend.name === undefined ? [] : [[backend.name, backend.index] as const])));
  const routes = backends?.map((backend, i) => {
    const label = backend.name ?? `protectedBackends[${backend.index}]`;
    const target = backend.config === undefined ? defaultTarget : targetFor(backend.config, label);
    if (backend.name !== undefined) byName.set(backend.name, target);
    else if (backend.config !== undefined && target.name === label) byName.set(label, target);
    // resolveBackends has checked that each name is another entry's.
    const acceptsFrom = new Set(backend.acceptRedirectsFrom.map((name) => indexOf.get(name)!));
    return { matcher: matchers![i]!, target, index: backend.index, acceptsFrom, label };
  });
  return {
    defaultTarget,
    routes: new BackendRoutes(routes, defaultTarget, allowInsecureHttp),
    byName,
    close: async () => {
      await Promise.all([...byKey.values()].map((target) => target.provider.close()));
      if (ownsStore) await store.close?.();
    },
  };
}
