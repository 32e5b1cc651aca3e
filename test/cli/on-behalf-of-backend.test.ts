// `token --backend NAME` for an entry called on behalf of end users: the CLI has no user, and the
// app's own token for that entry is one the middleware never sends there. Refused, no token request.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/run-cli';
import { startClaimsTokenServer, type ClaimsTokenServer } from '../helpers/claims-token-server';

const SECRET = 'main-s3cret-value';
let tokens: ClaimsTokenServer;
beforeEach(async () => {
  tokens = await startClaimsTokenServer({ 'main-client': SECRET });
});
afterEach(() => tokens.close());

it('token --backend of an onBehalfOf entry is refused with ERR_MCA_INVALID_ON_BEHALF_OF, and asks the server nothing', async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'mca-cli-')), 'backends.json');
  writeFileSync(file, JSON.stringify([{ match: 'https://orders.example.com', name: 'orders', onBehalfOf: true, audience: 'orders-api' }]));
  const run = await runCli([
    'token',
    '--no-env-file',
    '--client-id',
    'main-client',
    '--secret',
    SECRET,
    '--token-url',
    tokens.url,
    '--backends-file',
    file,
    '--backend',
    'orders',
  ]);
  expect(run.status).not.toBe(0);
  expect(run.text).toContain('ERR_MCA_INVALID_ON_BEHALF_OF');
  expect(run.text).not.toContain(SECRET);
  expect(tokens.issued).toEqual([]);
});
