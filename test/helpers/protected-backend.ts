import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** A real back end on 127.0.0.1 that accepts only `Bearer <token>` for tokens in `valid`. */
export interface ProtectedBackend {
  url: string;
  /** The Authorization header of each request, in order (undefined when absent). */
  seen: (string | undefined)[];
  valid: Set<string>;
  close(): Promise<void>;
}

export async function startProtectedBackend(valid: Iterable<string> | (() => Iterable<string>)): Promise<ProtectedBackend> {
  const seen: (string | undefined)[] = [];
  const staticValid = typeof valid === 'function' ? undefined : new Set(valid);
  const server = http.createServer((req, res) => {
    const auth = req.headers.authorization;
    seen.push(auth);
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
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    valid: staticValid ?? new Set(),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
