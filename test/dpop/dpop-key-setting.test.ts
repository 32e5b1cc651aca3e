// The fleet's DPoP key from each of its four places (`dpopKey`, `dpopKeyFile`, MCA_DPOP_KEY,
// MCA_DPOP_KEY_FILE): the same key, wherever it came from, binds the same tokens (one cache key
// across the fleet); a bad value is refused at startup with its code, its field, and a message
// that says where the value came from (never the key itself).
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mcaOAuth } from '../../lib';
import { leakedSecrets } from '../helpers/leak-watch';

const dir = mkdtempSync(join(tmpdir(), 'dpop-key-setting-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const pem = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
const keyFile = join(dir, 'dpop.pem');
writeFileSync(keyFile, pem);
const junkFile = join(dir, 'junk.pem');
writeFileSync(junkFile, 'not a key');
const absent = join(dir, 'absent.pem');

// Bound tokens for one back end; no token is fetched: the cache key is decided at startup.
const base = {
  envFile: false as const,
  clientId: 'c',
  secret: 'main-s3cret-value',
  tokenUrl: 'https://idp.example.com/token',
  protectedBackends: ['https://api.example.com'],
  dpop: true,
};

async function cacheKeyWith(options: Record<string, unknown>): Promise<string> {
  const mw = mcaOAuth({ ...base, env: {}, ...options });
  try {
    return mw.provider.cacheKey;
  } finally {
    await mw.close();
  }
}

function refusal(options: Record<string, unknown>): unknown {
  try {
    void mcaOAuth({ ...base, env: {}, ...options }).close();
  } catch (error) {
    return error;
  }
  throw new Error('not refused');
}

const NOT_A_KEY = 'it is not a private key in PEM (PKCS#8, PKCS#1, SEC1), a private JWK, or a KeyObject.';
const UNREADABLE = "the file cannot be read (ENOENT). Fix the path or the file's permissions.";

it.each<[string, Record<string, unknown>]>([
  ['dpopKeyFile', { dpopKeyFile: keyFile }],
  ['MCA_DPOP_KEY', { env: { MCA_DPOP_KEY: pem } }],
  ['MCA_DPOP_KEY_FILE', { env: { MCA_DPOP_KEY_FILE: keyFile } }],
  ['MCA_DPOP_KEY_FILE, with the blanks a variable often picks up around the path', { env: { MCA_DPOP_KEY_FILE: ` ${keyFile}\n` } }],
])('the same key from %s binds the same tokens as from dpopKey; another key, or none, binds others', async (_name, options) => {
  const fromOption = await cacheKeyWith({ dpopKey: pem });
  expect(await cacheKeyWith(options)).toBe(fromOption);
  expect(await cacheKeyWith({})).not.toBe(fromOption);
  const other = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  expect(await cacheKeyWith({ dpopKey: other })).not.toBe(fromOption);
});

it.each<[string, Record<string, unknown>, string, string, string]>([
  [
    'both options',
    { dpopKey: pem, dpopKeyFile: keyFile },
    'ERR_MCA_CONFLICTING_OPTIONS',
    'dpopKey',
    'Both `dpopKey` and `dpopKeyFile` are set. Pass only one of them.',
  ],
  ['dpopKey, not a key', { dpopKey: 'not a key' }, 'ERR_MCA_INVALID_DPOP_KEY', 'dpopKey', `Invalid \`dpopKey\` (from the \`dpopKey\` option): ${NOT_A_KEY}`],
  ['dpopKeyFile, a number', { dpopKeyFile: 42 }, 'ERR_MCA_INVALID_DPOP_KEY_FILE', 'dpopKeyFile', 'Invalid `dpopKeyFile`: it must be a file path.'],
  ['dpopKeyFile, empty', { dpopKeyFile: '' }, 'ERR_MCA_INVALID_DPOP_KEY_FILE', 'dpopKeyFile', 'Invalid `dpopKeyFile`: it must be a file path.'],
  [
    'dpopKeyFile, absent',
    { dpopKeyFile: absent },
    'ERR_MCA_INVALID_DPOP_KEY_FILE',
    'dpopKeyFile',
    `Invalid \`dpopKeyFile\` (from file ${absent}): ${UNREADABLE}`,
  ],
  [
    'dpopKeyFile, not a key',
    { dpopKeyFile: junkFile },
    'ERR_MCA_INVALID_DPOP_KEY_FILE',
    'dpopKeyFile',
    `Invalid \`dpopKeyFile\` (from file ${junkFile}): ${NOT_A_KEY}`,
  ],
  [
    'MCA_DPOP_KEY, not a key',
    { env: { MCA_DPOP_KEY: 'not a key' } },
    'ERR_MCA_INVALID_DPOP_KEY',
    'dpopKey',
    `Invalid \`dpopKey\` (from MCA_DPOP_KEY in the environment): ${NOT_A_KEY}`,
  ],
  [
    'MCA_DPOP_KEY_FILE, absent',
    { env: { MCA_DPOP_KEY_FILE: absent } },
    'ERR_MCA_INVALID_DPOP_KEY_FILE',
    'dpopKeyFile',
    `Invalid \`dpopKeyFile\` (from file ${absent}): ${UNREADABLE}`,
  ],
  [
    'MCA_DPOP_KEY_FILE, not a key',
    { env: { MCA_DPOP_KEY_FILE: junkFile } },
    'ERR_MCA_INVALID_DPOP_KEY_FILE',
    'dpopKeyFile',
    `Invalid \`dpopKeyFile\` (from file ${junkFile} (MCA_DPOP_KEY_FILE in the environment)): ${NOT_A_KEY}`,
  ],
])('refused at startup: %s', (_name, options, code, field, message) => {
  const error = refusal(options);
  expect(error).toMatchObject({ name: 'McaConfigError', code, field, message });
  expect(leakedSecrets(error, [pem])).toEqual([]);
});
