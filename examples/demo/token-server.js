'use strict';
// An MCA-compatible authorization server for the demo (docs/protocol.md): POST
// {serverUrl}/authorization/v1/apps/{tenantId}/token with Basic client credentials and
// grant_type=client_credentials issues an RS256 JWT (exp, aud = tenantId, prn = clientId);
// GET .../publickey returns the key as {n, e}, as IBM's server does. Not part of the package's API.
const http = require('node:http');
const { generateKeyPairSync } = require('node:crypto');

async function startTokenServer({ clientId, secret, tenantId, lifetimeSeconds, log }) {
  const { SignJWT } = await import('jose');
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const { n, e } = publicKey.export({ format: 'jwk' });
  const expected = `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}`;
  const base = `/imf-authserver/authorization/v1/apps/${tenantId}`;
  let issued = 0;
  let origin;

  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', async () => {
      const reply = (status, json) => {
        res.writeHead(status, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify(json));
      };
      if (req.method === 'GET' && req.url === `${base}/publickey`) return reply(200, { n, e });
      if (req.method !== 'POST' || req.url !== `${base}/token`) return reply(404, { error: 'not_found' });
      if (req.headers.authorization !== expected) return reply(401, { error: 'invalid_client' });
      if (body !== 'grant_type=client_credentials') return reply(400, { error: 'unsupported_grant_type' });
      const jwt = await new SignJWT({ prn: clientId, 'imf.scope': 'default' })
        .setProtectedHeader({ alg: 'RS256' })
        .setIssuer(origin)
        .setAudience(tenantId)
        .setIssuedAt()
        .setExpirationTime(`${lifetimeSeconds}s`)
        .sign(privateKey);
      issued++;
      log(`token server: issued JWT #${issued} …${jwt.slice(-6)} (expires_in ${lifetimeSeconds} s)`);
      reply(200, { access_token: jwt, token_type: 'Bearer', expires_in: lifetimeSeconds });
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${server.address().port}`;
  return {
    serverUrl: `${origin}/imf-authserver`,
    publicKeyUrl: `${origin}${base}/publickey`,
    issued: () => issued,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(resolve);
      }),
  };
}

module.exports = { startTokenServer };
