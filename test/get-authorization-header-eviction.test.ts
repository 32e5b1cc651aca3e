// Issue 9, row 11: eviction from the module-level cache never fails a caller.
import { closeAuthorizationHeaderCache, getAuthorizationHeader } from '../lib';
import { startTokenServer, type TokenServer } from './helpers/token-server';

let server: TokenServer;
beforeEach(async () => {
  server = await startTokenServer({ clientId: 'clientId', secret: 'secret', tenantId: 'appId' });
});
afterEach(async () => {
  await closeAuthorizationHeaderCache();
  await server.close();
});

const NO_ENV = {};
const options = (scope: string) => ({
  cacheSize: 100,
  appId: 'appId',
  clientId: 'clientId',
  secret: 'secret',
  serverUrl: server.serverUrl,
  scope,
  env: NO_ENV,
  envFile: false as const,
});

it('250 configurations in flight with cacheSize 100: every caller gets its token, none ERR_MCA_CLOSED', async () => {
  // Slow answers keep every fetch in flight while the later configurations evict the earlier ones.
  for (let i = 0; i < 250; i++) server.script.push({ delayMs: 200 });
  const results = await Promise.allSettled(Array.from({ length: 250 }, (_, i) => getAuthorizationHeader(options(`s${i}`))));
  const rejected = results.filter((r) => r.status === 'rejected').map((r) => r.reason as { code?: string });
  expect(rejected.map((e) => e.code)).toEqual([]);
  expect(results.every((r) => r.status === 'fulfilled' && /^Bearer tok-\d+$/.test(r.value))).toBe(true);
  expect(server.requests).toHaveLength(250);
});

it('an evicted configuration asked again gets a new provider, not the retired one', async () => {
  const first = options('first');
  await expect(getAuthorizationHeader(first)).resolves.toBe('Bearer tok-1');
  for (let i = 0; i < 250; i++) await getAuthorizationHeader(options(`fill${i}`));
  await expect(getAuthorizationHeader(first)).resolves.toMatch(/^Bearer tok-\d+$/);
});
