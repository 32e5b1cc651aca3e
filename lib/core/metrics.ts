import type { ProviderStats, TokenProvider } from './token-provider-api';

// OpenTelemetry metrics, only when @opentelemetry/api is installed (an optional peer dependency).
// The counters are observable: they read providers' stats() when the SDK collects, so the cache-hit
// path does no metrics work at all. Only the latency histogram is recorded, once per token request.

type Counts = Pick<ProviderStats, 'hits' | 'misses' | 'fetches' | 'failures'>;
const NAMES = ['hits', 'misses', 'fetches', 'failures'] as const;

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
  const retired: Counts = { hits: 0, misses: 0, fetches: 0, failures: 0 };
  const counters = NAMES.map((name) => meter.createObservableCounter(`mca_oauth.${name}`, { description: `Token provider ${name} (see provider.stats())` }));
  meter.addBatchObservableCallback((result) => {
    const totals = { ...retired };
    for (const [ref, last] of watched) {
      const provider = ref.deref();
      const counts = provider === undefined ? last : provider.stats();
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
  }, counters);
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
  watched.set(ref, { hits: 0, misses: 0, fetches: 0, failures: 0 });
  provider.on('token', (e) => {
    if (e.source === 'endpoint') latency.record(e.durationMs, { background: e.background });
  });
  return () => {
    if (!watched.delete(ref)) return;
    const counts = provider.stats();
    for (const name of NAMES) retired[name] += counts[name];
  };
}
