// docs/testing.md shows this file as it is (a test fails when the two differ), and the package
// test runs it against the packed tarball under Jest's default configuration.
const express = require('express');
const request = require('supertest');
const nock = require('nock');
const { mcaOAuth } = require('express-mca-oauth');

// Your app, built by a function so that each test gets its own middleware.
function buildApp(auth) {
  const app = express();
  app.use(auth);
  app.get('/orders', async (req, res, next) => {
    try {
      const { data } = await req.mcaClient.get('https://orders.example.com/api/orders');
      res.json(data);
    } catch (error) {
      next(error);
    }
  });
  app.get('/stock', async (req, res, next) => {
    try {
      const response = await req.mcaFetch('https://orders.example.com/api/stock');
      res.status(response.status).json(await response.json());
    } catch (error) {
      next(error);
    }
  });
  // The package's errors carry a stable `code` (docs/errors.md) and an HTTP `status` (503 when no
  // token could be had), and never the token or the secret.
  app.use((error, req, res, _next) => res.status(error.status ?? 500).json({ code: error.code }));
  return app;
}

// `env` stands in for process.env and `envFile: false` skips .env: the test sees only these
// settings, whatever the machine it runs on has set. `retries: 0` makes a failure fail at once.
const settings = {
  env: {
    MCA_CLIENT_ID: 'test-client',
    MCA_SECRET: 'test-secret',
    MCA_TOKEN_URL: 'https://idp.example.com/oauth/token',
    MCA_PROTECTED_BACKENDS: 'https://orders.example.com',
  },
  envFile: false,
  retries: 0,
};

// A fake token server: nock answers the client-credentials request the middleware makes.
const tokenServer = () =>
  nock('https://idp.example.com')
    .post('/oauth/token', 'grant_type=client_credentials')
    .basicAuth({ user: 'test-client', pass: 'test-secret' })
    .reply(200, { access_token: 'test-token', token_type: 'Bearer', expires_in: 3600 });

let auth;
beforeAll(() => {
  nock.disableNetConnect();
  nock.enableNetConnect('127.0.0.1'); // supertest's own server
});
beforeEach(() => {
  auth = mcaOAuth(settings);
});
afterEach(async () => {
  await auth.close(); // stops the token timers: Jest exits without --forceExit
  nock.cleanAll();
});
afterAll(() => nock.enableNetConnect());

test('the back end gets the token through req.mcaClient', async () => {
  const idp = tokenServer();
  const orders = nock('https://orders.example.com', { reqheaders: { authorization: 'Bearer test-token' } })
    .get('/api/orders')
    .reply(200, [{ id: 1 }]);
  await request(buildApp(auth))
    .get('/orders')
    .expect(200, [{ id: 1 }]);
  idp.done();
  orders.done();
});

test('and through req.mcaFetch, with one token request for both', async () => {
  const idp = tokenServer(); // answers once: a second token request would fail the test
  const backend = nock('https://orders.example.com', { reqheaders: { authorization: 'Bearer test-token' } })
    .get('/api/orders')
    .reply(200, [])
    .get('/api/stock')
    .reply(200, { left: 3 });
  const app = buildApp(auth);
  await request(app).get('/orders').expect(200);
  await request(app).get('/stock').expect(200, { left: 3 });
  idp.done();
  backend.done();
});

test('a token server that refuses the client makes the route fail, with no call to the back end', async () => {
  nock('https://idp.example.com').post('/oauth/token').reply(401, { error: 'invalid_client' });
  const orders = nock('https://orders.example.com').get('/api/orders').reply(200, []);
  const response = await request(buildApp(auth)).get('/orders');
  expect(response.status).toBe(503);
  expect(response.body).toEqual({ code: 'ERR_MCA_INVALID_CLIENT' });
  expect(orders.isDone()).toBe(false);
});
