// oidc-provider (ESM-only) in its own process, with DPoP on (RFC 9449): client credentials for a
// client registered with `dpop_bound_access_tokens: true` (a token request without a valid proof
// is refused), a nonce required in every proof when the test asks (`requireNonce`), and
// introspection, through which the test's back end reads a token's `cnf.jkt`. Every refused grant
// is reported to the test over IPC.
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import Provider from 'oidc-provider';

const config = await new Promise((resolve) => process.once('message', resolve));
const server = http.createServer();
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const issuer = `http://127.0.0.1:${server.address().port}`;

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: config.clientId,
      client_secret: config.secret,
      token_endpoint_auth_method: 'client_secret_basic',
      grant_types: ['client_credentials'],
      redirect_uris: [],
      response_types: [],
      dpop_bound_access_tokens: true,
    },
  ],
  features: {
    clientCredentials: { enabled: true },
    introspection: { enabled: true },
    devInteractions: { enabled: false },
    dPoP: { enabled: true, nonceSecret: randomBytes(32), requireNonce: () => config.requireNonce },
  },
});
provider.on('grant.error', (ctx, error) => process.send({ type: 'rejected', error: error.error, description: error.error_description }));
provider.on('grant.success', (ctx) => process.send({ type: 'granted', proof: ctx.get('dpop') || null }));
server.on('request', provider.callback());
process.send({ type: 'ready', issuer, tokenUrl: `${issuer}/token`, introspectionUrl: `${issuer}/token/introspection` });
process.on('disconnect', () => {
  server.close();
  process.exit(0);
});
