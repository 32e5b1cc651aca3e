// Which objects of an error a transport redacts before the error reaches the caller: the error,
// its `cause` chain, and the members of an AggregateError (`errors`), as Node and undici nest
// them (`fetch failed` → AggregateError of one error per address tried). One walk for every
// transport; what to do at each error is the transport's own (its error shapes differ).

/** Levels looked into: the error and five causes (or aggregate members) below it. */
const MAX_DEPTH = 5;

/** Redacts one object of the chain; `sent` is the Authorization value the hop carried, when known. */
export type ErrorVisitor = (error: object, sent: string | undefined) => void;

/**
 * Calls `visit` on `error` and on every object below it, at most {@link MAX_DEPTH} levels down.
 * A plain cause chain allocates nothing (the depth bounds a cycle, and a visitor may see an object
 * twice there); the first `errors` list met brings a map in, from which on each object is visited
 * once, so an AggregateError that lists one error many times, or itself, costs no more than its
 * distinct members (one is walked again only when met nearer the top: at most once per level).
 */
export function walkErrorChain(error: unknown, visit: ErrorVisitor, sent: string | undefined): void {
  walk(error, 0, visit, sent, undefined);
}

function walk(
  value: unknown,
  depth: number,
  visit: ErrorVisitor,
  sent: string | undefined,
  seen: Map<object, number> | undefined,
): Map<object, number> | undefined {
  if (typeof value !== 'object' || value === null || depth > MAX_DEPTH) return seen;
  if (seen === undefined) visit(value, sent);
  else {
    // Each object with the least depth it was met at: met again nearer the top, it is walked
    // again (not visited again), since causes that were past the bound may be within it now.
    const at = seen.get(value);
    if (at !== undefined && at <= depth) return seen;
    seen.set(value, depth);
    if (at === undefined) visit(value, sent);
  }
  const links = value as { cause?: unknown; errors?: unknown };
  seen = walk(links.cause, depth + 1, visit, sent, seen);
  const errors = links.errors;
  if (Array.isArray(errors) && errors.length > 0) {
    seen ??= new Map([[value, depth]]);
    for (const inner of errors) seen = walk(inner, depth + 1, visit, sent, seen);
  }
  return seen;
}
