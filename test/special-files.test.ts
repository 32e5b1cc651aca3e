import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTokenProvider, isMcaConfigError } from '../lib';
import { readTokenFile, readTokenFileSync } from '../lib/token/client-auth/token-file';
import { MAX_MATERIAL_FILE_BYTES, readMaterialFile, readMaterialFileSync } from '../lib/token/client-auth/key-material';
import { descriptorsOpenOn } from './helpers/open-descriptors';

// Paths an operator may get wrong: a FIFO (a read blocks until a writer appears, which would
// freeze startup and park a libuv pool thread per request), a device that never ends, a directory,
// a file far too big. Each must fail at once with the field's typed error, never hang or fill memory.
const dir = mkdtempSync(join(tmpdir(), 'mca-special-'));
const fifo = join(dir, 'token.fifo');
execFileSync('mkfifo', [fifo]);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const base = { env: {}, envFile: false, tokenUrl: 'http://127.0.0.1:9/token', clientId: 'c' } as const;

function thrown(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('token files are closed after every read', () => {
  it('a hundred reads, at startup and on the fetch path, leave no file descriptor open', async () => {
    const file = join(dir, 'token.jwt');
    writeFileSync(file, 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ3b3JrbG9hZCJ9.c2lnbmF0dXJl\n');
    const open = descriptorsOpenOn(file);
    for (let i = 0; i < 100; i++) {
      readTokenFileSync('crTokenFile', file);
      await readTokenFile('crTokenFile', file);
    }
    // The platform's file is read at every token request for the life of the process.
    expect(open()).toBe(0);
  });
});

describe('token, key and certificate files that are not regular files', () => {
  it('a FIFO as clientAssertionFile fails at startup instead of blocking forever', () => {
    const error = thrown(() => createTokenProvider({ ...base, clientAssertionFile: fifo }));
    expect(isMcaConfigError(error)).toBe(true);
    expect(error).toMatchObject({ code: 'ERR_MCA_INVALID_CLIENT_ASSERTION_FILE', field: 'clientAssertionFile' });
    expect((error as Error).message).toContain('not a regular file');
  });

  it('a FIFO on the fetch path is refused at once', async () => {
    expect(() => readTokenFileSync('crTokenFile', fifo)).toThrow(/not a regular file/);
    await expect(readTokenFile('crTokenFile', fifo)).rejects.toMatchObject({ code: 'ERR_MCA_INVALID_CR_TOKEN_FILE' });
    await expect(readTokenFile('crTokenFile', dir)).rejects.toThrow(/not a regular file/);
  });

  it('a FIFO or /dev/zero as privateKeyFile fails at startup, with the field named', () => {
    for (const path of [fifo, '/dev/zero']) {
      const error = thrown(() => createTokenProvider({ ...base, clientAuth: 'private_key_jwt', privateKeyFile: path }));
      expect(error).toMatchObject({ code: 'ERR_MCA_INVALID_PRIVATE_KEY_FILE', field: 'privateKeyFile' });
      expect((error as Error).message).toContain('not a regular file');
    }
  });

  it('key and certificate files are read without blocking, and up to a bound', async () => {
    await expect(readMaterialFile('certificateFile', fifo)).rejects.toThrow(/not a regular file/);
    expect(() => readMaterialFileSync('certificateFile', fifo)).toThrow(/not a regular file/);
    const big = join(dir, 'big.pem');
    writeFileSync(big, '');
    truncateSync(big, MAX_MATERIAL_FILE_BYTES + 1); // sparse: no disk used
    await expect(readMaterialFile('certificateFile', big)).rejects.toThrow(/over 1048576 bytes/);
    expect(() => readMaterialFileSync('privateKeyFile', big)).toThrow(/over 1048576 bytes/);
    const small = join(dir, 'ok.pem');
    writeFileSync(small, 'text');
    await expect(readMaterialFile('certificateFile', small)).resolves.toBe('text');
    expect(readMaterialFileSync('certificateFile', small)).toBe('text');
  });
});
