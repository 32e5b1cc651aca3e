import http from 'node:http';
import { listenOnLoopback } from './loopback';

/** One token request as it arrived, its form decoded. */
export interface ExchangeRequest {
  authorization: string | undefined;
  /** The DPoP proof header, when one came. */
  dpop: string | undefined;
  contentType: string | undefined;
  form: Record<string, string>;
  /** Field names in the order they came. */
  order: string[];
}

/** What a token minted here stands for. */
export interface Minted {
  /** The end user (`sub` of the subject token), or `app` for the client's own token. */
  user: string;
  audience: string | undefined;
  grant: 'token-exchange' | 'jwt-bearer' | 'client_credentials';
}

export interface ExchangeServer {
  tokenUrl: string;
  requests: ExchangeRequest[];
  /** Every token minted here, by its value. */
  minted: Map<string, Minted>;
  /** Subject tokens it takes, by value: the user they name. Any other subject is refused (`invalid_grant`). */
  subjects: Map<string, string>;
  /** Exchanges are answered only once this many are pending (or after 2 s): makes users overlap. */
  barrier: number;
  expiresIn: number;
  /**
   * Fields that replace those of a successful exchange's answer (`{ issued_token_type: undefined }`
   * leaves it out). By default a token exchange answers `issued_token_type` access_token, and the
   * JWT bearer grant, as Entra does, none.
   */
  exchangeAnswer: Record<string, unknown>;
  close(): Promise<void>;
}

/** The middleware's own OAuth client in the on-behalf-of suites (it exchanges the users' tokens). */
export const CLIENT = { id: 'obo-client', secret: 'obo-s3cret-value' };

/** `mcaOAuth()` settings for {@link CLIENT} at `server`'s token endpoint, reading no environment. */
export function ownClientOptions(server: Pick<ExchangeServer, 'tokenUrl'>) {
  return { env: {}, envFile: false as const, clientId: CLIENT.id, secret: CLIENT.secret, tokenUrl: server.tokenUrl };
}

export const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
export const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
export const ACCESS_TOKEN = 'urn:ietf:params:oauth:token-type:access_token';

/**
 * An RFC 8693 token server on 127.0.0.1 (and Entra's on-behalf-of variant) that checks every field
 * it is sent: the client (Basic `clientId:secret`), the grant, the subject token and its type, the
 * audience and scope the test expects; anything missing or unexpected is a 400 that names it.
 */
export async function startExchangeServer(client: { id: string; secret: string }, expect: { audience?: string; scope?: string }): Promise<ExchangeServer> {
  let counter = 0;
  const pending: (() => void)[] = [];
  const state: ExchangeServer = {
    tokenUrl: '',
    requests: [],
    minted: new Map(),
    subjects: new Map(),
    barrier: 1,
    expiresIn: 3600,
    exchangeAnswer: {},
    close: async () => undefined,
  };
  const answer = (res: http.ServerResponse, status: number, body: object): void => {
    res.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
    res.end(JSON.stringify(body));
  };
  const mint = (minted: Minted): string => {
    const token = `minted-${minted.grant}-${minted.user}-${minted.audience ?? 'none'}-${++counter}`;
    state.minted.set(token, minted);
    return token;
  };
  const server = http.createServer((req, res) => {
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (raw += chunk));
    req.on('end', () => {
      const params = new URLSearchParams(raw);
      const form = Object.fromEntries(params);
      state.requests.push({
        authorization: req.headers.authorization,
        dpop: typeof req.headers.dpop === 'string' ? req.headers.dpop : undefined,
        contentType: req.headers['content-type'],
        form,
        order: [...params.keys()],
      });
      const basic = `Basic ${Buffer.from(`${encodeURIComponent(client.id)}:${encodeURIComponent(client.secret)}`).toString('base64')}`;
      if (req.method !== 'POST' || req.url !== '/token') return answer(res, 404, { error: 'invalid_request' });
      if (req.headers['content-type'] !== 'application/x-www-form-urlencoded')
        return answer(res, 400, { error: 'invalid_request', error_description: 'content type' });
      if (req.headers.authorization !== basic) return answer(res, 401, { error: 'invalid_client' });
      if (new Set(params.keys()).size !== [...params.keys()].length) return answer(res, 400, { error: 'invalid_request', error_description: 'repeated field' });
      const grant = form.grant_type;
      if (grant === 'client_credentials') {
        return answer(res, 200, {
          access_token: mint({ user: 'app', audience: form.audience, grant: 'client_credentials' }),
          token_type: 'Bearer',
          expires_in: state.expiresIn,
        });
      }
      if (expect.audience !== undefined && form.audience !== expect.audience)
        return answer(res, 400, { error: 'invalid_target', error_description: 'audience' });
      if (expect.audience === undefined && form.audience !== undefined)
        return answer(res, 400, { error: 'invalid_request', error_description: 'unexpected audience' });
      if (form.scope !== expect.scope) return answer(res, 400, { error: 'invalid_scope' });
      let subject: string | undefined;
      let allowed: string[];
      if (grant === TOKEN_EXCHANGE) {
        if (form.subject_token_type !== ACCESS_TOKEN) return answer(res, 400, { error: 'invalid_request', error_description: 'subject_token_type' });
        subject = form.subject_token;
        allowed = ['grant_type', 'subject_token', 'subject_token_type', 'audience', 'scope', 'resource'];
      } else if (grant === JWT_BEARER) {
        if (form.requested_token_use !== 'on_behalf_of') return answer(res, 400, { error: 'invalid_request', error_description: 'requested_token_use' });
        subject = form.assertion;
        allowed = ['grant_type', 'assertion', 'requested_token_use', 'audience', 'scope', 'resource'];
      } else {
        return answer(res, 400, { error: 'unsupported_grant_type' });
      }
      const extra = Object.keys(form).filter((name) => !allowed.includes(name));
      if (extra.length > 0) return answer(res, 400, { error: 'invalid_request', error_description: `unexpected ${extra.join(',')}` });
      const user = subject === undefined ? undefined : state.subjects.get(subject);
      const release = (): void => {
        // A refusal that echoes what it got, as some servers do: the client must not keep it.
        if (user === undefined) return answer(res, 400, { error: 'invalid_grant', error_description: `subject ${subject ?? ''} not accepted` });
        answer(res, 200, {
          access_token: mint({ user, audience: form.audience, grant: grant === JWT_BEARER ? 'jwt-bearer' : 'token-exchange' }),
          // With a DPoP proof on the request, the token is bound (the test's back end checks the proof).
          token_type: req.headers.dpop === undefined ? 'Bearer' : 'DPoP',
          expires_in: state.expiresIn,
          ...(grant === TOKEN_EXCHANGE ? { issued_token_type: ACCESS_TOKEN } : {}),
          ...state.exchangeAnswer,
        });
      };
      pending.push(release);
      if (pending.length >= state.barrier) for (const go of pending.splice(0)) go();
      else setTimeout(() => pending.includes(release) && (pending.splice(pending.indexOf(release), 1), release()), 2000).unref();
    });
  });
  const loop = await listenOnLoopback(server);
  state.tokenUrl = `${loop.url}/token`;
  state.close = loop.close;
  return state;
}

/** A back end that answers 200 with whom the token it got was minted for, 401 for anything else. */
export async function startUserBackend(
  server: ExchangeServer,
): Promise<{ url: string; seen: (string | undefined)[]; revoked: Set<string>; close(): Promise<void> }> {
  const seen: (string | undefined)[] = [];
  const revoked = new Set<string>();
  const backend = http.createServer((req, res) => {
    req.resume();
    const auth = req.headers.authorization;
    seen.push(auth);
    const to = new URL(req.url ?? '/', 'http://x').searchParams.get('to');
    if (to !== null) {
      res.writeHead(302, { Location: to });
      res.end();
      return;
    }
    const scheme = auth?.startsWith('DPoP ') && typeof req.headers.dpop === 'string' ? 'DPoP ' : 'Bearer ';
    const value = auth?.startsWith(scheme) ? auth.slice(scheme.length) : undefined;
    const minted = value !== undefined && !revoked.has(value) ? server.minted.get(value) : undefined;
    if (minted === undefined) {
      res.writeHead(401, { 'WWW-Authenticate': 'Bearer error="invalid_token"' });
      res.end();
      return;
    }
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ ...minted, path: req.url, scheme: scheme.trim(), proof: req.headers.dpop }));
  });
  const loop = await listenOnLoopback(backend);
  return { url: loop.url, seen, revoked, close: loop.close };
}

/** A JWT-shaped subject token (unsigned: the test server knows its tokens by value) with `sub` and `exp`. */
export function subjectToken(user: string, expSeconds: number): string {
  const part = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'none', typ: 'JWT' })}.${part({ sub: user, exp: expSeconds })}.sig-${user}-${expSeconds}`;
}

/** Registers each user's subject token (valid for an hour) with the server; the tokens by user. */
export function registerSubjects(server: ExchangeServer, users: readonly string[]): Record<string, string> {
  const tokens: Record<string, string> = {};
  for (const user of users) {
    tokens[user] = subjectToken(user, Math.floor(Date.now() / 1000) + 3600);
    server.subjects.set(tokens[user], user);
  }
  return tokens;
}
