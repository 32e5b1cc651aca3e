import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

// The README is the front door and docs/ holds the guides: these tests keep the two honest about
// the code (every code and variable the package uses is documented) and about each other (no dead
// link, the testing recipe shown is the one the suite runs).
const root = join(__dirname, '..');
const read = (file: string): string => readFileSync(join(root, file), 'utf8');
const guides = readdirSync(join(root, 'docs'))
  .filter((f) => f.endsWith('.md'))
  .map((f) => join('docs', f));
const allDocs = ['README.md', ...guides].map(read).join('\n');

function libSources(dir = join(root, 'lib')): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? libSources(join(dir, e.name)) : e.name.endsWith('.ts') ? [readFileSync(join(dir, e.name), 'utf8')] : [],
  );
}
const lib = libSources().join('\n');
const namesIn = (text: string, pattern: RegExp): string[] => [...new Set([...text.matchAll(pattern)].map((m) => m[0]))].sort();

describe('README and docs/', () => {
  it('the README is a front door: at most 250 lines, none over 200 characters, install command first', () => {
    const readme = read('README.md');
    const lines = readme.split('\n');
    expect(lines.length).toBeLessThanOrEqual(250);
    expect(lines.filter((l) => l.length > 200)).toEqual([]);
    expect(readme.indexOf('npm install express-mca-oauth')).toBeGreaterThan(0);
    expect(readme.indexOf('npm install express-mca-oauth')).toBeLessThan(readme.indexOf('app.use(auth)'));
  });

  it('every ERR_MCA_* code the package uses is in docs/errors.md', () => {
    const errors = read('docs/errors.md');
    const codes = namesIn(lib, /\bERR_MCA_[A-Z0-9_]*[A-Z0-9]\b/g);
    expect(codes.length).toBeGreaterThan(30);
    expect(codes.filter((code) => !errors.includes(code))).toEqual([]);
  });

  it('every MCA_* variable and warning code the package uses is documented', () => {
    const names = namesIn(lib, /\bMCA_[A-Z0-9_]*[A-Z0-9]\b/g);
    expect(names.length).toBeGreaterThan(30);
    expect(names.filter((name) => !new RegExp(`\\b${name}\\b`).test(allDocs))).toEqual([]);
  });

  it('every relative link of the README and the guides points at a file that exists, and every #anchor at a heading', () => {
    const slug = (heading: string): string =>
      heading
        .trim()
        .toLowerCase()
        .replace(/[^\w\- ]/g, '')
        .replace(/ /g, '-');
    const anchorsOf = (file: string): Set<string> =>
      new Set(
        [...read(file).matchAll(/^#+ (.*)$/gm)]
          .map((m) => slug(m[1]!.replace(/`/g, '')))
          .concat([...read(file).matchAll(/^#+ (.*)$/gm)].map((m) => slug(m[1]!))),
      );
    const broken: string[] = [];
    for (const file of ['README.md', ...guides]) {
      const text = read(file).replace(/```[\s\S]*?```/g, '');
      for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^(https?|mailto):/.test(target!)) continue;
        const [path, anchor] = target!.split('#');
        const resolved = path ? resolve(dirname(join(root, file)), path) : join(root, file);
        if (!existsSync(resolved)) broken.push(`${file}: ${target}`);
        else if (anchor && resolved.endsWith('.md') && !anchorsOf(resolved.slice(root.length + 1)).has(anchor)) broken.push(`${file}: ${target}`);
      }
    }
    expect(broken).toEqual([]);
  });

  it('docs/testing.md shows the recipe file the package test runs, as it is', () => {
    const recipe = read('test/consumers/jest/testing-your-app.test.js');
    const shown = /<!-- the file test\/consumers\/jest\/testing-your-app\.test\.js, as it is -->\n\n```js\n([\s\S]*?)```/.exec(read('docs/testing.md'));
    expect(shown?.[1]).toBe(recipe);
  });
});
