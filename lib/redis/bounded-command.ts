// Every command the store sends goes through here: bounded by `storeTimeoutMs` whatever the
// client's own settings, skipped while Redis is backing off, and its outcome told to the health.
import type { StoreHealth } from './store-health';

class StoreTimeoutError extends Error {
  override name = 'StoreTimeoutError';
  readonly code = 'ERR_MCA_STORE_TIMEOUT';
}

/** Runs one command, bounded by `timeoutMs`; rejects at once while `health` says Redis failed recently. */
export function boundedCommand<T>(health: StoreHealth, timeoutMs: number, operation: string, run: () => Promise<T>): Promise<T> {
  if (!health.available) return Promise.reject(new Error('skipped: Redis failed recently'));
  return new Promise<T>((resolve, reject) => {
    let done = false;
    const timer = setTimeout(() => {
      done = true;
      const cause = health.lastCause;
      const error = new StoreTimeoutError(`Redis did not answer within ${timeoutMs} ms${cause ? ` (last client error: ${cause})` : ''}`);
      health.failed(operation, error);
      reject(error);
    }, timeoutMs);
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
