import { scrubSentRequest } from '../../outbound/scrub-sent-request';
import { REDACTED } from '../../outbound/redacted';
import { walkErrorChain } from '../../outbound/error-chain';

function scrubText(holder: Record<string, unknown>, key: string, sent: string): void {
  const value = holder[key];
  if (typeof value === 'string' && value.includes(sent)) {
    try {
      holder[key] = value.split(sent).join(REDACTED);
    } catch {
      // a read-only property: nothing this package wrote, and nothing it can change
    }
  }
}

function redactOne(error: object, sent: string | undefined): void {
  scrubSentRequest(error, sent);
  const holder = error as Record<string, unknown>;
  // A `Request` an error carries (an instrumented fetch's, ky's HTTPError).
  scrubSentRequest(holder.request, sent);
  if (sent === undefined) return;
  scrubText(holder, 'message', sent);
  scrubText(holder, 'stack', sent);
}

/**
 * Makes an error fit to leave `mcaFetch`. fetch's own errors (`TypeError: fetch failed` and its
 * `cause`) are not built from request headers today; this keeps it so whatever undici does next:
 * any text in the error, its cause chain or an `AggregateError`'s `errors` that holds the header
 * sent is cut out, and a `Request` found there has its credentials replaced.
 */
export function redactFetchError(error: unknown, sent: string | undefined): unknown {
  walkErrorChain(error, redactOne, sent);
  return error;
}
