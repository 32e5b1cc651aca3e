'use strict';
// Runs in a consumer project that installed the packed tarball: a token server, a protected back
// end and an app on the framework named in argv[2] (express, express4 or connect), using
// mcaOAuth() and req.mcaClient. Prints the back end's answer as seen through the app.
const http = require('node:http');
const { mcaOAuth } = require('express-mca-oauth');

const framework = process.argv[2];
const listen = (server) => new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${server.address().port}`)));

async function main() {
  const tokenServer = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ access_token: 'consumer-token', expires_in: 3600 }));
    });
  });
  const backend = http.createServer((req, res) => {
    res.writeHead(req.headers.authorization === 'Bearer consumer-token' ? 200 : 401, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ ok: req.headers.authorization === 'Bearer consumer-token' }));
  });
  const tokenUrl = `${await listen(tokenServer)}/token`;
  const backendUrl = await listen(backend);
  const auth = mcaOAuth({ env: {}, envFile: false, clientId: 'c', secret: 's', tokenUrl, protectedBackends: [backendUrl] });
  const route = async (req, res) => {
    const r = await req.mcaClient.get(`${backendUrl}/x`);
    res.setHeader('Content-Type', 'application/json');
    res.end(JSON.stringify({ framework, backend: r.data, header: (await req.mcaAuth()).slice(0, 7) }));
  };
  let app;
  if (framework === 'connect') {
    app = require('connect')();
    app.use(auth);
    app.use('/orders', (req, res, next) => route(req, res).catch(next));
  } else {
    app = require(framework)();
    app.use(auth);
    app.get('/orders', (req, res, next) => route(req, res).catch(next));
  }
  const server = http.createServer(app);
  const appUrl = await listen(server);
  console.log(await (await fetch(`${appUrl}/orders`)).text());
  for (const s of [server, tokenServer, backend]) {
    s.closeAllConnections();
    s.close();
  }
  await auth.close();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
