'use strict';
// The protected back end. Like IBM's validation strategy it fetches the server's public key
// ({n, e}) once, then checks every request: "Bearer <jwt>", RS256 signature, exp (no leeway) and
// aud = tenantId. Anything else gets 401 with WWW-Authenticate. Not part of the package's API.
const http = require('node:http');
const { createPublicKey } = require('node:crypto');

async function startBackend({ publicKeyUrl, tenantId, log }) {
  const { jwtVerify } = await import('jose');
  const { n, e } = await (await fetch(publicKeyUrl)).json();
  const key = createPublicKey({ key: { kty: 'RSA', n, e }, format: 'jwk' });
  let rejected = 0;

  const server = http.createServer(async (req, res) => {
    const parts = (req.headers.authorization ?? '').trim().split(/\s+/);
    try {
      if (parts[0] !== 'Bearer' || !parts[1]) throw new Error('no bearer token');
      const { payload } = await jwtVerify(parts[1], key, { algorithms: ['RS256'], audience: tenantId });
      log(`back end: ${req.method} ${req.url} -> 200 (JWT …${parts[1].slice(-6)}, prn ${payload.prn})`);
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(
        JSON.stringify({
          orders: [
            { id: 1, item: 'coffee' },
            { id: 2, item: 'tea' },
          ],
          caller: payload.prn,
        }),
      );
    } catch (error) {
      rejected++;
      log(`back end: ${req.method} ${req.url} -> 401 (${error.code ?? error.message})`);
      res.writeHead(401, { 'WWW-Authenticate': 'Bearer error="invalid_token"' });
      res.end();
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    rejected: () => rejected,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(resolve);
      }),
  };
}

module.exports = { startBackend };
