'use strict';
// A tiny MCA-compatible authorization server for the demo (PROTOCOL.md): POST
// /imf-authserver/authorization/v1/apps/{tenantId}/token with Basic client credentials and
// grant_type=client_credentials. It issues random opaque tokens with a short lifetime so that
// refreshes are visible. Not part of the package's API.
const http = require('node:http');
const { randomBytes } = require('node:crypto');

function startTokenServer({ clientId, secret, tenantId, lifetimeSeconds, log }) {
  const expected = `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}`;
  const path = `/imf-authserver/authorization/v1/apps/${tenantId}/token`;
  const issued = new Map(); // token -> expiry (ms)
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      const reply = (status, json) => {
        res.writeHead(status, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify(json));
      };
      if (req.method !== 'POST' || req.url !== path) return reply(404, { error: 'not_found' });
      if (req.headers.authorization !== expected) return reply(401, { error: 'invalid_client' });
      if (body !== 'grant_type=client_credentials') return reply(400, { error: 'unsupported_grant_type' });
      const token = randomBytes(16).toString('hex');
      issued.set(token, Date.now() + lifetimeSeconds * 1000);
      log(`token server: issued token …${token.slice(-6)} (expires_in ${lifetimeSeconds}s)`);
      reply(200, { access_token: token, token_type: 'Bearer', expires_in: lifetimeSeconds });
    });
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const origin = `http://127.0.0.1:${server.address().port}`;
      resolve({
        serverUrl: `${origin}/imf-authserver`,
        isValid: (token) => (issued.get(token) ?? 0) > Date.now(),
        close: () => new Promise((r) => { server.closeAllConnections(); server.close(r); }),
      });
    });
  });
}

module.exports = { startTokenServer };
