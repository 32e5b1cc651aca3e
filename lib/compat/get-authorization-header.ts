import QuickLRU from 'quick-lru';
import { PROVIDER_OPTION_KEYS } from '../settings/known-options';
import { resolveProviderConfig, type ProviderConfig } from '../settings/resolve-config';
import { DefaultTokenProvider, type TokenProvider } from '../token/token-provider';
import { redisStoreFor } from '../create-token-provider';
import { MemoryTokenStore, type TokenStore } from '../token/token-store';
import type { GetAuthorizationHeaderOptions } from '../settings/options';
import { lenientOptions } from './lenient-options';
import { closeCertificateProviders } from './by-certificate';

const DEFAULT_CACHE_SIZE = 100;
const OPTION_KEYS = [...PROVIDER_OPTION_KEYS];

// The seed's call pattern passes the options on every call. Resolving them (env, .env, VCAP,
// hashing) each time would cost far more than the cached token itself, so one provider is kept per
// distinct option values, in an LRU bounded by `cacheSize`; all of them share one token store.
const store = new MemoryTokenStore({ maxSize: DEFAULT_CACHE_SIZE });
const providers = new QuickLRU<string, TokenProvider>({
  maxSize: DEFAULT_CACHE_SIZE,
  onEviction: (_key, provider) => retire(provider),
});

// Evicted providers that still have a fetch in flight. Eviction must never fail a caller: the
// callers of that fetch get its result, and the provider is closed after it. No new caller reaches
// a retired provider (the fast path checks `retired`), so the set drains by itself.
const retiring = new Set<TokenProvider>();
const retired = new WeakSet<TokenProvider>();

function retire(provider: TokenProvider): void {
  retired.add(provider);
  if (provider.stats().inflight === 0) {
    void provider.close();
    return;
  }
  retiring.add(provider);
  // A foreground fetch under way is what this call returns; during a background refresh it is the
  // cached token at once (nobody waits on that refresh, and close() may end it).
  void provider
    .getAuthorizationHeader()
    .catch(() => undefined)
    .then(() => {
      retiring.delete(provider);
      return provider.close();
    });
}

// One Redis store per Redis configuration from the environment, shared like the memory store. Few
// exist in one process; the map is still bounded. Its key lives only in this process's memory.
const redisStores = new QuickLRU<string, TokenStore>({ maxSize: 8, onEviction: (_key, evicted) => void evicted.close?.() });

function sharedStore(config: ProviderConfig): TokenStore {
  if (config.redis === undefined) return store;
  const key = JSON.stringify(config.redis);
  let shared = redisStores.get(key);
  if (shared === undefined) {
    shared = redisStoreFor(config.redis, config.cacheSize);
    redisStores.set(key, shared);
  }
  return shared;
}

// Fast path: the same options object as last time, with the same values (a caller may mutate it).
interface Remembered {
  provider: TokenProvider;
  values: unknown[];
}
const byObject = new WeakMap<object, Remembered>();
// `getAuthorizationHeader()` with no options (all from env) takes the fast path too.
const NO_OPTIONS = Object.freeze({});

// Second fast path: the seed's documented style builds a fresh options literal on every call, so
// the object is new each time. A literal of plain values (strings, numbers, booleans) is looked up
// in a trie keyed by its own property names and values, in order; the leaf holds the provider the
// slow path chose for the same literal. The caller's strings are the same string objects on every
// call (their hashes are cached), so the walk builds no string and hashes nothing new, and Map's
// SameValueZero keeps "100" and 100 apart. Literals that hold objects (env, store, now) take the
// slow path, which counts objects by identity. Bounded: past MAX_LITERALS leaves the trie starts
// afresh; a leaf whose provider was evicted is skipped and replaced. Like the value key below, it
// holds the secret as the options do, only in this process's memory.
interface LiteralNode {
  readonly next: Map<unknown, LiteralNode>;
  provider?: TokenProvider;
}
const MAX_LITERALS = 4 * DEFAULT_CACHE_SIZE;
let literals: LiteralNode = { next: new Map() };
let literalCount = 0;

const isPlain = (value: unknown): boolean => value === null || (typeof value !== 'object' && typeof value !== 'function');

/** The leaf of `options` (created when `create`), or undefined when it holds objects or is not there. */
function literalLeaf(options: object, create: boolean): LiteralNode | undefined {
  let node = literals;
  for (const name of Object.keys(options)) {
    const value: unknown = (options as Record<string, unknown>)[name];
    if (!isPlain(value)) return undefined;
    // Two levels per property, the name then the value, so that no two literals share a path.
    const named = step(node, name, create);
    const valued = named && step(named, value, create);
    if (valued === undefined) return undefined;
    node = valued;
  }
  return node;
}

function step(node: LiteralNode, key: unknown, create: boolean): LiteralNode | undefined {
  let child = node.next.get(key);
  if (child === undefined && create) {
    child = { next: new Map() };
    node.next.set(key, child);
  }
  return child;
}

function rememberLiteral(options: object, provider: TokenProvider): void {
  if (literalCount >= MAX_LITERALS) {
    literals = { next: new Map() };
    literalCount = 0;
  }
  // Checked first, so that a literal holding an object leaves no dangling path behind.
  if (!Object.values(options).every(isPlain)) return;
  const leaf = literalLeaf(options, true);
  if (leaf === undefined) return;
  if (leaf.provider === undefined) literalCount++;
  leaf.provider = provider;
}

// Object-valued options (env, store, now) count by identity in the value key.
const objectIds = new WeakMap<object, number>();
let nextObjectId = 0;

function valueKey(values: unknown[]): string {
  // The key holds the secret as the options object does; it lives only in this process's memory
  // and is never logged or stored. The token store's key hashes the secret.
  return JSON.stringify(
    values.map((value) => {
      if (typeof value === 'object' && value !== null) return idOf(value);
      if (typeof value === 'function') return idOf(value);
      return value === undefined ? null : value;
    }),
  );
}

function idOf(value: object): string {
  let id = objectIds.get(value);
  if (id === undefined) {
    id = nextObjectId++;
    objectIds.set(value, id);
  }
  return `#${id}`;
}

function sameValues(options: Record<string, unknown>, values: unknown[]): boolean {
  for (let i = 0; i < OPTION_KEYS.length; i++) {
    if (options[OPTION_KEYS[i]!] !== values[i]) return false;
  }
  return true;
}

// `options` is the checked copy (own properties only); `target` the caller's object, the fast path's key.
function providerFor(options: Record<string, unknown>, target: object): TokenProvider {
  const values = OPTION_KEYS.map((key) => options[key]);
  const key = valueKey(values);
  let provider = providers.get(key);
  if (provider === undefined || provider.closed) {
    const config = resolveProviderConfig(options);
    if (providers.maxSize !== config.cacheSize) {
      providers.resize(config.cacheSize);
      store.resize(config.cacheSize);
    }
    provider = new DefaultTokenProvider(config, { store: config.store ?? sharedStore(config), ownsStore: false });
    providers.set(key, provider);
  }
  byObject.set(target, { provider, values });
  return provider;
}

/**
 * The seed SDK's call, as a drop-in: resolves to `"Bearer <access_token>"` for the configuration
 * in `options` (merged with env, `.env` and VCAP_SERVICES as `mcaOAuth()` does). Unlike the seed, the
 * token is cached per configuration, refreshed before it expires, and fetched once however many
 * callers ask at once. It never throws synchronously: bad options reject the promise with
 * {@link McaConfigError}. Like the seed, it accepts keys it does not know (one process warning per
 * key); `mcaOAuth()` and `createTokenProvider()` reject them.
 *
 * @example
 * ```js
 * const { getAuthorizationHeader } = require('express-mca-oauth'); // was require('bms-mca-oauth-sdk')
 * const header = await getAuthorizationHeader({ cacheSize: 100, appId, clientId, secret, serverUrl });
 * await axios.get('https://orders.example.com/api/orders', { headers: { Authorization: header } });
 * ```
 */
export function getAuthorizationHeader(options?: GetAuthorizationHeaderOptions): Promise<string> {
  const target: object = options ?? NO_OPTIONS;
  try {
    // A literal of plain values, fresh or reused: its current values lead to the provider, so a
    // mutated object finds the provider of its new values.
    const fromLiteral = typeof target === 'object' ? literalLeaf(target, false)?.provider : undefined;
    if (fromLiteral !== undefined && !fromLiteral.closed && !retired.has(fromLiteral)) return fromLiteral.getAuthorizationHeader();
    // An object that holds objects (env, store, now): the same object as last time, with the same values.
    const remembered = byObject.get(target);
    if (
      remembered !== undefined &&
      !remembered.provider.closed &&
      !retired.has(remembered.provider) &&
      sameValues(target as Record<string, unknown>, remembered.values)
    ) {
      return remembered.provider.getAuthorizationHeader();
    }
    const checked = lenientOptions(target, PROVIDER_OPTION_KEYS, 'getAuthorizationHeader');
    const provider = providerFor(checked, target);
    if (typeof target === 'object') rememberLiteral(target, provider);
    return provider.getAuthorizationHeader();
  } catch (error) {
    // Never a synchronous throw (an options getter that throws included): the seed's callers chain `.catch()`.
    return Promise.reject(error);
  }
}

/** The seed's 3.x name for {@link getAuthorizationHeader}: the same function. */
export const getAuthorizationHeaderBySecret = getAuthorizationHeader;

/** Closes every provider the module-level calls created (tests, graceful shutdown). */
export async function closeAuthorizationHeaderCache(): Promise<void> {
  const all = [...providers.values(), ...retiring];
  retiring.clear();
  providers.clear();
  literals = { next: new Map() };
  literalCount = 0;
  store.close();
  await Promise.all([...all.map((provider) => provider.close()), closeCertificateProviders()]);
  const redis = [...redisStores.values()];
  redisStores.clear();
  await Promise.all(redis.map(async (shared) => shared.close?.()));
}
