import { execFile, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

// The measure issue 23 set for the settings layer: following `options` from `mcaOAuth()` down to
// the token provider, call by call, enters no file more than three times and climbs back up a layer
// no more than three times. A child process runs the built package with every exported function,
// class and method of its own modules wrapped (test/helpers/call-path-tracer.js), for each of a
// representative set of configurations, and counts until the first provider is constructed.

const ROOT = join(__dirname, '..');
const DIST = join(ROOT, 'dist', 'index.js');
const TRACER = join(__dirname, 'helpers', 'call-path-tracer.js');

interface PathCount {
  entries: Record<string, number>;
  /** For each file, who called what in it, and how often. */
  calls: Record<string, Record<string, number>>;
  climbs: string[];
}

const SERVICES = {
  AppID: [
    {
      name: 'appid-1',
      credentials: {
        clientId: 'vcap-client',
        secret: 'vcap-secret',
        tenantId: 'vcap-tenant',
        oauthServerUrl: 'https://us-south.appid.cloud.ibm.com/oauth/v4/vcap-tenant',
      },
    },
  ],
};

// Each scenario is the body of a function of `dist` (the package) and `key` (a PEM private key) that
// returns the options of `mcaOAuth()`.
const SCENARIOS: Record<string, string> = {
  'plain MCA options': `({ env: {}, envFile: false, serverUrl: 'https://mca.example.com', tenantId: 'tenant-1', clientId: 'client-1', secret: 'secret-1' })`,
  'App ID via VCAP_SERVICES': `({ env: { VCAP_SERVICES: ${JSON.stringify(JSON.stringify(SERVICES))} }, envFile: false })`,
  'tokenUrl + private_key_jwt': `({ env: {}, envFile: false, tokenUrl: 'https://idp.example.com/oauth/token', clientId: 'client-1', privateKey: key, clientAuth: 'private_key_jwt', keyId: 'k1' })`,
  'IAM API key': `({ env: { MCA_APIKEY: 'api-key-1' }, envFile: false, scope: 'openid' })`,
  'three protectedBackends entries': `({
    env: {}, envFile: false, tokenUrl: 'https://idp.example.com/oauth/token', clientId: 'client-1', secret: 'secret-1', scope: 'orders:read',
    protectedBackends: [
      { match: 'https://orders.example.com', name: 'orders' },
      { match: 'https://billing.example.com', name: 'billing', clientId: 'billing-client', secret: 'billing-secret', tokenUrl: 'https://billing-idp.example.com/token' },
      { match: 'https://cos.example.com', name: 'cos', apikey: 'cos-api-key' },
    ],
  })`,
};

function measure(): Promise<Record<string, PathCount>> {
  const script = `
    const { generateKeyPairSync } = require('node:crypto');
    const { trace } = require(${JSON.stringify(TRACER)});
    const dist = require(${JSON.stringify(DIST)});
    const key = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' });
    const scenarios = { ${Object.entries(SCENARIOS)
      .map(([name, body]) => `${JSON.stringify(name)}: () => ${body}`)
      .join(',\n')} };
    // The path ends where the first provider is constructed: what follows is wiring, not settings.
    const built = (file, name) => name === 'new DefaultTokenProvider' || name === 'new OnBehalfOfProvider';
    const results = {};
    const middlewares = [];
    for (const [name, options] of Object.entries(scenarios)) {
      const opts = options();
      results[name] = trace(() => middlewares.push(dist.mcaOAuth(opts)), built);
    }
    Promise.all(middlewares.map((m) => m.close())).then(() => process.stdout.write(JSON.stringify(results)));
  `;
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['-e', script], { env: { ...process.env, NODE_OPTIONS: '' } }, (error, stdout, stderr) =>
      error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(JSON.parse(stdout) as Record<string, PathCount>),
    );
  });
}

let results: Record<string, PathCount>;

beforeAll(async () => {
  // `npm test` builds dist/ first; a lone run of this file builds it when it is missing.
  if (!existsSync(DIST)) execFileSync(process.execPath, [join(ROOT, 'scripts', 'build.js')], { cwd: ROOT, stdio: 'ignore' });
  results = await measure();
  for (const [name, { entries, calls, climbs }] of Object.entries(results)) {
    const files = Object.entries(entries).sort(([a, x], [b, y]) => y - x || a.localeCompare(b));
    const total = files.reduce((sum, [, n]) => sum + n, 0);
    // Printed so that a change shows what it did to the path (and a failure, where).
    process.stdout.write(
      `${name}: ${files.length} files entered ${total} times, ${climbs.length} climbs\n` +
        files
          .map(([file, n]) => {
            // Over the bound: which calls went in, to show where the path keeps coming back.
            const detail = n > 3 ? Object.entries(calls[file] ?? {}).map(([call, k]) => `        ${k} × ${call}\n`) : [];
            return `  ${String(n).padStart(3)} ${file}\n${detail.join('')}`;
          })
          .join('') +
        climbs.map((climb) => `  climb: ${climb}\n`).join(''),
    );
  }
}, 60_000);

it.each(Object.keys(SCENARIOS))('%s: reaches the provider', (name) => {
  // The tracer saw the path at all: the resolution's own files and the provider's construction.
  expect(Object.keys(results[name]!.entries).some((file) => file.startsWith('settings/'))).toBe(true);
});

it.each(Object.keys(SCENARIOS))('%s: enters no file more than three times', (name) => {
  const over = Object.entries(results[name]!.entries).filter(([, n]) => n > 3);
  expect(over).toEqual([]);
});

it.each(Object.keys(SCENARIOS))('%s: climbs back to a higher layer at most three times', (name) => {
  expect(results[name]!.climbs.length).toBeLessThanOrEqual(3);
});
