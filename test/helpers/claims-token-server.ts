import http from 'node:http';
import { listenOnLoopback } from './loopback';

/** What a token says about itself: the back ends read these to check that it is meant for them. */
export interface Claims {
  client: string;
  scope?: string;
  audience?: string;
  resource?: string;
  /** IBM Cloud IAM's subject claim, in the tokens of test/helpers/iam-server.ts. */
  iam_id?: string;
}

/**
 * An OAuth token endpoint on 127.0.0.1 (any path) for several clients (`client_secret_basic` or
 * `client_secret_post`). Each token is `t<n>.<base64url(JSON claims)>`, so a back end can check
 * the client, scope, audience and resource it was issued for. `hold`: answers wait for `release()`.
 */
export interface ClaimsTokenServer {
  url: string;
  /** Issued tokens, in order, with their claims. */
  issued: { token: string; claims: Claims }[];
  /** Token requests, counted by the claims asked for (JSON of Claims). */
  posts(filter?: Partial<Claims>): number;
  hold: boolean;
  /** Answers the held requests and stops holding. */
  release(): void;
  /** Resolves when `n` token requests have arrived. */
  arrived(n: number): Promise<void>;
  close(): Promise<void>;
}

export function decodeClaims(token: string): Claims | undefined {
  const body = token.split('.')[1];
  if (body === undefined) return undefined;
  try {
    return JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Claims;
  } catch {
    return undefined;
  }
}

export async function startClaimsTokenServer(clients: Record<string, string>): Promise<ClaimsTokenServer> {
  const issued: { token: string; claims: Claims }[] = [];
  const asked: Claims[] = [];
  const held: (() => void)[] = [];
  const waiters: { n: number; resolve: () => void }[] = [];
  const state = { hold: false };
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const form = new URLSearchParams(body);
      let client: string | undefined;
      let secret: string | undefined;
      const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? '')?.[1];
      if (basic !== undefined) [client, secret] = Buffer.from(basic, 'base64').toString('utf8').split(':');
      else [client, secret] = [form.get('client_id') ?? undefined, form.get('client_secret') ?? undefined];
      const claims: Claims = { client: client ?? '' };
      for (const key of ['scope', 'audience', 'resource'] as const) if (form.get(key) !== null) claims[key] = form.get(key)!;
      asked.push(claims);
      for (const w of waiters.splice(0))
        if (asked.length >= w.n) w.resolve();
        else waiters.push(w);
      const answer = (): void => {
        if (client === undefined || clients[client] !== secret || form.get('grant_type') !== 'client_credentials') {
          res.writeHead(401, { 'Content-Type': 'application/json' });
          res.end('{"error":"invalid_client"}');
          return;
        }
        const token = `t${issued.length + 1}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
        issued.push({ token, claims });
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ access_token: token, token_type: 'Bearer', expires_in: 3600 }));
      };
      if (state.hold) held.push(answer);
      else answer();
    });
  });
  const loopback = await listenOnLoopback(server);
  return {
    url: `${loopback.url}/oauth/token`,
    issued,
    posts: (filter = {}) => asked.filter((c) => Object.entries(filter).every(([k, v]) => c[k as keyof Claims] === v)).length,
    get hold() {
      return state.hold;
    },
    set hold(value: boolean) {
      state.hold = value;
    },
    release() {
      state.hold = false;
      for (const answer of held.splice(0)) answer();
    },
    arrived: (n) => (asked.length >= n ? Promise.resolve() : new Promise((resolve) => waiters.push({ n, resolve }))),
    close: loopback.close,
  };
}

export interface ClaimsHit {
  path: string;
  method: string;
  authorization: string | undefined;
  claims: Claims | undefined;
  body: string;
}

/**
 * A back end on 127.0.0.1 that accepts only live tokens whose claims include `wants` (its
 * audience, scope or client). `/redirect?to=<url>&status=<n>` redirects; `/always401` is 401;
 * `/loop` redirects to itself; anything else is 200 JSON with the body it got, or 401.
 */
export interface ClaimsBackend {
  url: string;
  hits: ClaimsHit[];
  revoked: Set<string>;
  close(): Promise<void>;
}

/** Live tokens: a claims token server's, or another issuer's (the IAM server's, mapped to `{ token }`). */
type Issuer = () => { issued: readonly { token: string }[] };

export async function startClaimsBackend(wants: Partial<Claims>, tokens: Issuer): Promise<ClaimsBackend> {
  const hits: ClaimsHit[] = [];
  const revoked = new Set<string>();
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const token = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1];
    const claims = token === undefined ? undefined : decodeClaims(token);
    const hit: ClaimsHit = { path: url.pathname, method: req.method ?? '', authorization: req.headers.authorization, claims, body: '' };
    hits.push(hit);
    req.on('data', (chunk: Buffer) => (hit.body += chunk.toString()));
    req.on('end', () => {
      if (url.pathname === '/redirect' || url.pathname === '/loop') {
        res.writeHead(Number(url.searchParams.get('status') ?? 302), { Location: url.pathname === '/loop' ? '/loop' : (url.searchParams.get('to') ?? '/ok') });
        return void res.end();
      }
      const live = token !== undefined && !revoked.has(token) && tokens().issued.some((t) => t.token === token);
      const meant = claims !== undefined && Object.entries(wants).every(([k, v]) => claims[k as keyof Claims] === v);
      if (url.pathname === '/always401' || !live || !meant) {
        res.writeHead(401, { 'WWW-Authenticate': 'Bearer error="invalid_token"', 'Content-Type': 'application/json' });
        return void res.end('{"error":"invalid_token"}');
      }
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ ok: true, path: url.pathname, method: req.method, body: hit.body }));
    });
  });
  const loopback = await listenOnLoopback(server);
  return {
    url: loopback.url,
    hits,
    revoked,
    close: loopback.close,
  };
}
