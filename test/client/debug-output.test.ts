// Issue 10, item 10 (the req.mcaClient side): with DEBUG=*, follow-redirects (under axios's http
// adapter) logs request options, header included. Nothing that goes through req.mcaClient may put
// a token or a Basic credential in DEBUG=* output, redirects included.
import { spawn } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

function run(): Promise<{ stdout: string; stderr: string; code: number | null }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(__dirname, 'fixtures', 'debug-child.js'), join(ROOT, 'dist', 'index.js')], {
      env: { ...process.env, DEBUG: '*', DEBUG_DEPTH: '10', DEBUG_COLORS: 'no' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (code) => resolve({ stdout, stderr, code }));
  });
}

it('DEBUG=* output of calls through req.mcaClient holds no token and no Basic credential', async () => {
  const { stdout, stderr, code } = await run();
  expect(code).toBe(0);
  const lines = stdout.trimEnd().split('\n');
  const { secrets } = JSON.parse(lines.pop()!) as { secrets: string[] };
  expect(secrets.length).toBeGreaterThan(3);
  // DEBUG is really on: the package's own namespace logged the token fetches.
  expect(stderr).toContain('express-mca-oauth');
  const output = `${lines.join('\n')}\n${stderr}`;
  expect(secrets.filter((s) => output.includes(s))).toEqual([]);
});
