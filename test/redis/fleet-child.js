'use strict';
// One process of a fleet, for the Redis tests: asks for a token through a Redis-backed provider
// (at once, or with `barrier` when the parent says go after every child reported ready), prints
// {header, source} as JSON, and exits. Uses the built package.
// settings.store: the redisTokenStore options (url, clusterNodes or sentinels, fleetKey …).
// settings.cold: the store is built only at "go", with its defaults (but what settings.store names), and nothing connects it
// before the first call: a process that has just started. settings.build says how it is built:
// 'options' (redisTokenStore options), 'env' (MCA_REDIS_* variables in settings.env), or
// 'user-single' / 'user-cluster' / 'user-sentinel' (an ioredis client the user built).
const { join } = require('node:path');
const { createTokenProvider } = require(join(__dirname, '..', '..', 'dist'));
const { redisTokenStore } = require(join(__dirname, '..', '..', 'dist', 'redis'));

const settings = JSON.parse(process.argv[2]);
let source = 'none';
// Why a child fetched by itself, if it did: shown in the test's failure message.
const storeErrors = [];

function userClient() {
  const Redis = require('ioredis');
  const { url, clusterNodes, sentinels, sentinelMaster } = settings.store;
  if (settings.build === 'user-single') return new Redis(url);
  if (settings.build === 'user-cluster') return new Redis.Cluster(clusterNodes.map((u) => ({ host: '127.0.0.1', port: Number(new URL(u).port) })));
  return new Redis({ sentinels: sentinels.map((u) => ({ host: '127.0.0.1', port: Number(new URL(u).port) })), name: sentinelMaster });
}

function build() {
  if (!settings.cold) {
    // A generous store timeout: on a loaded 2-core test machine a starved child can miss 100 ms, and
    // then (as designed) fetches alone; these tests are about the single flight, not the timeout.
    // A long lockWaitMs for the same reason: a waiter gives up on a holder that shows no sign of life
    // for that long (the documented trade-off, tested on its own with lockWaitMs: 1000 and a killed
    // holder); a child starved for 2 s would then fetch too. The herd's 300 ms fetch never needs a renewal.
    const store = redisTokenStore({ pollMs: 20, storeTimeoutMs: 1_000, lockWaitMs: 10_000, ...settings.store });
    return { store, provider: createTokenProvider({ ...settings.credentials, env: {}, envFile: false, store, timeoutMs: 20_000 }) };
  }
  if (settings.build === 'env') {
    return { provider: createTokenProvider({ ...settings.credentials, env: settings.env, envFile: false }) };
  }
  if (settings.build === 'options') {
    const store = redisTokenStore(settings.store);
    return { store, provider: createTokenProvider({ ...settings.credentials, env: {}, envFile: false, store }) };
  }
  const client = userClient();
  const store = redisTokenStore({ client, fleetKey: settings.store.fleetKey, storeTimeoutMs: settings.store.storeTimeoutMs });
  return { store, client, provider: createTokenProvider({ ...settings.credentials, env: {}, envFile: false, store }) };
}

let built;
function start() {
  built = build();
  built.provider.on('token', (event) => (source = event.source));
  built.provider.on('store-error', (error) => storeErrors.push(error.message));
}

async function ask() {
  if (settings.cold) start();
  process.send?.({ type: 'asking' });
  const started = performance.now();
  try {
    const header = await built.provider.getAuthorizationHeader();
    const ms = Math.round(performance.now() - started);
    console.log(JSON.stringify({ header, source, ms, stats: built.provider.stats(), ...(storeErrors.length > 0 ? { storeErrors } : {}) }));
  } catch (error) {
    console.log(JSON.stringify({ error: error.code }));
  }
  await built.provider.close();
  await built.store?.close();
  if (built.client) built.client.disconnect();
}

// Connected and authenticated before the herd starts, as a process that has served a request is.
let ready = Promise.resolve();
if (!settings.cold) {
  start();
  ready = built.store.check().catch(() => undefined);
}

void ready.then(() => {
  if (!settings.barrier) return ask();
  // `once`: with no 'message' listener left, the IPC channel no longer holds the process open.
  process.once('message', () => void ask());
  process.send({ type: 'ready' });
});
