'use strict';
// Shared by the runner consumers (Jest, Vitest, node --test): a token server on 127.0.0.1 and an
// Express app that uses the installed package, exercised with supertest as users do.
const http = require('node:http');

async function startTokenServer() {
  let posts = 0;
  const server = http.createServer((req, res) => {
    posts += 1;
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ access_token: 'runner-token', expires_in: 3600 }));
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    tokenUrl: `http://127.0.0.1:${server.address().port}/token`,
    posts: () => posts,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

/** An Express app whose route answers with the header req.mcaAuth() resolves to. */
function buildApp(express, mcaOAuth, tokenUrl) {
  const auth = mcaOAuth({ env: {}, envFile: false, clientId: 'c', secret: 's', tokenUrl });
  const app = express();
  app.use(auth);
  app.get('/header', (req, res, next) => {
    req.mcaAuth().then((header) => res.json({ header }), next);
  });
  return { app, auth };
}

module.exports = { startTokenServer, buildApp };
