import http from 'node:http';
import { listenOnLoopback } from './loopback';

/** One request as it arrived on the wire. */
export interface CapturedRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  rawHeaders: string[];
  body: string;
}

export interface ScriptedResponse {
  status?: number;
  body?: string | object;
  headers?: Record<string, string>;
  /** Delay before answering, in ms. */
  delayMs?: number;
  /** Never answer (for timeouts). */
  hang?: boolean;
  /** Reset the connection without answering. */
  reset?: boolean;
}

export interface TokenServerOptions {
  clientId?: string;
  secret?: string;
  tenantId?: string;
  /** `expires_in` of issued tokens; `null` leaves the field out. */
  expiresIn?: number | string | null;
}

/**
 * A real MCA-compatible token endpoint on 127.0.0.1 (ephemeral port). By default it checks the
 * request exactly as docs/protocol.md describes and issues `tok-1`, `tok-2`, … Tests may script answers.
 */
export interface TokenServer {
  /** Base to pass as `serverUrl` (MCA): `http://127.0.0.1:port/imf-authserver`. */
  serverUrl: string;
  /** App ID-style base: `http://127.0.0.1:port/oauth/v4/<tenant>`. */
  oauthServerUrl: string;
  origin: string;
  requests: CapturedRequest[];
  /** Tokens issued so far, in order. */
  issued: string[];
  /** Answers to give next, one each, before the default behaviour resumes. */
  script: ScriptedResponse[];
  /** While true, every request is answered by a connection reset (the server is "down"). */
  down: boolean;
  /** Open client connections right now. */
  connections(): number;
  /** Hanging requests whose client closed the connection (an abort), not counting the server's own close(). */
  readonly abortedHangs: number;
  options: Required<TokenServerOptions>;
  close(): Promise<void>;
}

export async function startTokenServer(options: TokenServerOptions = {}): Promise<TokenServer> {
  const opts: Required<TokenServerOptions> = {
    clientId: options.clientId ?? 'client-1',
    secret: options.secret ?? 's3cr3t-value',
    tenantId: options.tenantId ?? 'tenant-1',
    expiresIn: options.expiresIn === undefined ? 3600 : options.expiresIn,
  };
  const requests: CapturedRequest[] = [];
  const issued: string[] = [];
  const script: ScriptedResponse[] = [];
  const hanging = new Set<http.ServerResponse>();
  const state = { down: false, abortedHangs: 0, closing: false };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const captured: CapturedRequest = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        rawHeaders: req.rawHeaders,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      requests.push(captured);
      if (state.down) return void res.socket?.resetAndDestroy();
      const scripted = script.shift();
      if (scripted?.hang) {
        hanging.add(res);
        res.on('close', () => {
          if (!state.closing && !res.writableEnded) state.abortedHangs++;
        });
        return;
      }
      if (scripted) return answerScripted(res, scripted, hanging, issued);
      const expectedBasic = `Basic ${Buffer.from(`${opts.clientId}:${opts.secret}`).toString('base64')}`;
      const postAuthOk =
        captured.body.includes(`client_id=${encodeURIComponent(opts.clientId)}`) && captured.body.includes(`client_secret=${encodeURIComponent(opts.secret)}`);
      if (req.method !== 'POST') return send(res, 405, { error: 'invalid_request' });
      if (req.headers.authorization !== expectedBasic && !postAuthOk) return send(res, 401, { error: 'invalid_client' });
      if (!captured.body.startsWith('grant_type=client_credentials')) return send(res, 400, { error: 'unsupported_grant_type' });
      const token = `tok-${issued.length + 1}`;
      issued.push(token);
      const body: Record<string, unknown> = { access_token: token, token_type: 'Bearer' };
      if (opts.expiresIn !== null) body.expires_in = opts.expiresIn;
      send(res, 200, body);
    });
  });
  const sockets = new Set<import('node:net').Socket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  const loopback = await listenOnLoopback(server);
  const origin = loopback.url;
  return {
    serverUrl: `${origin}/imf-authserver`,
    oauthServerUrl: `${origin}/oauth/v4/${opts.tenantId}`,
    origin,
    requests,
    issued,
    script,
    get down() {
      return state.down;
    },
    set down(value: boolean) {
      state.down = value;
    },
    connections: () => sockets.size,
    get abortedHangs() {
      return state.abortedHangs;
    },
    options: opts,
    close: async () => {
      state.closing = true;
      for (const res of hanging) res.destroy();
      await loopback.close();
    },
  };
}

function send(res: http.ServerResponse, status: number, body: object | string, headers: Record<string, string> = {}): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': typeof body === 'string' ? 'text/html' : 'application/json', ...headers });
  res.end(text);
}

function answerScripted(res: http.ServerResponse, scripted: ScriptedResponse, hanging: Set<http.ServerResponse>, issued: string[]): void {
  if (scripted.hang) {
    hanging.add(res);
    return;
  }
  if (scripted.reset) {
    res.socket?.resetAndDestroy();
    return;
  }
  const reply = (): void => {
    const body = scripted.body ?? { access_token: `tok-${issued.length + 1}`, token_type: 'Bearer', expires_in: 3600 };
    if (scripted.body === undefined) issued.push(`tok-${issued.length + 1}`);
    send(res, scripted.status ?? 200, body, scripted.headers);
  };
  if (scripted.delayMs) setTimeout(reply, scripted.delayMs);
  else reply();
}
