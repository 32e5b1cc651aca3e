import { scrubSentRequest } from '../../outbound/scrub-sent-request';

const REDACTED = '[redacted]';
const MAX_DEPTH = 5;

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

/**
 * Makes an error fit to leave `mcaFetch`. fetch's own errors (`TypeError: fetch failed` and its
 * `cause`) are not built from request headers today; this keeps it so whatever undici does next:
 * any text in the error, its cause chain or an `AggregateError`'s `errors` that holds the header
 * sent is cut out, and a `Request` found there has its credentials replaced.
 */
export function redactFetchError(error: unknown, sent: string | undefined): unknown {
  const queue: { value: unknown; depth: number }[] = [{ value: error, depth: 0 }];
  const seen = new Set<unknown>();
  while (queue.length > 0) {
    const { value, depth } = queue.pop()!;
    if (typeof value !== 'object' || value === null || seen.has(value) || depth > MAX_DEPTH) continue;
    seen.add(value);
    scrubSentRequest(value, sent);
    const holder = value as Record<string, unknown>;
    if (sent !== undefined) for (const key of ['message', 'stack']) scrubText(holder, key, sent);
    queue.push({ value: holder.cause, depth: depth + 1 }, { value: holder.request, depth: depth + 1 });
    if (Array.isArray(holder.errors)) for (const inner of holder.errors) queue.push({ value: inner, depth: depth + 1 });
  }
  return error;
}
