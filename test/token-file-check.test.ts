// What `check` says of a token file (issue 22's mutation run): how long ago the platform wrote it,
// and when the JWT in it expires, or that it already has, or that it says nothing of it. An operator
// reads this line to tell a stale mount from a fresh one; the content itself never appears.
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../lib/cli/main';
import { startTokenServer, type TokenServer } from './helpers/token-server';

const part = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
const jwt = (claims: Record<string, unknown>): string => `${part({ alg: 'RS256', typ: 'JWT' })}.${part({ sub: 'workload', ...claims })}.c2lnbmF0dXJl`;

describe('`check` on a clientAssertionFile', () => {
  let dir: string;
  let tokens: TokenServer;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mca-token-file-check-'));
    tokens = await startTokenServer();
  });
  afterAll(async () => {
    await tokens.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** The `assertionFile` line of `check` for a file holding `token`, last written `ageSeconds` ago. */
  async function checkLine(name: string, token: string, ageSeconds = 0): Promise<string> {
    const file = join(dir, name);
    writeFileSync(file, `${token}\n`);
    const written = (Date.now() - ageSeconds * 1000) / 1000;
    utimesSync(file, written, written);
    const out: string[] = [];
    const args = ['--no-env-file', '--token-url', `${tokens.origin}/token`, '--client-id', 'workload', '--client-assertion-file', file];
    await main(
      ['check', ...args],
      (line) => out.push(line),
      () => undefined,
    );
    const line = out.join('\n').match(/^assertionFile\s+(.*)$/m)?.[1];
    expect(out.join('\n')).not.toContain(token);
    return line ?? out.join('\n');
  }

  it('a JWT valid for an hour, written five minutes ago', async () => {
    const now = Math.floor(Date.now() / 1000);
    const line = await checkLine('fresh', jwt({ iat: now - 300, exp: now + 3600 }), 300);
    expect(line).toMatch(/, written (29\d|30\d) s ago, JWT expires in 3[56]\d\d s, read at each token request/);
  });

  it('an expired JWT says so, and by how much', async () => {
    const now = Math.floor(Date.now() / 1000);
    const line = await checkLine('expired', jwt({ iat: now - 3720, exp: now - 120 }), 3720);
    expect(line).toMatch(/, JWT EXPIRED 1[12]\d s ago, /);
  });

  it.each([
    ['no exp claim', '{"sub":"workload"}'],
    ['an exp that is a string', '{"sub":"workload","exp":"4102444800"}'],
    ['an exp too large to be a time', '{"sub":"workload","exp":1e400}'],
  ])('a JWT with %s says it has none', async (name, payload) => {
    const token = `${part({ alg: 'RS256', typ: 'JWT' })}.${Buffer.from(payload).toString('base64url')}.c2lnbmF0dXJl`;
    const line = await checkLine(name.replace(/\W+/g, '-'), token);
    expect(line).toMatch(/, written [01] s ago, no exp claim, /);
  });

  it('a file whose time is ahead of this clock (another host wrote it) is written 0 s ago, never a negative age', async () => {
    const line = await checkLine('ahead', jwt({ exp: Math.floor(Date.now() / 1000) + 600 }), -120);
    expect(line).toMatch(/, written 0 s ago, /);
  });
});
