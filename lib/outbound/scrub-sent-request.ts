import { REDACTED } from './redacted';

// A DPoP proof (RFC 9449) is a credential for its method and URL: the package's, or a caller's own sent beside a Bearer token.
const CREDENTIAL_LINE = /^((?:proxy-)?authorization|dpop):[^\r\n]*/gim;
const CREDENTIAL_NAMES = new Set(['authorization', 'proxy-authorization', 'dpop']);

// The header map of http.OutgoingMessage lives under a symbol that Node does not export; its
// values are [name, value]. Found once, on the first request seen.
let kOutHeaders: symbol | undefined;
const NONE = Symbol('none');

function outHeadersSymbol(request: object): symbol {
  if (kOutHeaders === undefined) {
    const found = Object.getOwnPropertySymbols(request).find((symbol) => symbol.description === 'kOutHeaders');
    if (found === undefined) return NONE;
    kOutHeaders = found;
  }
  return kOutHeaders;
}

interface Unsent {
  // Bytes written before the socket connected (a refused connection, a proxy that never
  // answered): the whole header block, token and all, waits there as the error is raised.
  outputData?: { data?: unknown }[];
  socket?: { _pendingData?: unknown } | null;
}

function scrubChunk(chunk: unknown): unknown {
  if (typeof chunk === 'string') return chunk.replace(CREDENTIAL_LINE, `$1: ${REDACTED}`);
  if (Buffer.isBuffer(chunk)) return Buffer.from(scrubChunk(chunk.toString('latin1')) as string, 'latin1');
  return chunk;
}

function scrubUnsent(request: Unsent): void {
  if (Array.isArray(request.outputData)) for (const item of request.outputData) if (item) item.data = scrubChunk(item.data);
  const socket = request.socket;
  const pending = socket?._pendingData;
  if (pending === undefined || pending === null) return;
  socket!._pendingData = Array.isArray(pending)
    ? pending.map((item: unknown) => (typeof item === 'object' && item !== null && 'chunk' in item ? { ...item, chunk: scrubChunk(item.chunk) } : item))
    : scrubChunk(pending);
}

/**
 * Replaces the credentials in a request object that has been sent: Node's `ClientRequest` (its raw
 * header block `_header` and its header map) or a fetch `Request` (its `Headers`). Such an object
 * outlives the call in many places that applications log: an error's `request`, a response
 * stream's `req`, the pipes of a stream body. Scrubbing the object itself covers them all, what
 * ever raised the error. Called once the response (or the failure) is in: the bytes are on the
 * wire, and nothing reads these fields again. `sent`: the `Authorization` value the caller put in,
 * when it knows it (besides it, the block can only hold a proxy's credentials or a DPoP proof).
 */
export function scrubSentRequest(request: unknown, sent?: string): void {
  if (typeof request !== 'object' || request === null) return;
  const raw = request as { _header?: unknown };
  if (typeof raw._header === 'string') {
    // The hot path knows the value it sent: a plain string replace; a scan only when the block names a proxy or a DPoP proof.
    const header = sent === undefined ? raw._header : raw._header.replace(`: ${sent}\r\n`, `: ${REDACTED}\r\n`);
    raw._header = sent === undefined || /roxy-|dpop/i.test(header) ? header.replace(CREDENTIAL_LINE, `$1: ${REDACTED}`) : header;
    const map = (request as Record<symbol, Record<string, [string, unknown]> | null>)[outHeadersSymbol(request)];
    if (map) for (const key of CREDENTIAL_NAMES) if (map[key]) map[key][1] = REDACTED;
    scrubWaiting(request);
    return;
  }
  if (typeof Request === 'function' && request instanceof Request) {
    for (const name of CREDENTIAL_NAMES) {
      try {
        if (request.headers.has(name)) request.headers.set(name, REDACTED);
      } catch {
        // An immutable Headers guard: nothing to do but leave it.
      }
    }
  }
}

// Node keeps copies of a request's options, headers and `auth` included, under symbols it does not
// export: http.Agent on a request that had to wait for a free socket (its `maxSockets` reached), and
// tls.connect on the TLS socket it opened for the request (its `connect-options`), for as long as
// each lives; an `https:` call's socket is reachable from its response and its error. Each symbol
// is found on the first object that has it.
let kRequestOptions: symbol | undefined;
let kConnectOptions: symbol | undefined;

type HeldOptions = { headers?: Record<string, unknown>; auth?: unknown } | null | undefined;

/** The copies of the request's credentials that Node keeps beside the sent header block. */
function scrubWaiting(request: object): void {
  scrubUnsent(request);
  // Each symbol is looked for only where it can be (a search is ~0.5 µs, on every call until found):
  // a request waits for a socket only under an agent with a bound, and only a TLS socket is opened by
  // tls.connect. An agent-like object without the bounds counts as bounded.
  const { agent, socket } = request as { agent?: { maxSockets?: unknown; maxTotalSockets?: unknown } | null; socket?: unknown };
  if (agent && (agent.maxSockets !== Infinity || agent.maxTotalSockets !== Infinity)) {
    kRequestOptions ??= Object.getOwnPropertySymbols(request).find((symbol) => symbol.description === 'requestOptions');
    if (kRequestOptions !== undefined) scrubOptions((request as Record<symbol, HeldOptions>)[kRequestOptions]);
  }
  if (typeof socket !== 'object' || socket === null || (socket as { encrypted?: unknown }).encrypted !== true) return;
  kConnectOptions ??= Object.getOwnPropertySymbols(socket).find((symbol) => symbol.description === 'connect-options');
  if (kConnectOptions !== undefined) scrubOptions((socket as Record<symbol, HeldOptions>)[kConnectOptions]);
}

function scrubOptions(options: HeldOptions): void {
  if (!options) return;
  // `user:password` of axios's `auth` or of a URL's userinfo, sent as Basic credentials.
  if (typeof options.auth === 'string') options.auth = REDACTED;
  const headers = options.headers;
  if (!headers) return;
  // A copy: the object may be the one the caller's code built.
  let copy: Record<string, unknown> | undefined;
  for (const name of Object.keys(headers)) if (CREDENTIAL_NAMES.has(name.toLowerCase())) (copy ??= { ...headers })[name] = REDACTED;
  if (copy !== undefined) options.headers = copy;
}
