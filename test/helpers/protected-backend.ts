import http from 'node:http';
import { listenOnLoopback } from './loopback';

/** A real back end on 127.0.0.1 that accepts only `Bearer <token>` for tokens in `valid`. */
export interface ProtectedBackend {
  url: string;
  /** The Authorization header of each request, in order (undefined when absent). */
  seen: (string | undefined)[];
  valid: Set<string>;
  /** Statuses to answer next, one each, whatever the token (e.g. 401 once, 403). */
  script: number[];
  /** When set, every request gets this status. */
  always?: number;
  /** Redirects: path -> Location. */
  redirects: Map<string, string>;
  close(): Promise<void>;
}

export async function startProtectedBackend(valid: Iterable<string> | (() => Iterable<string>)): Promise<ProtectedBackend> {
  const seen: (string | undefined)[] = [];
  const staticValid = typeof valid === 'function' ? undefined : new Set(valid);
  const script: number[] = [];
  const redirects = new Map<string, string>();
  const server = http.createServer((req, res) => {
    const auth = req.headers.authorization;
    seen.push(auth);
    req.resume();
    const location = redirects.get(req.url ?? '');
    if (location !== undefined) {
      res.writeHead(302, { Location: location });
      res.end();
      return;
    }
    const forced = script.shift() ?? backend.always;
    if (forced !== undefined) {
      res.writeHead(forced, forced === 401 ? { 'WWW-Authenticate': 'Bearer error="invalid_token"' } : {});
      res.end();
      return;
    }
    const accepted = new Set(staticValid ?? (valid as () => Iterable<string>)());
    // IBM's validator: trim, collapse whitespace, split; exactly "Bearer" then the token.
    const parts = (auth ?? '').trim().split(/\s+/);
    if (parts[0] !== 'Bearer' || parts.length < 2 || !accepted.has(parts[1]!)) {
      res.writeHead(401, { 'WWW-Authenticate': 'Bearer error="invalid_token"' });
      res.end();
      return;
    }
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ ok: true, path: req.url, token: parts[1] }));
  });
  const loopback = await listenOnLoopback(server);
  const backend: ProtectedBackend = {
    url: loopback.url,
    seen,
    script,
    redirects,
    valid: staticValid ?? new Set(),
    close: loopback.close,
  };
  return backend;
}
