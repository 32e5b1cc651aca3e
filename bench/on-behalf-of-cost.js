'use strict';
// Issue 26: what `onBehalfOf` costs the requests that do not use it. Two processes, the same app
// and route, calling the same back end through req.mcaClient with the app's own token; the second
// middleware also has an entry (on another origin) with `onBehalfOf: true`, so each request gets
// fields of its own, bound to it (lib/middleware/request-binding.ts). Server CPU per request,
// variants alternated round by round (bench/proxy-cpu.js), medians; /hello (no outbound call) and
// /proxy. A third process, plain inside another library's AsyncLocalStorage scope, tells what any
// request scope costs on this Node.
const { startServers, startApp, pinSelf } = require('./support/processes');
const { alternateCpu, ratioOfRounds } = require('./proxy-cpu');
const { median } = require('./support/stats');

async function onBehalfOfCost(servers) {
  const { credentials, backendUrl } = servers.ready;
  const elsewhere = { match: 'https://orders.example.com', name: 'orders', onBehalfOf: true };
  const apps = {
    plain: await startApp({ variant: 'mca', credentials, backendUrl }),
    'with-obo-entry': await startApp({ variant: 'mca', credentials, backendUrl, options: { protectedBackends: [backendUrl, elsewhere] } }),
  };
  // Information: the plain app inside a request scope of someone else's (support/request-scope.js).
  const before = process.env.NODE_OPTIONS;
  process.env.NODE_OPTIONS = `${before ?? ''} --require ${require.resolve('./support/request-scope')}`.trim();
  try {
    apps['other-scope'] = await startApp({ variant: 'mca', credentials, backendUrl });
  } finally {
    if (before === undefined) delete process.env.NODE_OPTIONS;
    else process.env.NODE_OPTIONS = before;
  }
  try {
    const out = {};
    for (const path of ['/hello', '/proxy']) {
      const s = await alternateCpu(Object.fromEntries(Object.entries(apps).map(([name, app]) => [name, { app, path }])));
      out[path] = {
        ratio: ratioOfRounds(s.plain, s['with-obo-entry']),
        plainUs: median(s.plain),
        withOboUs: median(s['with-obo-entry']),
        otherScopeUs: median(s['other-scope']),
        otherScopeRatio: ratioOfRounds(s.plain, s['other-scope']),
      };
    }
    return out;
  } finally {
    await Promise.all(Object.values(apps).map((app) => app.stop()));
  }
}

module.exports = { onBehalfOfCost };

if (require.main === module) {
  (async () => {
    pinSelf();
    const servers = await startServers({ lifetimeSeconds: 3600 });
    try {
      const r = await onBehalfOfCost(servers);
      for (const [path, f] of Object.entries(r)) {
        console.log(
          `${path}: ${f.plainUs.toFixed(1)} µs without onBehalfOf, ${f.withOboUs.toFixed(1)} µs with an onBehalfOf entry elsewhere (ratio ${f.ratio.toFixed(3)}), ${f.otherScopeUs.toFixed(1)} µs without it inside another library's request scope (ratio ${f.otherScopeRatio.toFixed(3)})`,
        );
      }
    } finally {
      await servers.stop();
    }
  })();
}
