import { randomBytes } from 'node:crypto';
import type { RedisClientLike } from './redis-client';
import { RELEASE } from './redis-scripts';
import { hintFor, type StoreTopology } from './store-health';

/**
 * Connects, authenticates, writes, reads and deletes a probe key, each step bounded by `timeoutMs`
 * (a first connection may take longer than one store timeout). A failure names the client's real
 * cause (WRONGPASS, a certificate, a refused port) as the client reported it.
 */
export async function checkRedis(
  client: RedisClientLike,
  prefix: string,
  lastCause: () => string | undefined,
  timeoutMs: number,
  topology: StoreTopology,
): Promise<void> {
  const probe = `${prefix}{check-${randomBytes(8).toString('hex')}}:probe`;
  const value = randomBytes(8).toString('hex');
  const run = async <T>(operation: string, command: () => Promise<T>): Promise<T> => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      return await Promise.race([command(), timeout]);
    } catch (error) {
      const cause = lastCause();
      // The fix the running store would give (MOVED: a Cluster node named as a single node …).
      const hint = hintFor(error, topology) ?? (cause === undefined ? undefined : hintFor(new Error(cause), topology));
      throw Object.assign(new Error(`${operation}: ${(error as Error).message}${cause ? ` (client error: ${cause})` : ''}${hint ? `. Fix: ${hint}` : ''}`), {
        code: (error as { code?: string }).code ?? 'ERR_MCA_STORE',
      });
    } finally {
      clearTimeout(timer);
    }
  };
  await run('write', () => client.set(probe, value, 'PX', 10_000));
  const read = await run('read', () => client.get(probe));
  if (read !== value) throw Object.assign(new Error('read: Redis answered another value than was written'), { code: 'ERR_MCA_STORE' });
  await run('delete', () => client.eval(RELEASE, 1, probe, value));
}
