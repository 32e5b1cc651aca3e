// A third-party OAuth 2.0 server (oidc-provider, ESM-only) in its own process. It authenticates
// clients with private_key_jwt itself: signature against the client's registered JWKS, `alg`,
// `iss` = client_id, `aud`, `exp`, `jti` present and never replayed. The hook below adds the
// checks the package leaves to deployments (sub, iat, a short lifetime, a required x5t#S256) and
// reports every assertion it accepted to the test over IPC.
import http from 'node:http';
import Provider, { errors } from 'oidc-provider';

const config = await new Promise((resolve) => process.once('message', resolve));
const server = http.createServer();
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const issuer = `http://127.0.0.1:${server.address().port}`;

const provider = new Provider(issuer, {
  clients: config.clients.map(({ clientId, jwks }) => ({
    client_id: clientId,
    token_endpoint_auth_method: 'private_key_jwt',
    grant_types: ['client_credentials'],
    redirect_uris: [],
    response_types: [],
    jwks,
  })),
  clientAuthMethods: ['private_key_jwt'],
  enabledJWA: { clientAuthSigningAlgValues: ['RS256', 'PS256', 'ES256'] },
  features: { clientCredentials: { enabled: true }, devInteractions: { enabled: false } },
  async assertJwtClientAuthClaimsAndHeader(ctx, claims, header, client) {
    if (claims.sub !== client.clientId) throw new errors.InvalidClientAuth('sub must be the client_id');
    if (typeof claims.iat !== 'number' || claims.exp - claims.iat > 300) throw new errors.InvalidClientAuth('iat missing or lifetime too long');
    const wanted = config.requireX5tS256?.[client.clientId];
    if (wanted && header['x5t#S256'] !== wanted) throw new errors.InvalidClientAuth('x5t#S256 does not name the registered certificate');
    process.send({
      type: 'assertion',
      clientId: client.clientId,
      authorization: ctx.get('authorization') || null,
      header,
      claims,
      assertion: ctx.oidc.params.client_assertion,
      form: Object.keys(ctx.oidc.params).filter((k) => ctx.oidc.params[k] !== undefined),
    });
  },
});
provider.on('grant.error', (ctx, error) =>
  process.send({ type: 'rejected', error: error.error, description: error.error_description, detail: error.error_detail }),
);
server.on('request', provider.callback());
process.send({ type: 'ready', issuer, tokenUrl: `${issuer}/token` });
process.on('disconnect', () => {
  server.close();
  process.exit(0);
});
