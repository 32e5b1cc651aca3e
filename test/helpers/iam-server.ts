import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listenOnLoopback } from './loopback';
import type { ScriptedResponse } from './token-server';

/** One request as it arrived on the wire. */
export interface IamRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  rawHeaders: string[];
  body: string;
  /** The form fields in the order they were sent. */
  fields: [string, string][];
}

export interface IamServerOptions {
  /** API keys IAM knows. */
  apikeys?: string[];
  /** Trusted profiles that accept a compute-resource token: `field` is profile_id, profile_name or profile_crn. */
  profiles?: { field: string; value: string }[];
  /** IAM's optional Basic client; when unset, a request with an Authorization header is refused. */
  client?: { id: string; secret: string };
  expiresIn?: number;
}

/**
 * An IBM Cloud IAM-compatible token service on 127.0.0.1 (ephemeral port): `POST /identity/token`
 * with exactly the form fields IBM's SDK core sends for the API key and the compute-resource token
 * grants, answered as IAM answers (`access_token`, `refresh_token`, `token_type`, `expires_in`,
 * `expiration`), errors in IAM's shape (`errorCode`, `errorMessage`, `context`). A refresh-token
 * grant is refused and counted: the package must never use one.
 */
export interface IamServer {
  /** `http://127.0.0.1:port`, the `iamUrl`. */
  url: string;
  requests: IamRequest[];
  issued: string[];
  /** The compute-resource tokens accepted now (the test rotates them). */
  crTokens: Set<string>;
  script: ScriptedResponse[];
  refreshAttempts: number;
  close(): Promise<void>;
}

const FORM_TYPE = 'application/x-www-form-urlencoded';

function iamError(status: number, errorCode: string, errorMessage: string): ScriptedResponse {
  return {
    status,
    body: {
      errorCode,
      errorMessage,
      context: { requestId: 'req-1', requestType: 'incoming.Identity_Token', userAgent: 'test', url: 'https://iam.test', instanceId: 'iam-0' },
    },
  };
}

/** Why a request is refused, or undefined when it is exactly what IBM's SDK core sends. */
function refuse(req: IamRequest, opts: IamServerOptions, crTokens: Set<string>): ScriptedResponse | undefined {
  if (req.method !== 'POST' || req.url !== '/identity/token') return { status: 404, body: { errorCode: 'BXNIM0404E', errorMessage: 'Not found' } };
  if (req.headers['content-type'] !== FORM_TYPE) return iamError(400, 'BXNIM0109E', 'Content type not supported');
  const expectedBasic = opts.client && `Basic ${Buffer.from(`${opts.client.id}:${opts.client.secret}`).toString('base64')}`;
  if (req.headers.authorization !== expectedBasic) return iamError(401, 'BXNIM0308E', 'Client authentication failed');
  const names = req.fields.map(([name]) => name);
  const get = (name: string): string | undefined => req.fields.find(([n]) => n === name)?.[1];
  const withoutScope = names.filter((name) => name !== 'scope');
  if (new Set(names).size !== names.length) return iamError(400, 'BXNIM0109E', 'Duplicate property');
  const grant = get('grant_type');
  if (grant === 'urn:ibm:params:oauth:grant-type:apikey') {
    if (withoutScope.join() !== 'apikey,grant_type,response_type') return iamError(400, 'BXNIM0109E', 'Property missing or unexpected');
    if (get('response_type') !== 'cloud_iam') return iamError(400, 'BXNIM0106E', "Validation of property 'response_type' failed");
    if (!(opts.apikeys ?? []).includes(get('apikey')!)) return iamError(400, 'BXNIM0415E', 'Provided API key could not be found.');
    return undefined;
  }
  if (grant === 'urn:ibm:params:oauth:grant-type:cr-token') {
    const profileField = withoutScope[2];
    if (
      withoutScope.length !== 3 ||
      withoutScope[0] !== 'grant_type' ||
      withoutScope[1] !== 'cr_token' ||
      !['profile_id', 'profile_name', 'profile_crn'].includes(profileField ?? '')
    ) {
      return iamError(400, 'BXNIM0109E', 'Property missing or unexpected');
    }
    if (!crTokens.has(get('cr_token')!)) return iamError(400, 'BXNIM0490E', 'The compute resource token is not valid.');
    if (!(opts.profiles ?? []).some((p) => p.field === profileField && p.value === get(profileField)))
      return iamError(400, 'BXNIM0481E', 'The trusted profile does not exist.');
    return undefined;
  }
  return iamError(400, 'BXNIM0107E', 'Grant type not supported');
}

/** Whose token it is, as IAM's `iam_id` claim says: `iam-ServiceId-<i>` for the i-th API key, `iam-Profile-<value>` for a profile. */
function subjectOf(req: IamRequest, opts: IamServerOptions): string {
  const get = (name: string): string | undefined => req.fields.find(([n]) => n === name)?.[1];
  const apikey = get('apikey');
  if (apikey !== undefined) return `iam-ServiceId-${(opts.apikeys ?? []).indexOf(apikey)}`;
  return `iam-Profile-${get('profile_id') ?? get('profile_name') ?? get('profile_crn') ?? ''}`;
}

export async function startIamServer(opts: IamServerOptions = {}): Promise<IamServer> {
  const state = { refreshAttempts: 0 };
  const requests: IamRequest[] = [];
  const issued: string[] = [];
  const script: ScriptedResponse[] = [];
  const crTokens = new Set<string>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const captured: IamRequest = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        rawHeaders: req.rawHeaders,
        body,
        fields: [...new URLSearchParams(body)],
      };
      requests.push(captured);
      if (captured.fields.some(([n, v]) => n === 'grant_type' && v === 'refresh_token')) state.refreshAttempts++;
      const answer = script.shift() ?? refuse(captured, opts, crTokens);
      const now = Math.floor(Date.now() / 1000);
      let status = 200;
      let payload: string;
      const headers: Record<string, string> = { 'Content-Type': 'application/json' };
      if (answer) {
        status = answer.status ?? 200;
        payload = typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body ?? {});
        Object.assign(headers, answer.headers);
      } else {
        const expiresIn = opts.expiresIn ?? 3600;
        // JWT-shaped, as IAM's are: IBM's SDK reads `exp` and `iat` from it.
        const part = (o: object): string => Buffer.from(JSON.stringify(o)).toString('base64url');
        const claims = { iam_id: subjectOf(captured, opts), iat: now, exp: now + expiresIn, n: issued.length + 1 };
        const token = `${part({ alg: 'RS256', kid: 'k' })}.${part(claims)}.sig-${issued.length + 1}`;
        issued.push(token);
        payload = JSON.stringify({
          access_token: token,
          refresh_token: `refresh-${issued.length}`,
          token_type: 'Bearer',
          expires_in: expiresIn,
          expiration: now + expiresIn,
          scope: 'ibm openid',
        });
      }
      res.writeHead(status, headers);
      res.end(payload);
    });
  });
  const loopback = await listenOnLoopback(server);
  return {
    url: loopback.url,
    requests,
    issued,
    crTokens,
    script,
    get refreshAttempts() {
      return state.refreshAttempts;
    },
    close: loopback.close,
  };
}

/** A JWT-shaped compute-resource token (or assertion), as the platform would write it. */
export function fakeJwt(subject: string, expSeconds = Math.floor(Date.now() / 1000) + 3600): string {
  const part = (o: object): string => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${part({ alg: 'RS256', typ: 'JWT' })}.${part({ sub: subject, exp: expSeconds, n: Math.random() })}.${Buffer.from(`sig-${subject}-${Math.random()}`).toString('base64url')}`;
}

/**
 * A compute-resource token file as the platform writes one, in a temporary directory of its own
 * (`dir`, for the suite's other files too), removed after the suite.
 */
export function crTokenFile(prefix: string): { dir: string; file: string; token: string } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const file = join(dir, 'cr-token');
  const token = fakeJwt('crn:workload');
  writeFileSync(file, token);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return { dir, file, token };
}
