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
