'use strict';
// Child process for the benchmarks: the Express app under test. Settings as JSON in argv[2]:
// { variant, credentials, backendUrl, options }. Variants:
//   bare     - no middleware at all
//   noop     - app.use((req, res, next) => next()), the floor of any middleware
//   mca      - app.use(mcaOAuth())
//   static   - plain axios with a static header (axios's defaults: follow-redirects in the path)
//   static-direct - the same with maxRedirects: 0 (axios's native http path, which req.mcaClient's
//              transport uses for every hop since it follows redirects itself)
//   fetch-pair   - row 8's two routes in one process: GET /proxy-mca-fetch (mcaOAuth() as route
//              middleware, then req.mcaFetch) and GET /proxy-static-fetch (a no-op middleware,
//              then the global fetch with a static header); GET /proxy-manual-fetch (information:
//              the global fetch as each mcaFetch hop calls it, an init per call, redirect 'manual');
//              GET /proxy-shared-fetch (information: auth.fetch behind the no-op middleware);
//              GET /proxy-manual-fetch-again (the manual route once more: the method's noise floor)
//   axios-pair   - row 12's two routes in one process: GET /proxy-mca-axios (mcaOAuth() as route
//              middleware, then req.mcaClient) and GET /proxy-direct-axios (a no-op middleware, then
//              plain axios with a static header and maxRedirects: 0, axios at its cheapest)
//   hello-pair   - row 1's routes in one process: GET /hello-mca (mcaOAuth() as route middleware),
//              GET /hello-noop (a no-op middleware) and GET /hello-bare (none), all hello world;
//              GET /hello-noop-again (the no-op route once more: the method's noise floor)
//   iam-pair     - the peer row's two routes in one process, both with an IAM API key against the
//              same IAM server and back end: GET /proxy-mca-iam (mcaOAuth({ apikey, iamUrl }) as
//              route middleware, then req.mcaClient) and GET /proxy-sdk-iam (a no-op middleware,
//              then an axios instance whose request interceptor asks ibm-cloud-sdk-core's
//              IamAuthenticator for the header, as IBM Cloud users write it)
// Routes: GET /hello (hello world), GET /proxy (calls the back end through req.mcaClient, or
// through a plain axios instance with a static header when variant is 'static').
const express = require('express');
const axios = require('axios');
const { mcaOAuth } = require('express-mca-oauth');

const { variant, credentials, backendUrl, staticToken, iam, options = {} } = JSON.parse(process.argv[2]);
const app = express();
let auth;
if (variant === 'mca') {
  auth = mcaOAuth({ ...credentials, env: {}, envFile: false, protectedBackends: [backendUrl], ...options });
  app.use(auth);
  auth.provider.on('error', (e) => console.error('provider error:', e.code, e.message, e.attempts));
} else if (variant === 'noop' || variant === 'static' || variant === 'static-direct') {
  app.use((req, res, next) => next());
}
const staticClient = axios.create({
  headers: { Authorization: `Bearer ${staticToken}` },
  ...(variant === 'static-direct' ? { maxRedirects: 0 } : {}),
});

app.get('/hello', (req, res) => res.send('Hello World!'));
const staticInit = { headers: { Authorization: `Bearer ${staticToken}` } };
app.get('/proxy', async (req, res) => {
  try {
    const client = variant === 'mca' ? req.mcaClient : staticClient;
    const r = await client.get(`${backendUrl}/api/orders`);
    res.json(r.data);
  } catch (error) {
    res.status(502).json({ code: error.code ?? 'ERR', status: error.response?.status });
  }
});

if (variant === 'fetch-pair') {
  auth = mcaOAuth({ ...credentials, env: {}, envFile: false, protectedBackends: [backendUrl] });
  auth.provider.on('error', (e) => console.error('provider error:', e.code, e.message, e.attempts));
  const pass = (req, res, next) => next();
  const relay = async (res, response) => {
    const data = await response.json();
    if (!response.ok) return void res.status(502).json({ code: 'ERR', status: response.status });
    res.json(data);
  };
  const fail = (res, error) => res.status(502).json({ code: error.code ?? 'ERR' });
  app.get('/proxy-mca-fetch', auth, (req, res) =>
    req.mcaFetch(`${backendUrl}/api/orders`).then(
      (r) => relay(res, r),
      (e) => fail(res, e),
    ),
  );
  app.get('/proxy-static-fetch', pass, (req, res) =>
    fetch(`${backendUrl}/api/orders`, staticInit).then(
      (r) => relay(res, r),
      (e) => fail(res, e),
    ),
  );
  // Information, to split row 13's difference: the middleware's own fetch (auth.fetch) behind the
  // no-op middleware, the same wrapper without the middleware's per-request work.
  app.get('/proxy-shared-fetch', pass, (req, res) =>
    auth.fetch(`${backendUrl}/api/orders`).then(
      (r) => relay(res, r),
      (e) => fail(res, e),
    ),
  );
  // Information: the global fetch as each mcaFetch hop calls it (an init per call, redirect 'manual').
  const header = staticInit.headers.Authorization;
  const manual = (req, res) =>
    fetch(`${backendUrl}/api/orders`, { method: 'GET', headers: { authorization: header }, redirect: 'manual' }).then(
      (r) => relay(res, r),
      (e) => fail(res, e),
    );
  app.get('/proxy-manual-fetch', pass, manual);
  // The method's noise floor: the same route again (A/A), registered after the others.
  app.get('/proxy-manual-fetch-again', (req, res, next) => next(), manual);
}

if (variant === 'axios-pair' || variant === 'hello-pair') {
  auth = mcaOAuth({ ...credentials, env: {}, envFile: false, protectedBackends: [backendUrl] });
  auth.provider.on('error', (e) => console.error('provider error:', e.code, e.message, e.attempts));
  const pass = (req, res, next) => next();
  if (variant === 'hello-pair') {
    app.get('/hello-mca', auth, (req, res) => res.send('Hello World!'));
    app.get('/hello-noop', pass, (req, res) => res.send('Hello World!'));
    app.get('/hello-bare', (req, res) => res.send('Hello World!'));
    // The method's noise floor: a second no-op route, the same work as /hello-noop (A/A).
    app.get(
      '/hello-noop-again',
      (req, res, next) => next(),
      (req, res) => res.send('Hello World!'),
    );
  } else {
    const direct = axios.create({ headers: { Authorization: `Bearer ${staticToken}` }, maxRedirects: 0 });
    const proxy = (client, res) =>
      client.get(`${backendUrl}/api/orders`).then(
        (r) => res.json(r.data),
        (error) => res.status(502).json({ code: error.code ?? 'ERR', status: error.response?.status }),
      );
    app.get('/proxy-mca-axios', auth, (req, res) => proxy(req.mcaClient, res));
    app.get('/proxy-direct-axios', pass, (req, res) => proxy(direct, res));
  }
}

if (variant === 'iam-pair') {
  const { IamAuthenticator } = require('ibm-cloud-sdk-core');
  auth = mcaOAuth({ apikey: iam.apikey, iamUrl: iam.iamUrl, env: {}, envFile: false, protectedBackends: [backendUrl] });
  auth.provider.on('error', (e) => console.error('provider error:', e.code, e.message, e.attempts));
  const authenticator = new IamAuthenticator({ apikey: iam.apikey, url: iam.iamUrl });
  const sdkClient = axios.create({ maxRedirects: 0 });
  sdkClient.interceptors.request.use(async (config) => {
    await authenticator.authenticate(config);
    return config;
  });
  const pass = (req, res, next) => next();
  const proxy = (client) => async (res) => {
    try {
      res.json((await client.get(`${backendUrl}/api/orders`)).data);
    } catch (error) {
      res.status(502).json({ code: error.code ?? 'ERR', status: error.response?.status });
    }
  };
  app.get('/proxy-mca-iam', auth, (req, res) => proxy(req.mcaClient)(res));
  app.get('/proxy-sdk-iam', pass, (req, res) => proxy(sdkClient)(res));
}

const server = app.listen(0, '127.0.0.1', () => {
  process.send({ type: 'ready', url: `http://127.0.0.1:${server.address().port}` });
});
process.on('message', (message) => {
  // CPU time this process has used so far: the HTTP figures divide its growth by a fixed number
  // of requests (far steadier on a shared machine than req/s).
  if (message.type === 'cpu') process.send({ type: 'cpu', usage: process.cpuUsage() });
  if (message.type === 'stats') {
    if (global.gc) global.gc();
    const memory = process.memoryUsage();
    process.send({ type: 'stats', rss: memory.rss, heapUsed: memory.heapUsed, provider: auth ? auth.provider.stats() : undefined });
  }
});
process.on('disconnect', () => process.exit(0));
process.on('SIGTERM', () => process.exit(0));
