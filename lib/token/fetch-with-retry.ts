import { performance } from 'node:perf_hooks';
import { McaTokenError } from '../errors/mca-token-error';
import { fullJitterDelay, sleep } from './backoff';
import type { TokenEndpoint, TokenGrant } from './token-endpoint';

const MIN_ATTEMPT_MS = 50;

/** The bounds of one fetch: how often, how long, how far apart. */
export interface RetryPolicy {
  retries: number;
  retryBaseMs: number;
  retryMaxMs: number;
  retryAfterMaxMs: number;
  timeoutMs: number;
  deadlineMs: number;
}

/** Reported before each wait between attempts. */
export interface RetryEvent {
  /** The attempt about to be made (2 for the first retry). */
  attempt: number;
  delayMs: number;
  code: string;
  status?: number;
  /** The `protectedBackends` entry whose token is being fetched (its name); absent for the middleware's own. */
  backend?: string;
}

/**
 * Worth another try: the network (reset, refused, DNS, timeout), 408, 429 and 5xx. A 400, 401 or
 * 403 says the request itself is wrong; repeating it only hammers the server.
 */
function isRetryable(error: unknown): boolean {
  if (!(error instanceof McaTokenError) || error.code !== 'ERR_MCA_TOKEN_REQUEST_FAILED') return false;
  const status = error.tokenEndpointStatus;
  return status === undefined || status === 408 || status === 429 || status >= 500;
}

/**
 * Runs attempts until one succeeds, a failure is not retryable, `retries` are spent, or the
 * next wait would pass `deadlineMs`. Each attempt's timeout is cut to what the deadline leaves,
 * so a hanging server never holds a caller past the deadline. Deadlines use the monotonic clock:
 * the injectable `now` is for token expiry, and a test's frozen clock must not freeze waits.
 */
export async function fetchWithRetry(
  endpoint: TokenEndpoint,
  policy: RetryPolicy,
  signal: AbortSignal,
  onRetry: (event: RetryEvent) => void,
  holdProcess = false,
): Promise<{ grant: TokenGrant; attempts: number }> {
  const deadline = performance.now() + policy.deadlineMs;
  for (let attempt = 0; ; attempt++) {
    const remaining = Math.max(1, Math.floor(deadline - performance.now()));
    try {
      const grant = await endpoint.requestToken(signal, Math.min(policy.timeoutMs, remaining));
      return { grant, attempts: attempt + 1 };
    } catch (error) {
      if (error instanceof McaTokenError) error.attempts = attempt + 1;
      if (signal.aborted || !isRetryable(error) || attempt >= policy.retries) throw error;
      const retryAfter = (error as McaTokenError).retryAfterMs;
      const delayMs = retryAfter !== undefined ? Math.min(retryAfter, policy.retryAfterMaxMs) : fullJitterDelay(attempt, policy.retryBaseMs, policy.retryMaxMs);
      // An attempt squeezed into the deadline's last milliseconds cannot succeed; it would only
      // add a request. Give up unless a useful slice of time is left after the wait.
      if (performance.now() + delayMs + Math.min(policy.timeoutMs, MIN_ATTEMPT_MS) > deadline) throw error;
      const failed = error as McaTokenError;
      onRetry({ attempt: attempt + 2, delayMs, code: failed.code, status: failed.tokenEndpointStatus });
      await sleep(delayMs, signal, holdProcess);
    }
  }
}
