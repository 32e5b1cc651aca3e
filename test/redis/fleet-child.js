'use strict';
// One process of a fleet, for the Redis tests: asks for a token through a Redis-backed provider
// (at once, or with `barrier`, when the parent says go after every child reported ready), prints
// {header, source} as JSON, and exits. Uses the built package.
const { join } = require('node:path');
const { createTokenProvider } = require(join(__dirname, '..', '..', 'dist'));
const { redisTokenStore } = require(join(__dirname, '..', '..', 'dist', 'redis'));

const settings = JSON.parse(process.argv[2]);
const store = redisTokenStore({ url: settings.redisUrl, lockTtlMs: settings.lockTtlMs ?? 10_000, pollMs: 20 });
const provider = createTokenProvider({ ...settings.credentials, env: {}, envFile: false, store, timeoutMs: 20_000 });
let source = 'none';
provider.on('token', (event) => (source = event.source));

async function ask() {
  process.send?.({ type: 'asking' });
  try {
    const header = await provider.getAuthorizationHeader();
    console.log(JSON.stringify({ header, source }));
  } catch (error) {
    console.log(JSON.stringify({ error: error.code }));
  }
  await provider.close();
  await store.close();
}

if (settings.barrier) {
  // `once`: with no 'message' listener left, the IPC channel no longer holds the process open.
  process.once('message', () => void ask());
  process.send({ type: 'ready' });
} else {
  void ask();
}
