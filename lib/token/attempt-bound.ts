/**
 * One overall time bound for one token request attempt: connecting, the headers and the whole
 * body. axios's `timeout` is a socket idle timer under Node, which a server dribbling a byte every
 * few hundred milliseconds resets forever; an abort signal on a wall-clock timer does not care
 * how the bytes arrive.
 */
export interface AttemptBound {
  /** Aborts when the caller's signal does, or when the time is up. */
  readonly signal: AbortSignal;
  /** True if the time bound (not the caller) ended the attempt. */
  timedOut(): boolean;
  /** Stops the timer; call when the attempt settles. */
  done(): void;
}

export function boundAttempt(outer: AbortSignal, timeoutMs: number): AttemptBound {
  const controller = new AbortController();
  let expired = false;
  // A listener added and removed per attempt, rather than AbortSignal.any(): the outer signal
  // lives as long as the provider, and must not collect one dependant per attempt.
  const onOuterAbort = (): void => controller.abort(outer.reason);
  if (outer.aborted) controller.abort(outer.reason);
  else outer.addEventListener('abort', onOuterAbort, { once: true });
  const handle = setTimeout(() => {
    expired = true;
    controller.abort();
  }, timeoutMs);
  // The request's own socket holds the process while it runs; the timer need not.
  handle.unref();
  return {
    signal: controller.signal,
    timedOut: () => expired && !outer.aborted,
    done: () => {
      clearTimeout(handle);
      outer.removeEventListener('abort', onOuterAbort);
    },
  };
}
