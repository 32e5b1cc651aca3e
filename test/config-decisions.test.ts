// Configuration decisions that a hand-made mutation probe (issue 22) found unprotected: what counts
// as a loopback host, userinfo with a user name and no password, and what a token file may hold.
// Each is right today; each table fails when a plausible one-line bug changes it.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTokenProvider, isMcaConfigError, mcaOAuth, type TokenProvider } from '../lib';
import { startTokenServer, type TokenServer } from './helpers/token-server';

/** The config error `build` throws, or 'built' (what was built is closed). */
function outcome(build: () => { close(): Promise<void> }): string {
  try {
    void build().close();
    return 'built';
  } catch (error) {
    if (!isMcaConfigError(error)) throw error;
    return error.code;
  }
}

const provider =
  (tokenUrl: string, extra: Record<string, unknown> = {}) =>
  () =>
    createTokenProvider({ env: {}, envFile: false, clientId: 'c', secret: 's', tokenUrl, ...extra });

describe('what counts as loopback: the one place plain http:// may carry the client credentials', () => {
  it.each([
    ['127.0.0.1', 'http://127.0.0.1:8080/token'],
    ['the top of 127.0.0.0/8', 'http://127.255.255.254/token'],
    ['localhost', 'http://localhost:8080/token'],
    ['localhost, upper case', 'http://LOCALHOST:8080/token'],
    ['localhost. (the trailing dot of a fully qualified name)', 'http://localhost.:8080/token'],
    ['[::1]', 'http://[::1]:8080/token'],
    ['127.1 (WHATWG reads it as 127.0.0.1)', 'http://127.1/token'],
  ])('%s is loopback', (_case, tokenUrl) => {
    expect(outcome(provider(tokenUrl))).toBe('built');
  });

  it.each([
    ['a name that starts with 127.0.0.1', 'http://127.0.0.1.nip.io/token'],
    ['a name that starts with localhost', 'http://localhost.example.com/token'],
    ['a name that ends with localhost', 'http://mylocalhost/token'],
    ['a name that ends with localhost after a dot', 'http://evil.localhost.example/token'],
    ['::2', 'http://[::2]/token'],
    ['an IPv4-mapped 127.0.0.1', 'http://[::ffff:127.0.0.1]/token'],
    ['0.0.0.0', 'http://0.0.0.0/token'],
    ['128.0.0.1', 'http://128.0.0.1/token'],
  ])('%s is not: plain http:// there is refused', (_case, tokenUrl) => {
    expect(outcome(provider(tokenUrl))).toBe('ERR_MCA_INVALID_TOKEN_URL');
    // …unless the operator opts in, which shows the refusal was the cleartext rule.
    expect(outcome(provider(tokenUrl, { allowInsecureHttp: true }))).toBe('built');
  });

  it.each([
    ['http://127.0.0.1.nip.io', 'ERR_MCA_INVALID_PROTECTED_BACKENDS'],
    ['http://localhost.example.com', 'ERR_MCA_INVALID_PROTECTED_BACKENDS'],
    ['http://localhost.:8080', 'built'],
    ['http://127.0.0.1:8080', 'built'],
  ])('a protectedBackends entry %s: %s', (entry, expected) => {
    const build = () => mcaOAuth({ env: {}, envFile: false, clientId: 'c', secret: 's', tokenUrl: 'https://id.example.com/token', protectedBackends: [entry] });
    expect(outcome(build)).toBe(expected);
  });
});

describe('userinfo with a user name and no password is userinfo', () => {
  it.each([
    ['tokenUrl', { tokenUrl: 'https://svc-user@id.example.com/token' }, 'ERR_MCA_INVALID_TOKEN_URL'],
    ['tokenUrl, a password alone', { tokenUrl: 'https://:pa55@id.example.com/token' }, 'ERR_MCA_INVALID_TOKEN_URL'],
    ['serverUrl', { tokenUrl: undefined, tenantId: 't', serverUrl: 'https://svc-user@mca.example.com' }, 'ERR_MCA_INVALID_SERVER_URL'],
    [
      'iamUrl',
      { clientId: undefined, secret: undefined, tokenUrl: undefined, apikey: 'k'.repeat(44), iamUrl: 'https://svc-user@iam.example.com' },
      'ERR_MCA_INVALID_IAM_URL',
    ],
  ])('%s with a user name only is refused', (_case, options, code) => {
    expect(outcome(() => createTokenProvider({ env: {}, envFile: false, clientId: 'c', secret: 's', ...options }))).toBe(code);
  });

  it.each(['https://svc-user@orders.example.com', 'https://:pa55@orders.example.com'])('a protectedBackends entry %s is refused', (entry) => {
    const build = () => mcaOAuth({ env: {}, envFile: false, clientId: 'c', secret: 's', tokenUrl: 'https://id.example.com/token', protectedBackends: [entry] });
    expect(outcome(build)).toBe('ERR_MCA_INVALID_PROTECTED_BACKENDS');
  });
});

describe('what a token file may hold (clientAssertionFile): one compact JWT, whitespace around it', () => {
  const JWT = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ3b3JrbG9hZCJ9.c2lnbmF0dXJl';
  const MAX = 64 * 1024;
  const big = (size: number) => `a.${'b'.repeat(size - 4)}.c`;
  const cases: [string, string, string | RegExp][] = [
    ['a JWT', JWT, JWT],
    ['a JWT and a newline (echo)', `${JWT}\n`, JWT],
    ['a JWT between spaces, tabs and CRLF', ` \t${JWT}\r\n`, JWT],
    ['a JWT of exactly 64 KiB', big(MAX), big(MAX)],
    ['nothing', '', /the file is empty/],
    ['only whitespace', ' \n\t\n', /the file is empty/],
    ['a JWT, then another line', `${JWT}\nMCA_SECRET=s3cr3t`, /does not hold a JWT/],
    ['a line, then a JWT', `MCA_SECRET=s3cr3t\n${JWT}`, /does not hold a JWT/],
    ['a JWT with a space inside', `${JWT.slice(0, 10)} ${JWT.slice(10)}`, /does not hold a JWT/],
    ['two parts', 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ3b3JrbG9hZCJ9', /does not hold a JWT/],
    ['an empty signature', 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ3b3JrbG9hZCJ9.', /does not hold a JWT/],
    ['four parts (a JWE has five)', `${JWT}.ZXh0cmE`, /does not hold a JWT/],
    ['base64 padding', `${JWT}==`, /does not hold a JWT/],
    ['a PEM private key', '-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n', /does not hold a JWT/],
    ['one byte over 64 KiB', big(MAX + 1), /the file is over 65536 bytes/],
  ];
  let dir: string;
  let tokens: TokenServer;
  const open: TokenProvider[] = [];
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mca-token-file-'));
    tokens = await startTokenServer();
  });
  afterAll(async () => {
    await Promise.all(open.map((p) => p.close()));
    await tokens.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const write = (name: string, content: string): string => {
    const path = join(dir, name.replace(/\W+/g, '-'));
    writeFileSync(path, content);
    return path;
  };
  const make = (path: string): TokenProvider => {
    const p = createTokenProvider({
      env: {},
      envFile: false,
      clientId: 'workload',
      tokenUrl: `${tokens.origin}/token`,
      clientAssertionFile: path,
      retries: 0,
      failureCooldownMs: 0,
    });
    open.push(p);
    return p;
  };

  it.each(cases)('at startup, a file with %s', (name, content, expected) => {
    const path = write(`startup ${name}`, content);
    let error: unknown;
    try {
      make(path);
    } catch (e) {
      error = e;
    }
    if (typeof expected === 'string') return expect(error).toBeUndefined();
    expect(error).toMatchObject({ code: 'ERR_MCA_INVALID_CLIENT_ASSERTION_FILE', field: 'clientAssertionFile' });
    expect((error as Error).message).toMatch(expected);
    expect((error as Error).message).toContain(path);
    if (content.includes('s3cr3t')) expect((error as Error).message).not.toContain('s3cr3t');
  });

  it.each(cases)('at a token request, after the platform rewrote the file: %s', async (name, content, expected) => {
    const path = write(`request ${name}`, JWT);
    const p = make(path);
    writeFileSync(path, content);
    const before = tokens.requests.length;
    const error = await p.getAuthorizationHeader().then(
      () => undefined,
      (e: unknown) => e,
    );
    if (typeof expected === 'string') {
      // What was sent is the token alone (the server answers as it likes: not the point here).
      expect(tokens.requests.slice(before).map((r) => new URLSearchParams(r.body).get('client_assertion'))).toEqual([expected]);
      return;
    }
    expect(error).toMatchObject({ code: 'ERR_MCA_INVALID_CLIENT_ASSERTION_FILE' });
    expect((error as Error).message).toMatch(expected);
    // Nothing of the file left the process.
    expect(tokens.requests.length).toBe(before);
  });

  it('at a token request, after the file was removed: an error that names the file and why, and nothing sent', async () => {
    const path = write('request removed', JWT);
    const p = make(path);
    rmSync(path);
    const before = tokens.requests.length;
    const error = await p.getAuthorizationHeader().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ code: 'ERR_MCA_INVALID_CLIENT_ASSERTION_FILE', field: 'clientAssertionFile' });
    expect((error as Error).message).toContain(`(file ${path}): the file cannot be read (ENOENT)`);
    expect(tokens.requests.length).toBe(before);
  });
});
