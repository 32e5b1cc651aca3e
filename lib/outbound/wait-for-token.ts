/** The caller's bounds on a call: an absolute deadline on the monotonic clock, and a signal. */
export interface CallBounds {
  /** `performance.now()` value after which the call has timed out; Infinity for none. */
  deadline: number;
  signal: AbortSignal | undefined;
}

/** What is left of the caller's timeout, in whole ms (at least 1); 0 when it has none. */
export function remainingMs(bounds: CallBounds): number {
  if (bounds.deadline === Infinity) return 0;
  return Math.max(1, Math.ceil(bounds.deadline - performance.now()));
}

export function expired(bounds: CallBounds): boolean {
  return bounds.deadline !== Infinity && performance.now() >= bounds.deadline;
}

/**
 * Waits for a token, but no longer than the caller's timeout or signal allow. The token fetch is
 * shared with other callers, so giving up here only stops waiting: the fetch goes on for them.
 */
export function waitForToken(
  pending: Promise<string>,
  bounds: CallBounds,
  timeoutError: () => unknown,
  canceledError: (reason: unknown) => unknown,
): Promise<string> {
  const { signal } = bounds;
  if (signal?.aborted) return Promise.reject(canceledError(signal.reason));
  if (bounds.deadline === Infinity && signal === undefined) return pending;
  if (expired(bounds)) return Promise.reject(timeoutError());
  return new Promise<string>((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    const onAbort = (): void => {
      cleanup();
      reject(canceledError(signal?.reason));
    };
    const cleanup = (): void => {
      if (timer !== undefined) clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    };
    if (bounds.deadline !== Infinity) {
      timer = setTimeout(
        () => {
          cleanup();
          reject(timeoutError());
        },
        Math.max(1, Math.ceil(bounds.deadline - performance.now())),
      );
      // The token fetch holds the process while it runs; this timer only bounds the wait.
      timer.unref();
    }
    signal?.addEventListener('abort', onAbort, { once: true });
    pending.then(
      (header) => {
        cleanup();
        resolve(header);
      },
      (error: unknown) => {
        cleanup();
        reject(error);
      },
    );
  });
}
