// A third-party OAuth 2.0 server (oauth2-mock-server) in its own process, since the package is
// ESM-only. Reports each token request it sees (headers and form fields) to the test over IPC.
import { OAuth2Server } from 'oauth2-mock-server';

const server = new OAuth2Server();
await server.issuer.keys.generate('RS256');
await server.start(0, '127.0.0.1');
server.service.on('beforeTokenSigning', (token, req) => {
  const body = { ...req.body };
  delete body.client_secret; // the test checks its presence, not its value
  process.send({
    type: 'token-request',
    authorization: req.headers.authorization ? req.headers.authorization.split(' ')[0] : null,
    contentType: req.headers['content-type'],
    body,
    hadClientSecret: typeof req.body.client_secret === 'string',
  });
  if (req.body.audience) token.payload.aud = req.body.audience;
  if (req.body.resource) token.payload.resource = req.body.resource;
});
// IPC messages arrive in order, but not in order with the HTTP answers: the test asks for a
// 'flushed' reply, after which every report of an earlier request has reached it.
process.on('message', (m) => {
  if (m?.type === 'flush') process.send({ type: 'flushed' });
});
process.send({ type: 'ready', url: server.issuer.url });
process.on('disconnect', async () => {
  await server.stop();
  process.exit(0);
});
