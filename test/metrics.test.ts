import { metrics } from '@opentelemetry/api';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { createTokenProvider } from '../lib';
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
