import { compileBackendEntry, type EntryMatcher } from '../outbound/backend-matcher';
import type { ResolvedBackend } from '../settings/resolve-backends';
import type { ProviderConfig } from '../settings/resolve-config';
import { DefaultTokenProvider, type TokenProvider } from '../token/token-provider';
import { OnBehalfOfProvider } from '../token/on-behalf-of/on-behalf-of-provider';
import { checkExchangeClient, type OnBehalfOfMode } from '../settings/resolve-on-behalf-of';
import { createDpopBinding, withDpop } from '../token/dpop/dpop-binding';
import type { DpopKey } from '../token/dpop/dpop-key';
import { BackendRoutes } from '../outbound/backend-routes';
import { TokenTarget } from '../outbound/token-target';
import { chooseStore } from '../create-token-provider';

/** The tokens of one middleware: its own, each back end's, and the routes between URLs and them. */
export interface BackendTokens {
  defaultTarget: TokenTarget;
  routes: BackendRoutes;
  /** `default`, each entry's name, and `protectedBackends[i]` for an unnamed entry with a token of its own. */
  byName: ReadonlyMap<string, TokenTarget>;
  close(): Promise<void>;
}

/**
 * An entry object's errors name its `match`, whatever else the object holds (one with only `match`,
 * `dpop` or `onBehalfOf` was once named as the list); a plain string or RegExp is the list's own item.
 */
function compileMatch(backend: ResolvedBackend, allowInsecureHttp: boolean): EntryMatcher {
  const scope = backend.isObject ? { prefix: `protectedBackends[${backend.index}].`, note: '' } : undefined;
  return compileBackendEntry(backend.match, backend.index, allowInsecureHttp, scope);
}

/** The middleware's `onBehalfOf`, and how many users each such entry keeps. */
export interface OnBehalfOfSetting {
  mode: OnBehalfOfMode;
  cacheSize: number;
}

/**
 * Builds one provider per distinct token (the cache key covers endpoint, client, hashed secret,
 * scope, audience, resource and client authentication), all on one store, so that each token has
 * its own cache entry, single flight and refresh, and a shared store (Redis) shares each across
 * the fleet. Entries that resolve to the same token share its provider. The matchers are compiled
 * first: a bad entry throws before any provider (or Redis connection) exists.
 */
export function buildBackendTokens(
  config: ProviderConfig,
  backends: readonly ResolvedBackend[] | undefined,
  replacementMinIntervalMs: number,
  onBehalfOf: OnBehalfOfSetting,
  /** The middleware's `dpop`; each entry may say otherwise. */
  dpop = false,
  /** The configured DPoP key; without one, a key is made here when some token is bound. */
  dpopKey?: DpopKey,
): BackendTokens {
  const { allowInsecureHttp } = config;
  const matchers = backends?.map((backend) => compileMatch(backend, allowInsecureHttp));
  // An entry on behalf of the user gets a token of its own even with the middleware's settings:
  // the same client, another grant. Checked before any provider exists.
  const mainMode = onBehalfOf.mode;
  // Only an exchange needs an OAuth client: a token of the app's own (mode false) asks nothing.
  if (mainMode !== false) checkExchangeClient(mainMode, config, 'onBehalfOf');
  for (const backend of backends ?? []) {
    if (backend.onBehalfOf !== undefined && backend.onBehalfOf !== false) {
      checkExchangeClient(backend.onBehalfOf, backend.config ?? config, `protectedBackends[${backend.index}].onBehalfOf`);
    } else if (backend.onBehalfOf === undefined && backend.config !== undefined && mainMode !== false) {
      checkExchangeClient(mainMode, backend.config, `protectedBackends[${backend.index}]`);
    }
  }
  // One store for every token, chosen at the edge as for a single provider (the user's, Redis from
  // MCA_REDIS_*, or an in-process LRU); closed here, after the providers, when it was made here.
  const { store, ownsStore } = chooseStore(config);
  const byKey = new Map<string, TokenTarget>();
  // One key per middleware, made only when some token is bound to it.
  const binding = dpop || backends?.some((backend) => backend.dpop === true) ? createDpopBinding(dpopKey) : undefined;
  const targetFor = (unbound: ProviderConfig, name: string, mode: OnBehalfOfMode, bound: boolean): TokenTarget => {
    const resolved = bound && binding !== undefined ? withDpop(unbound, binding) : unbound;
    const key = mode === false ? resolved.cacheKey : `${resolved.cacheKey}:on-behalf-of:${mode}`;
    let target = byKey.get(key);
    if (target === undefined) {
      const backend = name === 'default' ? undefined : name;
      // A user's exchanged token never goes to the shared store: see OnBehalfOfProvider.
      const provider: TokenProvider =
        mode === false
          ? new DefaultTokenProvider(resolved, { store, ownsStore: false, backend })
          : new OnBehalfOfProvider(resolved, { grant: mode, cacheSize: onBehalfOf.cacheSize, backend });
      target = new TokenTarget(name, provider, replacementMinIntervalMs, resolved.now, resolved.dpop);
      byKey.set(key, target);
    }
    return target;
  };
  const defaultTarget = targetFor(config, 'default', mainMode, dpop);
  const byName = new Map<string, TokenTarget>([['default', defaultTarget]]);
  const indexOf = new Map(backends?.flatMap((backend) => (backend.name === undefined ? [] : [[backend.name, backend.index] as const])));
  const routes = backends?.map((backend, i) => {
    const label = backend.name ?? `protectedBackends[${backend.index}]`;
    const mode = backend.onBehalfOf ?? mainMode;
    const bound = backend.dpop ?? dpop;
    const target =
      backend.config === undefined && mode === mainMode && bound === dpop ? defaultTarget : targetFor(backend.config ?? config, label, mode, bound);
    if (backend.name !== undefined) byName.set(backend.name, target);
    else if (target !== defaultTarget && target.name === label) byName.set(label, target);
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
