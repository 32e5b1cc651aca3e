import http from 'node:http';
import { listenOnLoopback } from '../helpers/loopback';

export interface Hit {
  path: string;
  authorization: string | undefined;
  method: string;
  cookie: string | undefined;
  /** Every header of the request, as Node parsed it (lower-case names). */
  headers: http.IncomingHttpHeaders;
  body: string;
}

/**
 * A back end on 127.0.0.1 for the client matrix. `/ok` answers 200 JSON to a valid token and 401
 * otherwise; `/always401` always 401; `/status/<n>` that status; `/badjson` 200 with a broken JSON
 * body; `/redirect?to=<url>&status=<n>` a redirect; `/loop` redirects to itself. Every hit is kept.
 */
export interface ScriptedBackend {
  url: string;
  hits: Hit[];
  valid: () => Iterable<string>;
  openConnections(): Promise<number>;
  close(): Promise<void>;
}

export async function startScriptedBackend(valid: () => Iterable<string>): Promise<ScriptedBackend> {
  const hits: Hit[] = [];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const hit: Hit = {
      path: url.pathname,
      authorization: req.headers.authorization,
      method: req.method ?? '',
      cookie: req.headers.cookie,
      headers: req.headers,
      body: '',
    };
    hits.push(hit);
    req.on('data', (chunk: Buffer) => (hit.body += chunk.toString()));
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const accepted = token !== undefined && new Set(valid()).has(token);
    const unauthorized = (): void => {
      res.writeHead(401, { 'WWW-Authenticate': 'Bearer error="invalid_token"', 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ error: 'invalid_token', filler: 'x'.repeat(256 * 1024) }));
    };
    if (url.pathname === '/redirect' || url.pathname === '/loop') {
      const to = url.pathname === '/loop' ? '/loop' : (url.searchParams.get('to') ?? '/ok');
      res.writeHead(Number(url.searchParams.get('status') ?? 302), { Location: to });
      res.end();
      return;
    }
    if (url.pathname === '/always401') return unauthorized();
    if (url.pathname.startsWith('/status/')) {
      res.writeHead(Number(url.pathname.slice(8)), { 'Content-Type': 'text/plain' });
      res.end('status body');
      return;
    }
    if (!accepted) return unauthorized();
    if (url.pathname === '/badjson') {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end('{"broken":');
      return;
    }
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ ok: true, path: url.pathname }));
  });
  const loopback = await listenOnLoopback(server);
  return {
    url: loopback.url,
    hits,
    valid,
    openConnections: () => new Promise((resolve, reject) => server.getConnections((e, n) => (e ? reject(e) : resolve(n)))),
    close: loopback.close,
  };
}
