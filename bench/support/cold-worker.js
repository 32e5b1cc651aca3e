'use strict';
// One process of a cold fleet: loads the package, says ready, and at "go" builds its store (as
// settings.build says) and makes 50 concurrent calls at once, with nothing connected before.
// Reports the worst call (ms) and whether it asked the endpoint.
const { createTokenProvider } = require('express-mca-oauth');
const { redisTokenStore } = require('express-mca-oauth/redis');

const settings = JSON.parse(process.argv[2]);

function build() {
  const base = { ...settings.credentials, envFile: false };
  if (settings.build === 'env') return { provider: createTokenProvider({ ...base, env: { ...settings.env, MCA_REDIS_FLEET_KEY: settings.fleetKey } }) };
  let client;
  let store;
  if (settings.build === 'options') store = redisTokenStore({ ...settings.store, fleetKey: settings.fleetKey });
  else {
    const Redis = require('ioredis');
    const port = (url) => Number(new URL(url).port);
    if (settings.build === 'user-single') client = new Redis(settings.store.url);
    else if (settings.build === 'user-cluster') client = new Redis.Cluster(settings.store.clusterNodes.map((u) => ({ host: '127.0.0.1', port: port(u) })));
    else client = new Redis({ sentinels: settings.store.sentinels.map((u) => ({ host: '127.0.0.1', port: port(u) })), name: settings.store.sentinelMaster });
    store = redisTokenStore({ client, fleetKey: settings.fleetKey });
  }
  return { client, store, provider: createTokenProvider({ ...base, env: {}, store }) };
}

process.once('message', async () => {
  const { client, store, provider } = build();
  let fetched = false;
  provider.on('token', (event) => (fetched ||= event.source === 'endpoint'));
  const started = performance.now();
  let worstMs = 0;
  let errors = 0;
  await Promise.all(
    Array.from({ length: 50 }, () =>
      provider.getAuthorizationHeader().then(
        () => (worstMs = Math.max(worstMs, performance.now() - started)),
        () => errors++,
      ),
    ),
  );
  process.send({ type: 'done', worstMs, errors, fetched });
  await provider.close();
  await store?.close();
  client?.disconnect();
  process.disconnect();
});
process.send({ type: 'ready' });
