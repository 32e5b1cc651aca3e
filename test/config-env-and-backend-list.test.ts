// Where a setting is read from, as an operator sees it: a real variable wins over `.env`, an empty
// one means "unset" for a credential but "present" for the allowlist variables (which must never
// fail open), the `env`/`envFile` options refused with the fix, and the `protectedBackends` list
// read from the option, MCA_PROTECTED_BACKENDS or a JSON file, with what named the file in every
// message about it. Construction only: nothing here fetches a token.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTokenProvider, mcaOAuth, type McaOAuthMiddleware } from '../lib';
import { resolveProviderConfig } from '../lib/settings/resolve-config';
import { thrown } from './helpers/thrown';

const SECRET = 'env-and-list-s3cret';
const TOKEN_URL = 'https://auth.example.com/token';
const client = { clientId: 'id', secret: SECRET, tokenUrl: TOKEN_URL };

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mca-env-list-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Writes `name` in the test's temp dir and returns its absolute path. */
function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const made: McaOAuthMiddleware[] = [];
afterEach(async () => {
  await Promise.all(made.splice(0).map((mw) => mw.close()));
});
function middleware(options: Record<string, unknown>): McaOAuthMiddleware {
  const mw = mcaOAuth({ envFile: false, env: {}, ...client, ...options });
  made.push(mw);
  return mw;
}

function expectRefused(run: () => unknown, code: string, field: string, message: string | RegExp): void {
  const error = thrown(run);
  expect(error).toMatchObject({ name: 'McaConfigError', code, field });
  if (typeof message === 'string') expect(error.message).toBe(message);
  else expect(error.message).toMatch(message);
  expect(error.message).not.toContain(SECRET);
}

describe('a variable in the environment wins over .env; empty means unset for a credential', () => {
  it('the real variable is used over the same one in the named .env file, and the provenance says which', () => {
    const envFile = file('app.env', `MCA_CLIENT_ID=from-file\nMCA_SECRET=${SECRET}\n`);
    const config = resolveProviderConfig({ envFile, tokenUrl: TOKEN_URL, env: { MCA_CLIENT_ID: 'from-env' } });
    expect(config.clientId).toBe('from-env');
    expect(config.provenance.clientId).toEqual({ source: 'env', name: 'MCA_CLIENT_ID' });
    // Only in the file: read from it, and said so.
    expect(config.provenance.secret).toEqual({ source: '.env', name: 'MCA_SECRET' });
  });

  it('an empty variable in the environment is unset: the .env value is used', () => {
    const envFile = file('app.env', `MCA_CLIENT_ID=from-file\nMCA_SECRET=${SECRET}\n`);
    const config = resolveProviderConfig({ envFile, tokenUrl: TOKEN_URL, env: { MCA_CLIENT_ID: '' } });
    expect(config.clientId).toBe('from-file');
    expect(config.provenance.clientId).toEqual({ source: '.env', name: 'MCA_CLIENT_ID' });
  });

  it('a variable that is not a string is no variable: the .env value is used', () => {
    const envFile = file('app.env', `MCA_CLIENT_ID=from-file\nMCA_SECRET=${SECRET}\n`);
    const config = resolveProviderConfig({ envFile, tokenUrl: TOKEN_URL, env: { MCA_CLIENT_ID: 5 } });
    expect(config.clientId).toBe('from-file');
  });

  it('an empty variable in .env is unset too: the field is missing, not blank', () => {
    const envFile = file('app.env', `MCA_CLIENT_ID=\nMCA_SECRET=${SECRET}\n`);
    expectRefused(() => createTokenProvider({ envFile, env: {}, tokenUrl: TOKEN_URL }), 'ERR_MCA_MISSING_CLIENT_ID', 'clientId', /^Missing `clientId`/);
  });

  it('a message names the variable and where it was read: the environment, or the .env file by its path', () => {
    expectRefused(
      () => createTokenProvider({ ...client, envFile: false, env: { MCA_ALLOW_INSECURE_HTTP: 'yes' } }),
      'ERR_MCA_INVALID_ALLOW_INSECURE_HTTP',
      'allowInsecureHttp',
      'Invalid `allowInsecureHttp` (from MCA_ALLOW_INSECURE_HTTP in the environment): it must be "true" or "false".',
    );
    const envFile = file('app.env', 'MCA_ALLOW_INSECURE_HTTP=yes\n');
    expectRefused(
      () => createTokenProvider({ ...client, envFile, env: {} }),
      'ERR_MCA_INVALID_ALLOW_INSECURE_HTTP',
      'allowInsecureHttp',
      `Invalid \`allowInsecureHttp\` (from MCA_ALLOW_INSECURE_HTTP in ${envFile}): it must be "true" or "false".`,
    );
  });
});

describe('MCA_PROTECTED_BACKENDS present but empty is an error, wherever it is set', () => {
  const emptyList = (where: string): string =>
    `Invalid \`protectedBackends\` (from MCA_PROTECTED_BACKENDS in ${where}): it is set but lists no back end. List them comma-separated; to send the token to every host, unset the variable.`;

  it('empty in the environment', () => {
    expectRefused(
      () => middleware({ env: { MCA_PROTECTED_BACKENDS: '' } }),
      'ERR_MCA_INVALID_PROTECTED_BACKENDS',
      'protectedBackends',
      emptyList('the environment'),
    );
  });

  it('empty in .env', () => {
    const envFile = file('app.env', 'MCA_PROTECTED_BACKENDS=\n');
    expectRefused(() => middleware({ envFile }), 'ERR_MCA_INVALID_PROTECTED_BACKENDS', 'protectedBackends', emptyList('the .env file'));
  });

  it('empty in the environment hides a list in .env: present is present, not "unset"', () => {
    const envFile = file('app.env', 'MCA_PROTECTED_BACKENDS=https://orders.example.com\n');
    expectRefused(
      () => middleware({ envFile, env: { MCA_PROTECTED_BACKENDS: ' , ' } }),
      'ERR_MCA_INVALID_PROTECTED_BACKENDS',
      'protectedBackends',
      emptyList('the environment'),
    );
  });
});

describe('the env and envFile options', () => {
  it('an envFile that cannot be read: the path, the system error, and the fix', () => {
    const missing = join(dir, 'missing.env');
    expectRefused(
      () => createTokenProvider({ ...client, envFile: missing, env: {} }),
      'ERR_MCA_INVALID_ENV_FILE',
      'envFile',
      `The \`envFile\` option names a file that cannot be read: ${missing} (ENOENT). Fix the path, or pass \`envFile: false\` to read no file.`,
    );
  });

  // Without `envFile`, `.env` is looked up in the working directory: optional, but a file there
  // that cannot be read is an error, not silently "no file".
  describe('the default .env, in the working directory', () => {
    let cwd: string;
    beforeEach(() => {
      cwd = process.cwd();
      process.chdir(dir);
    });
    afterEach(() => {
      process.chdir(cwd);
    });

    it('is read when present', () => {
      file('.env', `MCA_CLIENT_ID=from-default-file\nMCA_SECRET=${SECRET}\n`);
      const config = resolveProviderConfig({ env: {}, tokenUrl: TOKEN_URL });
      expect(config.clientId).toBe('from-default-file');
      expect(config.provenance.clientId).toEqual({ source: '.env', name: 'MCA_CLIENT_ID' });
    });

    it('is optional: none there is no error', () => {
      expect(resolveProviderConfig({ ...client, env: {} }).clientId).toBe('id');
    });

    it('one that exists but cannot be read (a directory) is refused with the system error', () => {
      mkdirSync(join(dir, '.env'));
      expectRefused(
        () => createTokenProvider({ ...client, env: {} }),
        'ERR_MCA_INVALID_ENV_FILE',
        'envFile',
        `The \`envFile\` option names a file that cannot be read: ${join(dir, '.env')} (EISDIR). Fix the path, or pass \`envFile: false\` to read no file.`,
      );
    });
  });

  it.each([
    ['a number', 5],
    ['an empty string', ''],
    ['true', true],
  ])('envFile %s is refused with the fix', (_name, envFile) => {
    expectRefused(
      // Not a value the types allow: a JavaScript caller, or a config loaded from JSON.
      () => createTokenProvider({ ...client, envFile, env: {} } as never),
      'ERR_MCA_INVALID_ENV_FILE',
      'envFile',
      'Invalid `envFile`: it must be a file path, or false to read no file.',
    );
  });

  it.each([
    ['a string', 'MCA_CLIENT_ID=id'],
    ['null', null],
    ['a number', 5],
  ])('env %s is refused with the fix', (_name, env) => {
    expectRefused(
      () => createTokenProvider({ ...client, envFile: false, env } as never),
      'ERR_MCA_INVALID_ENV',
      'env',
      'Invalid `env`: it must be an object of environment variables.',
    );
  });
});

describe('the protectedBackends list: the option, the JSON file, or MCA_PROTECTED_BACKENDS', () => {
  // An entry with a setting it may not carry: its error names the entry and where the list came from.
  const badEntry = JSON.stringify([{ match: 'https://orders.example.com', bogus: 1 }]);

  it('an option that is not an array is refused', () => {
    expectRefused(
      () => middleware({ protectedBackends: 'https://orders.example.com' }),
      'ERR_MCA_INVALID_PROTECTED_BACKENDS',
      'protectedBackends',
      'Invalid `protectedBackends`: it must be an array of strings, RegExps and entry objects.',
    );
  });

  it('MCA_PROTECTED_BACKENDS_FILE set but blank names no file: an error, not "no allowlist"', () => {
    expectRefused(
      () => middleware({ env: { MCA_PROTECTED_BACKENDS_FILE: ' ' } }),
      'ERR_MCA_INVALID_PROTECTED_BACKENDS_FILE',
      'protectedBackendsFile',
      'MCA_PROTECTED_BACKENDS_FILE is set but empty. Name the JSON file, or unset the variable.',
    );
  });

  it('the file named by MCA_PROTECTED_BACKENDS_FILE is read, and its messages say so', () => {
    const list = file('backends.json', badEntry);
    const error = thrown(() => middleware({ env: { MCA_PROTECTED_BACKENDS_FILE: list } }));
    expect(error.message).toContain(`The entry is in the JSON file ${list} (named by MCA_PROTECTED_BACKENDS_FILE).`);
  });

  it('the protectedBackendsFile option wins over both variables: neither a blank file variable nor the list is read', () => {
    const list = file('backends.json', badEntry);
    const error = thrown(() =>
      middleware({ protectedBackendsFile: list, env: { MCA_PROTECTED_BACKENDS_FILE: ' ', MCA_PROTECTED_BACKENDS: 'https://billing.example.com' } }),
    );
    expect(error.message).toContain(`The entry is in the JSON file ${list} (named by \`protectedBackendsFile\`).`);
  });

  it('a file that cannot be read: the system error, what named it, and the fix', () => {
    expectRefused(
      () => middleware({ env: { MCA_PROTECTED_BACKENDS_FILE: join(dir, 'missing.json') } }),
      'ERR_MCA_INVALID_PROTECTED_BACKENDS_FILE',
      'protectedBackendsFile',
      'Invalid protected back ends file (named by MCA_PROTECTED_BACKENDS_FILE): it cannot be read (ENOENT). Fix the path; a relative one is resolved against the working directory.',
    );
  });

  it('a file that is not JSON: says so, without quoting the text (it may hold a secret)', () => {
    const list = file('backends.json', `["https://orders.example.com", ${SECRET}]`);
    expectRefused(
      () => middleware({ protectedBackendsFile: list }),
      'ERR_MCA_INVALID_PROTECTED_BACKENDS_FILE',
      'protectedBackendsFile',
      'Invalid protected back ends file (named by `protectedBackendsFile`): it is not valid JSON. It must hold an array of strings and entry objects.',
    );
  });

  it('a file whose JSON is not an array is refused with the form it must have', () => {
    const list = file('backends.json', JSON.stringify({ match: 'https://orders.example.com' }));
    expectRefused(
      () => middleware({ protectedBackendsFile: list }),
      'ERR_MCA_INVALID_PROTECTED_BACKENDS_FILE',
      'protectedBackendsFile',
      'Invalid protected back ends file (named by `protectedBackendsFile`): it must hold a JSON array of strings and entry objects (`{ "match": "https://…", "audience": "…" }`).',
    );
  });
});

describe('a missing credential: the message lists every way to give it', () => {
  it('a field with two variables names both', () => {
    expectRefused(
      () => createTokenProvider({ envFile: false, env: {}, clientId: 'id', secret: SECRET, serverUrl: 'https://mca.example.com/imf-authserver' }),
      'ERR_MCA_MISSING_TENANT_ID',
      'tenantId',
      /Pass the `tenantId` option, set MCA_TENANT_ID or MCA_APP_ID in the environment or \.env, or bind/,
    );
  });

  it('a bound service without the field: fix the binding, or give it another way', () => {
    const vcap = JSON.stringify({
      AdvancedMobileAccess: [{ name: 'mca-1', credentials: { clientId: 'id', tenantId: 't', serverUrl: 'https://mca.example.com/imf-authserver' } }],
    });
    expectRefused(
      () => createTokenProvider({ envFile: false, env: { VCAP_SERVICES: vcap } }),
      'ERR_MCA_MISSING_SECRET',
      'secret',
      /A service is bound \(VCAP_SERVICES AdvancedMobileAccess\[0\], "mca-1"\), but its credentials have no `secret`: fix the binding, or pass the `secret` option, or set MCA_SECRET in the environment or \.env\.$/,
    );
  });
});
