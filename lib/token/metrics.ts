import type { ProviderStats, TokenProvider } from './token-provider-api';
import { STORE_IDENTITY } from './token-store';

// OpenTelemetry metrics, only when @opentelemetry/api is installed (an optional peer dependency).
// The counters are observable: they read providers' stats() when the SDK collects, so the cache-hit
// path does no metrics work at all. Only the latency histogram is recorded, once per token request.

type Counts = Pick<ProviderStats, 'hits' | 'misses' | 'fetches' | 'fromStore' | 'failures'>;
const NAMES = ['hits', 'misses', 'fetches', 'fromStore', 'failures'] as const;
/** `fetches` are token requests to the endpoint; tokens taken from a shared store are `store_pickups`. */
const METRIC: Record<(typeof NAMES)[number], string> = {
  hits: 'mca_oauth.hits',
  misses: 'mca_oauth.misses',
  fetches: 'mca_oauth.fetches',
  fromStore: 'mca_oauth.store_pickups',
  failures: 'mca_oauth.failures',
};
const ZERO: Counts = { hits: 0, misses: 0, fetches: 0, fromStore: 0, failures: 0 };

interface Histogram {
  record(value: number, attributes?: Record<string, string | boolean>): void;
}
interface Instruments {
  watched: Map<WeakRef<TokenProvider>, Counts>;
  /** Counts of providers that are gone, so that the totals never go down (they are counters). */
  retired: Counts;
  latency: Histogram;
}

let instruments: Instruments | null | undefined;

function setup(): Instruments | null {
  let api: typeof import('@opentelemetry/api');
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    api = require('@opentelemetry/api') as typeof import('@opentelemetry/api');
  } catch {
    return null;
  }
  const meter = api.metrics.getMeter('express-mca-oauth');
  const watched = new Map<WeakRef<TokenProvider>, Counts>();
  const retired: Counts = { ...ZERO };
  const counters = NAMES.map((name) => meter.createObservableCounter(METRIC[name], { description: `Token provider ${name} (see provider.stats())` }));
  // A shared store's health, once per live store (providers of a registry share one): gauges, as a
  // closed store's counts leave with it.
  const storeErrors = meter.createObservableGauge('mca_oauth.store.errors', { description: 'Shared store failures and refusals by code (see stats().store)' });
  const storeDown = meter.createObservableGauge('mca_oauth.store.unavailable', {
    description: 'Time a shared store spent skipping its backend after failures',
    unit: 'ms',
  });
  meter.addBatchObservableCallback(
    (result) => {
      const totals = { ...retired };
      const stores = new Map<string, number>();
      let unavailableMs = 0;
      const seenStores = new Set<unknown>();
      for (const [ref, last] of watched) {
        const provider = ref.deref();
        const stats = provider?.stats();
        const counts = stats ?? last;
        const store = stats?.store;
        const identity = (store as { [STORE_IDENTITY]?: unknown } | undefined)?.[STORE_IDENTITY] ?? store;
        if (store !== undefined && !seenStores.has(identity)) {
          seenStores.add(identity);
          for (const [code, n] of Object.entries(store.errors)) stores.set(code, (stores.get(code) ?? 0) + n);
          unavailableMs += store.unavailableMs;
        }
        for (const name of NAMES) totals[name] += counts[name];
        // A provider collected without close() leaves its last observed counts behind.
        if (provider === undefined) {
          for (const name of NAMES) retired[name] += counts[name];
          watched.delete(ref);
        } else {
          watched.set(ref, counts);
        }
      }
      counters.forEach((counter, i) => result.observe(counter, totals[NAMES[i]!]));
      for (const [code, n] of stores) result.observe(storeErrors, n, { code });
      if (seenStores.size > 0) result.observe(storeDown, unavailableMs);
    },
    [...counters, storeErrors, storeDown],
  );
  const latency = meter.createHistogram('mca_oauth.token_request.duration', {
    description: 'Duration of token requests, retries included',
    unit: 'ms',
  });
  return { watched, retired, latency };
}

/**
 * Reports a provider's counters and token request latency, if OpenTelemetry is installed. Returns
 * what `close()` calls: the provider's counts move into the retired totals and its entry goes, so
 * the set of watched providers is bounded by the live ones, whether or not an SDK ever collects.
 */
export function registerMetrics(provider: TokenProvider): () => void {
  if (instruments === undefined) instruments = setup();
  if (instruments === null) return () => undefined;
  const { watched, retired, latency } = instruments;
  const ref = new WeakRef(provider);
  watched.set(ref, { ...ZERO });
  provider.on('token', (e) => {
    if (e.source === 'endpoint') latency.record(e.durationMs, { background: e.background });
  });
  return () => {
    if (!watched.delete(ref)) return;
    const counts = provider.stats();
    for (const name of NAMES) retired[name] += counts[name];
  };
}
