// How a transport decides the parts of an `OutboundCall` that do not depend on its library: did
// the caller opt out, can the body be sent twice, how many redirects are followed. The transport
// only reads its own API's fields (axios's config, fetch's init) and hands them to these rules.

/**
 * Redirects followed when the caller names no limit: each transport keeps its own library's
 * default, so that swapping the native client for `req.mcaClient` or `req.mcaFetch` follows as
 * many hops as before. Not a divergence to fix: axios (follow-redirects) follows 21 redirects and
 * fails on the 22nd; the Fetch standard follows 20 ("if request's redirect count is 20, return a
 * network error").
 */
export const AXIOS_MAX_REDIRECTS = 21;
/** See {@link AXIOS_MAX_REDIRECTS}: the Fetch standard's limit, which the caller cannot change. */
export const FETCH_MAX_REDIRECTS = 20;
/**
 * The most redirects any call follows, whatever the caller asks (axios takes `maxRedirects:
 * Infinity`): a back end that redirects to itself must not hold a call without a timeout forever.
 */
export const MAX_REDIRECTS_CEILING = 100;

/** A caller's `maxRedirects` (a number ≥ 0, capped at {@link MAX_REDIRECTS_CEILING}), or the library's default for anything else. */
export function redirectLimit(asked: unknown, libraryDefault: number): number {
  return typeof asked === 'number' && asked >= 0 ? Math.min(asked, MAX_REDIRECTS_CEILING) : libraryDefault;
}

/**
 * The call carries no token: the caller said `mcaAuth: false`, or brought a credential of its own
 * (an `Authorization` header of any spelling, axios's `auth`). The token must never replace the
 * caller's credential, and a 401 to that credential must never drop a good token.
 */
export function optedOut(mcaAuth: unknown, ownCredential: boolean): boolean {
  return mcaAuth === false || ownCredential;
}

/**
 * The body can be sent again (after a 401, on a 307/308): anything but a stream. Strings, numbers,
 * Buffers and other bytes, `URLSearchParams`, `Blob`s and native `FormData` are read anew on every
 * send (axios and fetch alike; other objects are sent as their text). A stream is consumed by the
 * first send: a Node stream (`pipe`, which covers the `form-data` package and what axios's
 * `postForm` builds), a web `ReadableStream` (`getReader`; a second send fails with "disturbed or
 * locked"), or an async iterable, which fetch (and axios's fetch adapter) reads as a stream.
 */
export function isReplayableBody(body: unknown): boolean {
  if (typeof body !== 'object' || body === null) return true;
  const stream = body as { pipe?: unknown; getReader?: unknown; [Symbol.asyncIterator]?: unknown };
  return typeof stream.pipe !== 'function' && typeof stream.getReader !== 'function' && typeof stream[Symbol.asyncIterator] !== 'function';
}
