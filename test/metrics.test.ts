import { metrics } from '@opentelemetry/api';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { createTokenProvider } from '../lib';
import { MemoryTokenStore, STORE_IDENTITY } from '../lib/token/token-store';
import { startTokenServer, type TokenServer } from './helpers/token-server';

// A reader the test collects from by hand. The global meter provider is set before any token
// provider of this file exists, as an application's telemetry setup would be.
class TestReader extends MetricReader {
  protected async onShutdown(): Promise<void> {}
  protected async onForceFlush(): Promise<void> {}
}
const reader = new TestReader();
const meterProvider = new MeterProvider({ readers: [reader] });
metrics.setGlobalMeterProvider(meterProvider);

let server: TokenServer;
beforeEach(async () => {
  server = await startTokenServer();
});
afterEach(() => server.close());
afterAll(async () => {
  await meterProvider.shutdown();
  metrics.disable();
});

async function collected(): Promise<Record<string, number>> {
  const { resourceMetrics } = await reader.collect();
  const out: Record<string, number> = {};
  for (const scope of resourceMetrics.scopeMetrics) {
    for (const metric of scope.metrics) {
      for (const point of metric.dataPoints) {
        const value = point.value as number | { count: number };
        out[metric.descriptor.name] = (out[metric.descriptor.name] ?? 0) + (typeof value === 'number' ? value : value.count);
      }
    }
  }
  return out;
}

it('reports hits, misses, fetches and failures as counters, and token request latency, through @opentelemetry/api', async () => {
  const p = createTokenProvider({ env: {}, envFile: false, clientId: 'client-1', secret: 's3cr3t-value', tenantId: 'tenant-1', serverUrl: server.serverUrl });
  for (let i = 0; i < 5; i++) await p.getAuthorizationHeader();
  expect(await collected()).toEqual({
    'mca_oauth.hits': 4,
    'mca_oauth.misses': 1,
    'mca_oauth.fetches': 1,
    'mca_oauth.store_pickups': 0,
    'mca_oauth.failures': 0,
    'mca_oauth.token_request.duration': 1,
  });
  await p.close();
  // Counters never go down: a closed provider's counts stay in the totals.
  const q = createTokenProvider({ env: {}, envFile: false, clientId: 'client-1', secret: 's3cr3t-value', tenantId: 'tenant-1', serverUrl: server.serverUrl });
  await q.getAuthorizationHeader();
  const after = await collected();
  expect(after['mca_oauth.hits']).toBe(4);
  expect(after['mca_oauth.fetches']).toBe(2);
  expect(after['mca_oauth.misses']).toBe(2);
  await q.close();
});

it("a shared store's health is reported once per store, however many providers share it", async () => {
  const health = { available: false, errors: { NOPERM: 2, ERR_MCA_STORE_TIMEOUT: 1 }, unavailableMs: 1500 };
  // A store of the user's own: the in-process one, telling a health as a Redis store would.
  const store = Object.assign(new MemoryTokenStore(), { health: () => Object.defineProperty({ ...health }, STORE_IDENTITY, { value: store }) });
  const base = { env: {}, envFile: false as const, secret: 's3cr3t-value', tenantId: 'tenant-1', serverUrl: server.serverUrl, store };
  const providers = [createTokenProvider({ ...base, clientId: 'client-1' }), createTokenProvider({ ...base, clientId: 'client-1', scope: 'b' })];
  expect(providers[0]!.stats().store).toEqual(health);
  const { resourceMetrics } = await reader.collect();
  const points = resourceMetrics.scopeMetrics
    .flatMap((scope) => scope.metrics)
    .filter((m) => m.descriptor.name.startsWith('mca_oauth.store.'))
    .flatMap((m) => m.dataPoints.map((p) => [m.descriptor.name, p.attributes.code ?? '', p.value]));
  expect(points).toEqual(
    expect.arrayContaining([
      ['mca_oauth.store.errors', 'NOPERM', 2],
      ['mca_oauth.store.errors', 'ERR_MCA_STORE_TIMEOUT', 1],
      ['mca_oauth.store.unavailable', '', 1500],
    ]),
  );
  expect(points).toHaveLength(3);
  await Promise.all(providers.map((p) => p.close()));
});
