'use strict';
// The protected back end: accepts only "Bearer <token>" for a live token of the demo's server,
// and answers 401 with WWW-Authenticate otherwise. Not part of the package's API.
const http = require('node:http');

function startBackend({ isValid, log }) {
  const server = http.createServer((req, res) => {
    const parts = (req.headers.authorization ?? '').trim().split(/\s+/);
    if (parts[0] !== 'Bearer' || !parts[1] || !isValid(parts[1])) {
      log(`back end: ${req.method} ${req.url} -> 401`);
      res.writeHead(401, { 'WWW-Authenticate': 'Bearer error="invalid_token"' });
      return res.end();
    }
    log(`back end: ${req.method} ${req.url} -> 200 (token …${parts[1].slice(-6)})`);
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ orders: [{ id: 1, item: 'coffee' }, { id: 2, item: 'tea' }] }));
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      resolve({
        url: `http://127.0.0.1:${server.address().port}`,
        close: () => new Promise((r) => { server.closeAllConnections(); server.close(r); }),
      });
    });
  });
}

module.exports = { startBackend };
