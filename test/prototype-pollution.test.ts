// Issue 21, row 7: the built package loads and decides the same when another library has put
// enumerable properties on Object.prototype before it is loaded (the bundled quick-lru's esbuild
// helper walked them with `for…in` and threw "Getter must be a function"). Child processes, since
// the pollution must come before the first require.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..');
const DIST = join(ROOT, 'dist', 'index.js');

function run(mode: 'clean' | 'polluted'): unknown[] {
  const out = execFileSync(process.execPath, [join(__dirname, 'client', 'fixtures', 'polluted-child.js'), DIST, mode], { encoding: 'utf8', timeout: 30_000 });
  return JSON.parse(out) as unknown[];
}

it('require() of the package (and its Redis entry) works with an enumerable Object.prototype property', () => {
  for (const entry of [DIST, join(ROOT, 'dist', 'redis', 'index.js')]) {
    const script = `Object.prototype.polluted = 1; const m = require(${JSON.stringify(entry)}); process.stdout.write(Object.keys(m).length > 0 ? 'ok' : 'empty');`;
    expect(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' })).toBe('ok');
  }
});

it('pollution changes no decision: where the token goes through axios (http, fetch adapters) and fetch', () => {
  const clean = run('clean');
  // A listed back end gets the token, an unlisted one and another entry's redirect target none.
  expect(clean).toContainEqual(['partner', '/a', true]);
  expect(clean).toContainEqual(['outside', '/b', false]);
  expect(clean).toContainEqual(['admin', '/c', false]);
  expect(run('polluted')).toEqual(clean);
});

it('pollution changes no decision: an IAM entry does not read a polluted key setting as the middleware’s', () => {
  // Found by differential testing of the settings rewrite: the entry's inherited settings were a
  // plain object, and `Object.prototype.privateKeyFile` read as a client-assertion setting beside
  // the entry's API key (ERR_MCA_CONFLICTING_OPTIONS).
  const script = `
    const { mcaOAuth } = require(${JSON.stringify(DIST)});
    if (process.argv[1] === 'polluted') Object.prototype.privateKeyFile = 'polluted';
    try {
      const mw = mcaOAuth({ clientId: 'c', secret: 's', tokenUrl: 'https://auth.example.com/token', env: {}, envFile: false,
        protectedBackends: [{ match: 'https://cos.example.com/', name: 'cos', apikey: 'k-0123456789abcdefghijklmnopqrstuvwxyz' }] });
      process.stdout.write(JSON.stringify(Object.keys(mw.stats())));
      void mw.close();
    } catch (error) { process.stdout.write(String(error.code)); }`;
  const ask = (mode: string): string => execFileSync(process.execPath, ['-e', script, mode], { encoding: 'utf8' });
  expect(ask('clean')).toBe('["default","cos"]');
  expect(ask('polluted')).toBe(ask('clean'));
});

it.each([
  ['problem', 'polluted'],
  ['problem', 0],
  ['fallback', 'polluted'],
  ['fallback', null],
  ['env', null],
])('pollution changes no decision: Object.prototype.%s = %p is not read as a setting’s error or default', (key, value) => {
  // Found by differential testing of the settings rewrite against the build before it: the
  // resolved record's entries and the table's rows are plain objects, so a polluted `problem` made
  // every read of a setting throw a TypeError (the middleware, the provider, the certificate flow's
  // MCA_ALLOW_INSECURE_HTTP), and a polluted `fallback` became the default of every setting that
  // has none (`apikey` and the profile "from the default"); a polluted `env` became the variables
  // of every row that has none (a TypeError for null).
  const script = `
    const { mcaOAuth, createTokenProvider, getAuthorizationHeaderByCertificate } = require(${JSON.stringify(DIST)});
    if (process.argv[1] === 'polluted') Object.defineProperty(Object.prototype, ${JSON.stringify(key)}, { value: ${JSON.stringify(value)}, configurable: true, writable: true });
    const outcome = (f) => { try { return f(); } catch (error) { return String(error.code ?? error.name); } };
    const results = [];
    results.push(outcome(() => {
      const mw = mcaOAuth({ clientId: 'c', secret: 's', tokenUrl: 'https://auth.example.com/token', env: {}, envFile: false,
        protectedBackends: [{ match: 'https://cos.example.com/', name: 'cos', apikey: 'k-0123456789abcdefghijklmnopqrstuvwxyz' },
          { match: 'https://own.example.com/', name: 'own', clientId: 'o', secret: 'os', tokenUrl: 'https://own.example.com/token' }] });
      void mw.close();
      return Object.keys(mw.stats());
    }));
    results.push(outcome(() => { const p = createTokenProvider({ apikey: 'k-0123456789abcdefghijklmnopqrstuvwxyz', env: {}, envFile: false }); void p.close(); return 'provider'; }));
    getAuthorizationHeaderByCertificate({ appId: 'app-1' }).then(
      () => results.push('header'),
      (error) => results.push(String(error.code ?? error.name)),
    ).then(() => process.stdout.write(JSON.stringify(results)));`;
  const ask = (mode: string): string => execFileSync(process.execPath, ['-e', script, mode], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '' } });
  const clean = ask('clean');
  expect(JSON.parse(clean)).toEqual([['default', 'cos', 'own'], 'provider', expect.stringMatching(/^ERR_MCA_|MISSING/)]);
  expect(ask('polluted')).toBe(clean);
});

it.each(['tokenUrl', 'serverUrl', 'oauthServerUrl'])(
  'pollution changes no decision: Object.prototype.%s leaves an entry with a client of its own on the middleware’s token server',
  (key) => {
    // Found by differential testing of the settings rewrite: the build before it read an entry's
    // own fields from a plain object, so a polluted endpoint counted as "the entry names its token
    // server" and the entry failed with ERR_MCA_MISSING_SERVER_URL. The rewrite reads own fields
    // only; this keeps it so.
    const script = `
      const { mcaOAuth } = require(${JSON.stringify(DIST)});
      if (process.argv[1] === 'polluted') Object.prototype[${JSON.stringify(key)}] = 'https://polluted.example.com/token';
      try {
        const mw = mcaOAuth({ clientId: 'c', secret: 's', tokenUrl: 'https://auth.example.com/token', env: {}, envFile: false,
          protectedBackends: [{ match: 'https://own.example.com/', name: 'own', clientId: 'o', secret: 'os' }] });
        process.stdout.write(JSON.stringify([...mw.backends].map(([name, provider]) => [name, provider.tokenUrl])));
        void mw.close();
      } catch (error) { process.stdout.write(String(error.code)); }`;
    const ask = (mode: string): string => execFileSync(process.execPath, ['-e', script, mode], { encoding: 'utf8' });
    const clean = ask('clean');
    expect(JSON.parse(clean)).toEqual([
      ['default', 'https://auth.example.com/token'],
      ['own', 'https://auth.example.com/token'],
    ]);
    expect(ask('polluted')).toBe(clean);
  },
);

it('pollution changes no decision: a polluted Object.prototype.dpop does not make a token DPoP-bound', () => {
  // Found by the differential attack on the settings rewrite (pre-existing): the configuration had
  // no own `dpop` key, so the token core read a polluted one as a binding and every token request
  // failed ("reading 'proof'").
  const script = `
    const http = require('node:http');
    const { mcaOAuth } = require(${JSON.stringify(DIST)});
    const server = http.createServer((req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ access_token: 'token-' + String(Object.hasOwn(req.headers, 'dpop')), token_type: 'Bearer', expires_in: 3600 }));
    });
    server.listen(0, '127.0.0.1', async () => {
      const mw = mcaOAuth({ clientId: 'c', secret: 's', tokenUrl: 'http://127.0.0.1:' + server.address().port + '/token', env: {}, envFile: false });
      if (process.argv[1] === 'polluted') Object.prototype.dpop = {};
      let answer;
      try { answer = await mw.authorization(); } catch (error) { answer = String(error.code ?? error.message); }
      delete Object.prototype.dpop;
      await mw.close();
      server.close();
      process.stdout.write(answer);
    });`;
  const ask = (mode: string): string => execFileSync(process.execPath, ['-e', script, mode], { encoding: 'utf8', timeout: 30_000 });
  expect(ask('clean')).toBe('Bearer token-false');
  expect(ask('polluted')).toBe(ask('clean'));
});
