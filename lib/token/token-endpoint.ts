import http from 'node:http';
import https from 'node:https';
import axios, { AxiosError, type AxiosInstance, type AxiosResponse } from 'axios';
import { PINNED_AXIOS_OPTIONS } from './pinned-axios-options';
import { McaTokenError } from '../errors/mca-token-error';
import type { TokenProviderConfig } from './provider-config';
import { parseRetryAfter } from './backoff';
import { boundAttempt } from './attempt-bound';
import { capped, echoUrl, knownOAuthError } from '../errors/echo';
import { isLoopbackHost } from './cleartext';
import { tokenRequestBuilder, type GrantOverride } from './client-auth/token-request';
import { crossCheckExpiration, iamErrorCode } from './iam-response';

/** Largest token response read; anything bigger is not a token response. */
export const MAX_TOKEN_RESPONSE_BYTES = 1024 * 1024;

/**
 * Longest `access_token` accepted, in characters. Real JWTs run to one or two KiB; a token this
 * long would already break the default 16 KiB header limit of Node and most proxies at the back end.
 */
export const MAX_ACCESS_TOKEN_CHARS = 8 * 1024;

/** A successful, validated token response. */
export interface TokenGrant {
  accessToken: string;
  /** Lifetime to believe, in milliseconds: `expires_in`, or the default when absent, capped. */
  lifetimeMs: number;
  /** The server's `Date` header, for clock-skew diagnostics. */
  serverDate: string | undefined;
  /** The answer's `issued_token_type` as it came (RFC 8693; a token exchange checks it). */
  issuedTokenType: unknown;
}

/** Sends the client-credentials request of one configuration. Built once per provider. */
export interface TokenEndpoint {
  /**
   * One attempt. `timeoutMs` bounds all of it, headers and body; `signal` aborts it (provider
   * closed). `grant` replaces the client's own grant for this request (token exchange).
   */
  requestToken(signal: AbortSignal, timeoutMs: number, grant?: GrantOverride): Promise<TokenGrant>;
  close(): void;
}

// Visible ASCII, no space: what can follow "Bearer " in a header and survive IBM's validator,
// which splits the header on whitespace.
const TOKEN_CHARS = /^[\x21-\x7e]+$/;
const NUMERIC = /^\s*\d+(\.\d+)?\s*$/;

function badResponse(message: string, status: number, response?: AxiosResponse<string>): McaTokenError {
  return new McaTokenError('ERR_MCA_BAD_TOKEN_RESPONSE', `The token endpoint answered 200 but ${message}`, {
    status,
    response: response && { status, headers: { ...response.headers }, body: response.data },
  });
}

/** The OAuth `error` code of an error body, only when it is one of RFC 6749's: anything else may carry what the server received. */
function oauthErrorCode(body: unknown): string | undefined {
  if (typeof body !== 'string') return undefined;
  try {
    const parsed: unknown = JSON.parse(body);
    if (typeof parsed !== 'object' || parsed === null || !Object.hasOwn(parsed, 'error')) return undefined;
    return knownOAuthError((parsed as { error?: unknown }).error);
  } catch {
    return undefined;
  }
}

function parseLifetime(raw: unknown, config: TokenProviderConfig, status: number, response: AxiosResponse<string>): number {
  if (raw === undefined || raw === null) return Math.min(config.defaultExpiresInMs, config.maxLifetimeMs);
  const seconds = typeof raw === 'number' ? raw : typeof raw === 'string' && NUMERIC.test(raw) ? Number(raw) : NaN;
  if (!Number.isFinite(seconds) || seconds <= 0) {
    throw badResponse('`expires_in` is not a positive number of seconds.', status, response);
  }
  return Math.min(seconds * 1000, config.maxLifetimeMs);
}

function parseGrant(response: AxiosResponse<string>, config: TokenProviderConfig): TokenGrant {
  const dpop = config.dpop !== undefined;
  const status = response.status;
  let body: unknown;
  try {
    body = JSON.parse(response.data);
  } catch {
    throw badResponse('the body is not JSON.', status, response);
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw badResponse('the body is not a JSON object.', status, response);
  }
  const fields = body as Record<string, unknown>;
  const token = fields.access_token;
  if (typeof token !== 'string' || token === '') throw badResponse('the body has no `access_token` string.', status, response);
  if (token.length > MAX_ACCESS_TOKEN_CHARS) {
    throw badResponse(`\`access_token\` is over ${MAX_ACCESS_TOKEN_CHARS} characters, more than a header can carry.`, status, response);
  }
  if (!TOKEN_CHARS.test(token)) {
    throw badResponse('`access_token` holds whitespace or characters a header cannot carry.', status, response);
  }
  const type = fields.token_type;
  if (dpop && (typeof type !== 'string' || type.toLowerCase() !== 'dpop')) {
    // A plain bearer token where a bound one was asked for: whoever steals it can use it, which is
    // what `dpop` was set to prevent. Refused rather than used.
    throw new McaTokenError(
      'ERR_MCA_DPOP_NOT_BOUND',
      `The token endpoint ${endpointLabel(config.tokenUrl)} answered a token that is not DPoP-bound (\`token_type\` is not "DPoP") although \`dpop\` is set. Register the client for DPoP-bound tokens at the server (e.g. \`dpop_bound_access_tokens\`), or remove \`dpop\`.`,
      { status },
    );
  }
  // RFC 6749 §7.1: a client must not use a token whose type it does not understand.
  if (!dpop && type !== undefined && (typeof type !== 'string' || type.toLowerCase() !== 'bearer')) {
    throw badResponse('`token_type` is not "Bearer".', status, response);
  }
  const date = response.headers['date'];
  const serverDate = typeof date === 'string' ? date : undefined;
  const lifetimeMs = crossCheckExpiration(fields.expiration, serverDate, parseLifetime(fields.expires_in, config, status, response));
  if (lifetimeMs === undefined) throw badResponse("`expiration` is already past by the server's own `Date`.", status, response);
  return { accessToken: token, lifetimeMs, serverDate, issuedTokenType: fields.issued_token_type };
}

/** The endpoint without query or userinfo, capped, for messages. */
function endpointLabel(tokenUrl: string): string {
  return echoUrl(tokenUrl) ?? 'the configured URL';
}

function networkError(error: unknown, label: string, timedOutByBound: boolean, timeoutMs: number): McaTokenError {
  const code = error instanceof AxiosError ? error.code : undefined;
  // Capped: a network error's text names hosts and ports, never more than a line is needed.
  const message = capped(error instanceof Error ? error.message : String(error), 200);
  if (error instanceof AxiosError && /maxContentLength/.test(message)) {
    return new McaTokenError('ERR_MCA_BAD_TOKEN_RESPONSE', `The token endpoint ${label} sent a body over ${MAX_TOKEN_RESPONSE_BYTES} bytes.`);
  }
  const timedOut = timedOutByBound || code === 'ECONNABORTED' || code === 'ETIMEDOUT';
  // The axios error holds the request config, and with it the Basic header: keep only its code and message.
  const cause = timedOutByBound
    ? Object.assign(new Error(`no complete answer within ${timeoutMs} ms`), { code: 'ETIMEDOUT' })
    : Object.assign(new Error(message), { code: code ?? 'ERR_NETWORK' });
  return new McaTokenError(
    'ERR_MCA_TOKEN_REQUEST_FAILED',
    timedOut ? `The token request to ${label} timed out.` : `The token request to ${label} failed: ${message}.`,
    { cause },
  );
}

/**
 * Sends the request of docs/protocol.md ("The request"): POST, form content type, `grant_type`
 * first (or the layout the method brings), with the client's authentication from `config.auth`
 * (Basic header, form fields, an assertion, an IAM grant; one file per method in client-auth/).
 */
export function createTokenEndpoint(config: TokenProviderConfig): TokenEndpoint {
  const buildRequest = tokenRequestBuilder(config);
  const label = endpointLabel(config.tokenUrl);
  const httpAgent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  const httpsAgent = new https.Agent({ keepAlive: true, maxSockets: 4 });
  const client: AxiosInstance = axios.create({
    ...PINNED_AXIOS_OPTIONS,
    httpAgent,
    httpsAgent,
    // A redirect would carry the credentials to a place nobody configured.
    maxRedirects: 0,
    maxContentLength: MAX_TOKEN_RESPONSE_BYTES,
    // HTTP_PROXY would get a loopback request, Basic header and all, in clear; a proxy never
    // serves loopback anyway. Other hosts follow HTTPS_PROXY / HTTP_PROXY / NO_PROXY (docs/security.md).
    ...(isLoopbackHost(new URL(config.tokenUrl).hostname) ? { proxy: false as const } : {}),
    responseType: 'text',
    transformRequest: [(data: unknown) => data],
    transformResponse: [(data: unknown) => data],
    validateStatus: () => true,
  });

  const dpop = config.dpop;
  // With DPoP, every request (the nonce retry included) carries a fresh proof for the token URL.
  const post = (headers: Record<string, string>, body: string, signal: AbortSignal): Promise<AxiosResponse<string>> => {
    if (dpop === undefined) return client.post<string>(config.tokenUrl, body, { headers, signal });
    const proof = dpop.key.proof({ htm: 'POST', htu: config.tokenUrl, nonce: dpop.nonces.get(config.tokenUrl) }, Date.now());
    return client.post<string>(config.tokenUrl, body, { headers: { ...headers, DPoP: proof }, signal });
  };

  return {
    async requestToken(signal, timeoutMs, grant) {
      const { headers, body } = await buildRequest(grant);
      let response: AxiosResponse<string>;
      const bound = boundAttempt(signal, timeoutMs);
      try {
        response = await post(headers, body, bound.signal);
        if (dpop !== undefined) {
          // Every answer may bring the server's next nonce. RFC 9449 §8: an answer `use_dpop_nonce`
          // with a new one gets one more request, with it (the same attempt, not a retry).
          const fresh = dpop.nonces.remember(config.tokenUrl, response.headers['dpop-nonce']);
          if (fresh && response.status === 400 && oauthErrorCode(response.data) === 'use_dpop_nonce') {
            response = await post(headers, body, bound.signal);
            dpop.nonces.remember(config.tokenUrl, response.headers['dpop-nonce']);
          }
        }
      } catch (error) {
        throw networkError(error, label, bound.timedOut(), timeoutMs);
      } finally {
        bound.done();
      }
      const status = response.status;
      if (status !== 200) {
        const oauthError = oauthErrorCode(response.data);
        const errorCode = iamErrorCode(response.data);
        // IAM answers a refused API key, profile or compute-resource token with 400 and its errorCode.
        const rejected = status === 401 || status === 403 || oauthError === 'invalid_client' || (status === 400 && errorCode !== undefined);
        const detail = oauthError || errorCode ? ` (${[oauthError, errorCode].filter(Boolean).join(', ')})` : '';
        throw new McaTokenError(
          rejected ? 'ERR_MCA_INVALID_CLIENT' : 'ERR_MCA_TOKEN_REQUEST_FAILED',
          rejected
            ? `The token endpoint ${label} rejected the client credentials: HTTP ${status}${detail}. Check ${config.auth.refusedHint}.`
            : `The token endpoint ${label} answered HTTP ${status}${detail}.`,
          {
            status,
            oauthError,
            errorCode,
            retryAfterMs: parseRetryAfter(response.headers['retry-after'], Date.now()),
            response: { status, headers: { ...response.headers }, body: typeof response.data === 'string' ? response.data : '' },
          },
        );
      }
      return parseGrant(response, config);
    },
    close() {
      httpAgent.destroy();
      httpsAgent.destroy();
    },
  };
}
