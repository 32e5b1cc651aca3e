import { mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AssertionFile } from '../../lib/token/client-auth/assertion-file';
import {
  MAX_TOKEN_FILE_BYTES,
  describeTokenFile,
  readFirstTokenFile,
  readFirstTokenFileSync,
  readTokenFile,
  readTokenFileSync,
} from '../../lib/token/client-auth/token-file';
import { fakeJwt } from '../helpers/iam-server';

// Token files as the platform mounts them: the read stays bounded for a huge file, a default file
// that exists but cannot be opened is an error and not a skip, `check`'s expiry wording, and what
// the client-assertion file method shows and keys on.
const dir = mkdtempSync(join(tmpdir(), 'mca-token-files-'));
const token = join(dir, 'token');
writeFileSync(token, fakeJwt('system:serviceaccount:ns:sa'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('token file reads', () => {
  it('a file far larger than any buffer is refused for its size, without reading it all', async () => {
    // Sparse: it takes no disk, but its size is past what one Buffer can hold.
    const huge = join(dir, 'huge');
    writeFileSync(huge, '');
    truncateSync(huge, 5 * 1024 ** 3);
    const over = `the file is over ${MAX_TOKEN_FILE_BYTES} bytes`;
    expect(() => readTokenFileSync('crTokenFile', huge)).toThrow(over);
    await expect(readTokenFile('crTokenFile', huge)).rejects.toThrow(over);
  });

  it('of the default files, one that exists but cannot be opened is an error, not a reason to use the next', async () => {
    // A path through a regular file cannot be opened (ENOTDIR): it is not absent.
    const blocked = join(token, 'nested');
    const expected = { code: 'ERR_MCA_INVALID_CR_TOKEN_FILE', field: 'crTokenFile' };
    expect(() => readFirstTokenFileSync('crTokenFile', [blocked, token])).toThrow(expect.objectContaining(expected) as Error);
    await expect(readFirstTokenFile('crTokenFile', [blocked, token])).rejects.toMatchObject(expected);
    expect(readFirstTokenFileSync('crTokenFile', [join(dir, 'absent'), token])?.path).toBe(token);
  });

  it('`check` calls a token that expires this very millisecond expired', () => {
    const exp = Math.floor(Date.now() / 1000);
    const read = { token: fakeJwt('sub', exp), modifiedAt: exp * 1000 };
    expect(describeTokenFile('/t', read, exp * 1000)).toBe('file /t, written 0 s ago, JWT EXPIRED 0 s ago, read at each token request');
    expect(describeTokenFile('/t', read, exp * 1000 - 1000)).toContain('JWT expires in 1 s');
  });
});

describe('client assertion from a file', () => {
  const build = (path = token, clientId = 'client-a'): AssertionFile => new AssertionFile({ clientId, path, origin: 'option clientAssertionFile' });

  it('is private_key_jwt to the server, and `check` shows the file and where the setting came from', () => {
    const auth = build();
    expect(auth.method).toBe('private_key_jwt');
    const lines = auth.describe();
    expect(lines.map((line) => line.label)).toEqual(['clientAuth', 'assertionFile']);
    expect(lines[0]!.value).toBe('client assertion from a file (jwt-bearer, RFC 7523)');
    expect(lines[1]!.value).toMatch(new RegExp(`^file ${token.replace(/[/.]/g, '\\$&')}, written \\d+ s ago, .* \\(from option clientAssertionFile\\)$`));
  });

  it('another path is another cache entry; another client or path another store key', () => {
    const other = join(dir, 'other-token');
    writeFileSync(other, fakeJwt('system:serviceaccount:ns:sa'));
    expect(build().cacheKeyParts).toEqual(build().cacheKeyParts);
    expect(build(other).cacheKeyParts).not.toEqual(build().cacheKeyParts);
    expect(build().storeKeyMaterial()).toBe(build().storeKeyMaterial());
    expect(build(other).storeKeyMaterial()).not.toBe(build().storeKeyMaterial());
    expect(build(token, 'client-b').storeKeyMaterial()).not.toBe(build().storeKeyMaterial());
  });
});
