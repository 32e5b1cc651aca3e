// Every command the store sends goes through here: bounded by `storeTimeoutMs` whatever the
// client's own settings, skipped while Redis is backing off, and its outcome told to the health.
// A client still connecting is first waited for, within the connect budget (connection-wait.ts).
import type { ConnectionWait } from './connection-wait';
import type { StoreHealth } from './store-health';

class StoreTimeoutError extends Error {
  override name = 'StoreTimeoutError';
  readonly code = 'ERR_MCA_STORE_TIMEOUT';
}

/** How long a command may wait for the client's connection, and on what. */
export interface ConnectBudget {
  connection: ConnectionWait;
  budgetMs: number;
}

/**
 * Runs one command, bounded by `timeoutMs` once the client is connected (and by `connect.budgetMs`
 * before); rejects at once while `health` says Redis failed recently.
 */
export async function boundedCommand<T>(health: StoreHealth, timeoutMs: number, operation: string, run: () => Promise<T>, connect?: ConnectBudget): Promise<T> {
  if (!health.available) throw new Error('skipped: Redis failed recently');
  if (connect !== undefined && connect.connection.connecting) {
    try {
      await connect.connection.ready(connect.budgetMs);
    } catch (error) {
      health.failed(operation, error ?? new Error('failed'));
      throw error;
    }
  }
  if (connect === undefined) return runBounded(health, timeoutMs, operation, run);
  const bound = connect.connection.bound(timeoutMs, connect.budgetMs);
  try {
    const value = await runBounded(health, bound, operation, run);
    connect.connection.answered();
    return value;
  } catch (error) {
    if (error instanceof StoreTimeoutError) connect.connection.spend();
    throw error;
  }
}

function runBounded<T>(health: StoreHealth, timeoutMs: number, operation: string, run: () => Promise<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let done = false;
    const expire = (): void => {
      if (done) return;
      done = true;
      const cause = health.lastCause;
      const error = new StoreTimeoutError(`Redis did not answer within ${timeoutMs} ms${cause ? ` (last client error: ${cause})` : ''}`);
      health.failed(operation, error);
      reject(error);
    };
    // Timers run before the loop reads sockets: on a starved host (a CPU hog, a long GC) the answer
    // may be waiting unread when the timer fires. One turn of the loop lets it in first.
    const timer = setTimeout(() => setImmediate(expire), timeoutMs);
    timer.unref();
    const settle = (error: unknown, value?: T): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (error === undefined) {
        health.succeeded();
        resolve(value as T);
      } else {
        health.failed(operation, error);
        reject(error);
      }
    };
    let pending: Promise<T>;
    try {
      pending = run();
    } catch (error) {
      return settle(error ?? new Error('failed'));
    }
    pending.then(
      (value) => settle(undefined, value),
      (error: unknown) => settle(error ?? new Error('failed')),
    );
  });
}
