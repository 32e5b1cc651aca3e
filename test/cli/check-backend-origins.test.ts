// `check --backend NAME`: a setting the chosen entry sets itself is shown as coming from that
// entry of the JSON file, not from a flag that was never given; the rest keeps its own origin.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/run-cli';
import { startClaimsTokenServer, type ClaimsTokenServer } from '../helpers/claims-token-server';

const MAIN_SECRET = 'main-s3cret-value';
const INV_SECRET = 'inventory-s3cret-value';
let tokens: ClaimsTokenServer;
beforeEach(async () => {
  tokens = await startClaimsTokenServer({ 'main-client': MAIN_SECRET, 'inv-client': INV_SECRET });
});
afterEach(() => tokens.close());

async function run(args: string[]): Promise<{ status: number; out: string }> {
  const { status, text } = await runCli(args);
  return { status, out: text };
}

it('names the entry and the file for what the entry sets, and the flag for what it inherits', async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'mca-cli-')), 'backends.json');
  writeFileSync(
    file,
    JSON.stringify([
      { match: 'https://billing.example.com', scope: 'billing:write', name: 'billing' },
      {
        match: 'https://inventory.example.com',
        name: 'inventory',
        clientId: 'inv-client',
        secret: INV_SECRET,
        tokenUrl: tokens.url,
        acceptRedirectsFrom: ['billing'],
      },
    ]),
  );
  const common = ['--no-env-file', '--client-id', 'main-client', '--secret', MAIN_SECRET, '--token-url', tokens.url, '--backends-file', file];

  const billing = await run(['check', ...common, '--backend', 'billing']);
  expect(billing.status).toBe(0);
  expect(billing.out).toMatch(new RegExp(`^scope\\s+billing:write\\s+from protectedBackends\\[0\\]\\.scope in ${file.replace(/[.\\/]/g, '\\$&')}$`, 'm'));
  expect(billing.out).toMatch(/^clientId\s+main-client\s+from flag --client-id$/m);
  expect(billing.out).not.toMatch(/from flag --scope/);

  const inventory = await run(['check', ...common, '--backend', 'inventory']);
  expect(inventory.status).toBe(0);
  expect(inventory.out).toMatch(/^clientId\s+inv-client\s+from protectedBackends\[1\]\.clientId in /m);
  expect(inventory.out).toMatch(/^secret\s+\*\*\*\* fingerprint [0-9a-f]{12}\s+from protectedBackends\[1\]\.secret in /m);
  expect(inventory.out).toMatch(/^tokenUrl\s+http:\/\/127\.0\.0\.1:\d+\/oauth\/token\s+from protectedBackends\[1\]\.tokenUrl in /m);
  expect(inventory.out).not.toContain(INV_SECRET);
  expect(tokens.issued.map((t) => t.claims)).toEqual([{ client: 'main-client', scope: 'billing:write' }, { client: 'inv-client' }]);
});
