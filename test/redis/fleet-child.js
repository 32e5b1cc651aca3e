'use strict';
// One process of a fleet, for the Redis tests: asks for a token through a Redis-backed provider
// (at once, or with `barrier` when the parent says go after every child reported ready), prints
// {header, source} as JSON, and exits. Uses the built package.
// settings.store: the redisTokenStore options (url, clusterNodes or sentinels, fleetKey …).
const { join } = require('node:path');
const { createTokenProvider } = require(join(__dirname, '..', '..', 'dist'));
const { redisTokenStore } = require(join(__dirname, '..', '..', 'dist', 'redis'));

const settings = JSON.parse(process.argv[2]);
// A generous store timeout: on a loaded 2-core test machine a starved child can miss 100 ms, and
// then (as designed) fetches alone; these tests are about the single flight, not the timeout.
// A long lockWaitMs for the same reason: a waiter gives up on a holder that shows no sign of life
// for that long (the documented trade-off, tested on its own with lockWaitMs: 1000 and a killed
// holder); a child starved for 2 s would then fetch too. The herd's 300 ms fetch never needs a renewal.
const store = redisTokenStore({ pollMs: 20, storeTimeoutMs: 1_000, lockWaitMs: 10_000, ...settings.store });
const provider = createTokenProvider({ ...settings.credentials, env: {}, envFile: false, store, timeoutMs: 20_000 });
let source = 'none';
provider.on('token', (event) => (source = event.source));
// Why a child fetched by itself, if it did: shown in the test's failure message.
const storeErrors = [];
provider.on('store-error', (error) => storeErrors.push(error.message));

// Connected and authenticated before the herd starts, as a process that has served a request is.
const ready = store.check().catch(() => undefined);

async function ask() {
  process.send?.({ type: 'asking' });
  try {
    const header = await provider.getAuthorizationHeader();
    console.log(JSON.stringify({ header, source, ...(storeErrors.length > 0 ? { storeErrors } : {}) }));
  } catch (error) {
    console.log(JSON.stringify({ error: error.code }));
  }
  await provider.close();
  await store.close();
}

void ready.then(() => {
  if (!settings.barrier) return ask();
  // `once`: with no 'message' listener left, the IPC channel no longer holds the process open.
  process.once('message', () => void ask());
  process.send({ type: 'ready' });
});
