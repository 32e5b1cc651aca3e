import http from 'node:http';
import { listenOnLoopback } from './loopback';

/** A forward HTTP proxy on 127.0.0.1 that answers every request itself and records what it saw. */
export interface CaptureProxy {
  url: string;
  port: number;
  /** Absolute request URL and headers of each proxied request. */
  seen: { url: string; headers: http.IncomingHttpHeaders; body: string }[];
  close(): Promise<void>;
}

export async function startCaptureProxy(answer: { status: number; body: object } = { status: 200, body: { ok: true } }): Promise<CaptureProxy> {
  const seen: CaptureProxy['seen'] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({ url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(answer.status, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(answer.body));
    });
  });
  const loopback = await listenOnLoopback(server);
  return {
    url: loopback.url,
    port: loopback.port,
    seen,
    close: loopback.close,
  };
}
