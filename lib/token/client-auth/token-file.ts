import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';
import { open } from 'node:fs/promises';
import { McaConfigError } from '../../errors/mca-config-error';
import { constantCase } from '../../errors/field-code';
import { OWN_SETTINGS, fieldName, scopedField, type FieldScope } from '../../errors/field-scope';

/**
 * Token files that a platform writes and rotates: Code Engine's and Kubernetes' compute-resource
 * (service-account) tokens, Azure's federated token, any projected JWT. They are read again for
 * every token request, since a copy read at startup stops working when the platform rotates the
 * file (hours later, in production). Whatever the file holds is a credential: errors name the
 * path, never the content.
 */

/** Largest file read. A projected token is one or two KiB; anything far bigger is the wrong file. */
export const MAX_TOKEN_FILE_BYTES = 64 * 1024;

// A compact JWS: three base64url parts, the signature not empty. Checked before anything is sent,
// so a path that names the wrong file (a key, a config file) never ships that file to a server.
const COMPACT_JWT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/** What was read: the token, and when the file was last written (for `check`). */
export interface TokenFileRead {
  token: string;
  modifiedAt: number;
}

/** `scope` says whose setting it is (a `protectedBackends` entry's), so the message names it from the start. */
function fileError(field: string, path: string, why: string, scope: FieldScope): McaConfigError {
  return new McaConfigError(`ERR_MCA_INVALID_${constantCase(field)}`, `Invalid ${fieldName(field, scope)} (file ${path}): ${why}${scope.note}`, {
    field: scopedField(field, scope),
  });
}

function unreadable(field: string, path: string, error: unknown, scope: FieldScope): McaConfigError {
  const code = (error as NodeJS.ErrnoException).code ?? 'error';
  return fileError(
    field,
    path,
    `the file cannot be read (${code}). Fix the path or the file's permissions; the platform mounts it (Code Engine, Kubernetes projected volume).`,
    scope,
  );
}

/**
 * The token in a file's bytes: surrounding whitespace removed (a file written with `echo` ends in a
 * newline; a JWT never holds whitespace), then it must be one compact JWT.
 */
function tokenOf(field: string, path: string, bytes: Buffer, size: number, scope: FieldScope): string {
  if (size > MAX_TOKEN_FILE_BYTES)
    throw fileError(field, path, `the file is over ${MAX_TOKEN_FILE_BYTES} bytes, which no token file is. Check the path.`, scope);
  const token = bytes.toString('utf8').trim();
  if (token === '') throw fileError(field, path, 'the file is empty. The platform writes the token there; check the mount and the path.', scope);
  if (!COMPACT_JWT.test(token)) throw fileError(field, path, 'the file does not hold a JWT (three base64url parts separated by dots). Check the path.', scope);
  return token;
}

/**
 * Opened without blocking, then refused unless a regular file: a path that names a FIFO would
 * otherwise block `open` until some writer appears (forever at startup, where the read is
 * synchronous, and a libuv pool thread per request after), and a device such as /dev/zero or a
 * tty has no size to bound the read by. O_NONBLOCK changes nothing for a regular file.
 */
export const NON_BLOCKING_READ = constants.O_RDONLY | constants.O_NONBLOCK;

/** Throws unless `stats` is a regular file (a symlink to one is followed by open: Kubernetes' ..data links). */
export function mustBeRegularFile(stats: Stats, error: (why: string) => Error): void {
  if (!stats.isFile()) throw error('it is not a regular file (a directory, a FIFO, a socket or a device). Check the path.');
}

const absent = (error: unknown): boolean => (error as NodeJS.ErrnoException).code === 'ENOENT';

/** Reads a token file on the fetch path. */
export async function readTokenFile(field: string, path: string, scope: FieldScope = OWN_SETTINGS): Promise<TokenFileRead> {
  const read = await readTokenFileIfPresent(field, path, false, scope);
  return read!;
}

/**
 * The first of `paths` that exists, read (IBM's rule for its default files, applied at each
 * request). A file that exists but cannot be used is an error, never a silent switch to the next.
 */
export async function readFirstTokenFile(
  field: string,
  paths: readonly string[],
  scope: FieldScope = OWN_SETTINGS,
): Promise<(TokenFileRead & { path: string }) | undefined> {
  for (const path of paths) {
    const read = await readTokenFileIfPresent(field, path, true, scope);
    if (read) return { ...read, path };
  }
  return undefined;
}

/** The same, once at startup. */
export function readFirstTokenFileSync(
  field: string,
  paths: readonly string[],
  scope: FieldScope = OWN_SETTINGS,
): (TokenFileRead & { path: string }) | undefined {
  for (const path of paths) {
    const read = readTokenFileSyncIfPresent(field, path, true, scope);
    if (read) return { ...read, path };
  }
  return undefined;
}

async function readTokenFileIfPresent(field: string, path: string, absentOk: boolean, scope: FieldScope): Promise<TokenFileRead | undefined> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, NON_BLOCKING_READ);
  } catch (error) {
    if (absentOk && absent(error)) return undefined;
    throw unreadable(field, path, error, scope);
  }
  try {
    const stats = await handle.stat();
    mustBeRegularFile(stats, (why) => fileError(field, path, why, scope));
    // One byte more than allowed tells a file that is too big from one that fits exactly.
    const buffer = Buffer.alloc(Math.min(stats.size, MAX_TOKEN_FILE_BYTES) + 1);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    return { token: tokenOf(field, path, buffer.subarray(0, bytesRead), Math.max(stats.size, bytesRead), scope), modifiedAt: stats.mtimeMs };
  } catch (error) {
    throw error instanceof McaConfigError ? error : unreadable(field, path, error, scope);
  } finally {
    await handle.close();
  }
}

/** Reads a token file once at startup, so that a wrong path fails there and not at the first request. */
export function readTokenFileSync(field: string, path: string, scope: FieldScope = OWN_SETTINGS): TokenFileRead {
  return readTokenFileSyncIfPresent(field, path, false, scope)!;
}

function readTokenFileSyncIfPresent(field: string, path: string, absentOk: boolean, scope: FieldScope): TokenFileRead | undefined {
  let fd: number;
  try {
    fd = openSync(path, NON_BLOCKING_READ);
  } catch (error) {
    if (absentOk && absent(error)) return undefined;
    throw unreadable(field, path, error, scope);
  }
  try {
    const stats = fstatSync(fd);
    mustBeRegularFile(stats, (why) => fileError(field, path, why, scope));
    const buffer = Buffer.alloc(Math.min(stats.size, MAX_TOKEN_FILE_BYTES) + 1);
    const bytesRead = readSync(fd, buffer, 0, buffer.length, 0);
    return { token: tokenOf(field, path, buffer.subarray(0, bytesRead), Math.max(stats.size, bytesRead), scope), modifiedAt: stats.mtimeMs };
  } catch (error) {
    throw error instanceof McaConfigError ? error : unreadable(field, path, error, scope);
  } finally {
    closeSync(fd);
  }
}

/** The `exp` claim of a JWT, in epoch ms, for `check`; undefined when absent or unreadable. */
export function jwtExpiry(token: string): number | undefined {
  try {
    const payload: unknown = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8'));
    const exp = (payload as { exp?: unknown } | null)?.exp;
    return typeof exp === 'number' && Number.isFinite(exp) ? exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}

/** For `check`: "file /path, written 3 min ago, JWT expires in 57 min" — never the content. */
export function describeTokenFile(path: string, read: TokenFileRead, now: number): string {
  const age = Math.max(0, Math.round((now - read.modifiedAt) / 1000));
  const exp = jwtExpiry(read.token);
  const expiry =
    exp === undefined
      ? 'no exp claim'
      : exp <= now
        ? `JWT EXPIRED ${Math.round((now - exp) / 1000)} s ago`
        : `JWT expires in ${Math.round((exp - now) / 1000)} s`;
  return `file ${path}, written ${age} s ago, ${expiry}, read at each token request`;
}
