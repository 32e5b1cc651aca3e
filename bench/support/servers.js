'use strict';
// Child process for the benchmarks: an MCA-compatible token server and a protected back end on
// 127.0.0.1, away from the event loop of the app under test. Settings come as JSON in argv[2]:
// { lifetimeSeconds, failRate }. Talks to the parent over IPC: sends { type: 'ready', ... } and
// answers { type: 'stats' } with its counters.
const http = require('node:http');
const { randomBytes } = require('node:crypto');

const settings = { lifetimeSeconds: 3600, failRate: 0, ...JSON.parse(process.argv[2] ?? '{}') };
const CLIENT = 'bench-client';
const SECRET = 'bench-secret';
const TENANT = 'bench-tenant';
const expectedBasic = `Basic ${Buffer.from(`${CLIENT}:${SECRET}`).toString('base64')}`;
const issued = new Map(); // token -> expiry ms
// The baseline's precomputed header: the same length as an issued token, and checked by the same
// code path, so that both variants of the proxy figure cost the back end the same.
const STATIC_TOKEN = 'static0123456789abcdef0123456789a';
issued.set(STATIC_TOKEN, Number.MAX_SAFE_INTEGER);
const stats = { posts: 0, failedOnPurpose: 0, backendRequests: 0, backendRejected: 0 };

// IBM Cloud IAM's API key grant, for the peer rows: ibm-cloud-sdk-core's IamAuthenticator decodes
// the access token as a JWT (exp, iat), so the token is one (unsigned: nobody verifies it here).
const IAM_APIKEY = 'bench-apikey-0123456789abcdef0123456789';
const b64url = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
function iamToken(req, res) {
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (chunk) => (body += chunk));
  req.on('end', () => {
    stats.posts++;
    const form = new URLSearchParams(body);
    if (form.get('grant_type') !== 'urn:ibm:params:oauth:grant-type:apikey' || form.get('apikey') !== IAM_APIKEY) {
      res.writeHead(400, { 'Content-Type': 'application/json' });
      return res.end('{"errorCode":"BXNIM0415E","errorMessage":"Provided API key could not be found."}');
    }
    const now = Math.floor(Date.now() / 1000);
    const exp = now + settings.lifetimeSeconds;
    const token = `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url({ iat: now, exp, jti: randomBytes(8).toString('hex') })}.${randomBytes(16).toString('base64url')}`;
    issued.set(token, exp * 1000);
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ access_token: token, refresh_token: 'not-used', token_type: 'Bearer', expires_in: settings.lifetimeSeconds, expiration: exp }));
  });
}

const tokenServer = http.createServer((req, res) => {
  if (req.url === '/identity/token') return iamToken(req, res);
  req.resume();
  req.on('end', () => {
    stats.posts++;
    if (req.method !== 'POST' || req.headers.authorization !== expectedBasic) {
      res.writeHead(401, { 'Content-Type': 'application/json' });
      return res.end('{"error":"invalid_client"}');
    }
    if (Math.random() < settings.failRate) {
      stats.failedOnPurpose++;
      res.writeHead(503, { 'Content-Type': 'text/html' });
      return res.end('<html>try again</html>');
    }
    const token = randomBytes(16).toString('hex');
    issued.set(token, Date.now() + settings.lifetimeSeconds * 1000);
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ access_token: token, token_type: 'Bearer', expires_in: settings.lifetimeSeconds }));
  });
});

const body = JSON.stringify({ orders: [{ id: 1 }, { id: 2 }] });
const backend = http.createServer((req, res) => {
  stats.backendRequests++;
  const auth = req.headers.authorization;
  const token = auth && auth.startsWith('Bearer ') ? auth.slice(7) : undefined;
  const exp = token === undefined ? undefined : issued.get(token);
  if (exp === undefined || exp <= Date.now()) {
    stats.backendRejected++;
    res.writeHead(401, { 'WWW-Authenticate': 'Bearer error="invalid_token"' });
    return res.end();
  }
  res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
});

const listen = (server) => new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server.address().port)));

Promise.all([listen(tokenServer), listen(backend)]).then(([tokenPort, backendPort]) => {
  process.send({
    type: 'ready',
    credentials: { clientId: CLIENT, secret: SECRET, tenantId: TENANT, serverUrl: `http://127.0.0.1:${tokenPort}/imf-authserver` },
    backendUrl: `http://127.0.0.1:${backendPort}`,
    staticToken: STATIC_TOKEN,
    iam: { apikey: IAM_APIKEY, iamUrl: `http://127.0.0.1:${tokenPort}` },
  });
});

process.on('message', (message) => {
  if (message.type === 'stats') process.send({ type: 'stats', stats });
  if (message.type === 'reset') {
    for (const key of Object.keys(stats)) stats[key] = 0;
    process.send({ type: 'reset' });
  }
});
process.on('disconnect', () => process.exit(0));
