// The connect budget is bounded: a Redis that accepts TCP and never answers costs the first caller
// at most `connectTimeoutMs` (or its own deadline, when shorter), and once spent, nothing more
// until the client is ready again.
import net from 'node:net';
import Redis from 'ioredis';
import { createTokenProvider } from '../../lib';
import { redisTokenStore } from '../../lib/redis';
import { startTokenServer, type TokenServer } from '../helpers/token-server';
import { describeWithRedis } from '../helpers/redis-server';
import { FLEET_KEY, credentials } from '../helpers/redis-fleet';
import { captureRedisStoreWarnings } from '../helpers/process-warnings';

// Redis refuses or fails the store on purpose here: its warnings are checked, not printed.
captureRedisStoreWarnings();

describeWithRedis('the connect budget', () => {
  let silent: net.Server;
  let port: number;
  const sockets = new Set<net.Socket>();
  let tokens: TokenServer;
  const cleanup: (() => Promise<unknown> | unknown)[] = [];

  beforeAll(async () => {
    // Accepts connections and never answers: ioredis connects, then waits on its ready check.
    silent = net.createServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    port = (silent.address() as net.AddressInfo).port;
  });
  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => silent.close(resolve));
  });
  beforeEach(async () => {
    tokens = await startTokenServer();
  });
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
    await tokens.close();
  });

  function setup(storeOptions: Record<string, unknown>, providerOptions: Record<string, unknown> = {}) {
    const client = new Redis({ host: '127.0.0.1', port, connectTimeout: 60_000, maxRetriesPerRequest: 1 });
    const store = redisTokenStore({ client, fleetKey: FLEET_KEY, backoffMs: 1, ...storeOptions });
    const provider = createTokenProvider({ ...credentials(tokens), store, ...providerOptions });
    const errors: { code?: string; message: string }[] = [];
    provider.on('store-error', (e) => errors.push(e));
    cleanup.push(async () => {
      await provider.close();
      await store.close();
      client.disconnect();
    });
    return { provider, errors };
  }

  it('a Redis that never gets ready costs the first call connectTimeoutMs, then nothing; the error names the budget', async () => {
    const { provider, errors } = setup({ connectTimeoutMs: 400 });
    let started = performance.now();
    await expect(provider.getAuthorizationHeader()).resolves.toBe('Bearer tok-1');
    const first = performance.now() - started;
    expect(first).toBeGreaterThanOrEqual(390);
    expect(first).toBeLessThan(2_000);
    expect(errors.map((e) => e.code)).toContain('ERR_MCA_STORE_CONNECT_TIMEOUT');
    expect(errors.find((e) => e.code === 'ERR_MCA_STORE_CONNECT_TIMEOUT')!.message).toContain('MCA_REDIS_CONNECT_TIMEOUT_MS');
    const health = provider.stats().store!;
    expect(health.errors.ERR_MCA_STORE_CONNECT_TIMEOUT).toBeGreaterThanOrEqual(1);
    expect(health.unavailableMs).toBeGreaterThan(0);
    provider.invalidate();
    started = performance.now();
    await expect(provider.getAuthorizationHeader()).resolves.toBe('Bearer tok-2');
    expect(performance.now() - started).toBeLessThan(300);
  });

  it("the caller's deadline caps the connect budget", async () => {
    const { provider } = setup({ connectTimeoutMs: 60_000 }, { deadlineMs: 500, timeoutMs: 400 });
    const started = performance.now();
    await expect(provider.getAuthorizationHeader()).resolves.toBe('Bearer tok-1');
    expect(performance.now() - started).toBeLessThan(2_000);
  });
});
