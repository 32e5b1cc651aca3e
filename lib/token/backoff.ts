/** Retry timing: exponential backoff with full jitter, and the `Retry-After` header. */

/**
 * Full jitter (AWS Architecture Blog, "Exponential Backoff And Jitter"): a uniform wait in
 * [0, min(cap, base·2^attempt)], so a fleet that failed together does not retry together.
 */
export function fullJitterDelay(attempt: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** attempt);
  return Math.floor(random() * ceiling);
}

/** Parses `Retry-After` (delta-seconds or an HTTP date) into milliseconds from `now`; undefined if absent or unreadable. */
export function parseRetryAfter(value: unknown, now: number): number | undefined {
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

/**
 * Resolves after `ms`, or rejects with the signal's reason when it aborts first. The timer is
 * unref()'d unless `holdProcess`: a wait that a caller is awaiting must keep a one-shot script
 * alive, as the HTTP request it stands in for would; a background wait must not.
 */
export function sleep(ms: number, signal: AbortSignal, holdProcess = false): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    if (!holdProcess) timer.unref();
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
