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
  const timer = new AbortController();
  let expired = false;
  const handle = setTimeout(() => {
    expired = true;
    timer.abort();
  }, timeoutMs);
  // The request's own socket holds the process while it runs; the timer need not.
  handle.unref();
  return {
    signal: AbortSignal.any([outer, timer.signal]),
    timedOut: () => expired && !outer.aborted,
    done: () => clearTimeout(handle),
  };
}
