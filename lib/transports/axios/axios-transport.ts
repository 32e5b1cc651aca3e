import { AxiosError, AxiosHeaders, CanceledError, type AxiosAdapter, type AxiosResponse, type InternalAxiosRequestConfig } from 'axios';
import type { Hop, HopAnswer, OutboundCall, OutboundTransport } from '../../outbound/transport';
import { scrubSentRequest } from '../../outbound/scrub-sent-request';
import { configField } from './config-field';
import { SERVED_REQUEST_FIELD } from './bound-client';
import { ServedRequest } from '../../token/on-behalf-of/served-request';
import { finalUrl } from './final-url';
import { redactAxiosError } from './redact-axios-error';
import { askedNonce } from '../../outbound/dpop-proof';
import { cleartextProxyError, envProxyOff } from './hop-proxy';
import { AXIOS_MAX_REDIRECTS, isReplayableBody, optedOut, redirectLimit } from '../../outbound/call-rules';

type RedirectOptions = Record<string, unknown> & { href: string; headers: Record<string, unknown> };
type BeforeRedirect = (options: RedirectOptions, responseDetails: unknown, requestDetails: unknown) => void;

/**
 * Puts the hop's proof in, as the only `DPoP` header: a caller's own (any spelling) would go out
 * beside it, and a request with two proofs is refused (RFC 9449 §4.3).
 */
function withProof(lent: object, proof: string): void {
  const headers = lent as Record<string, unknown>;
  for (const name of Object.keys(headers)) if (name.length === 4 && name.toLowerCase() === 'dpop') delete headers[name];
  headers.DPoP = proof;
}

/** What the policy needs from an axios request config. */
export function outboundCall(config: InternalAxiosRequestConfig): OutboundCall {
  // Read as axios's adapters read them: a field polluted onto Object.prototype decides nothing.
  const sensitive = configField(config, 'sensitiveHeaders');
  const timeout = Number(configField(config, 'timeout'));
  const auth = configField(config, 'auth');
  const method = configField(config, 'method');
  const user = configField(config, SERVED_REQUEST_FIELD);
  return {
    url: finalUrl(config),
    method: (typeof method === 'string' ? method : 'get').toUpperCase(),
    // axios's `auth` option replaces any Authorization with the caller's Basic credentials, so the
    // token would never go out; without this, a 401 to those credentials would drop a good token.
    optOut: optedOut(configField(config, 'mcaAuth'), config.headers.has('Authorization') || (auth !== undefined && auth !== null)),
    bodyReplayable: isReplayableBody(configField(config, 'data')),
    maxRedirects: redirectLimit(configField(config, 'maxRedirects'), AXIOS_MAX_REDIRECTS),
    timeoutMs: timeout > 0 ? timeout : 0,
    signal: (configField(config, 'signal') as AbortSignal | undefined) ?? undefined,
    sensitiveHeaders: Array.isArray(sensitive) ? sensitive.map((name) => String(name).toLowerCase()) : [],
    user: ServedRequest.is(user) ? user : undefined,
  };
}

/**
 * A thin transport over one axios adapter (http, fetch, or a function) for one request. Each hop
 * is sent with `maxRedirects: 0` (so neither follow-redirects nor fetch follows anything, and
 * follow-redirects is not even loaded into the path: its DEBUG output logs request options,
 * header included) and with every status accepted (`validateStatus: null`). The caller's config
 * never keeps the token after a hop, so re-sending `err.config` (axios-retry, by hand) gets a
 * fresh one.
 */
export class AxiosTransport implements OutboundTransport<AxiosResponse> {
  readonly #config: InternalAxiosRequestConfig;
  readonly #send: AxiosAdapter;
  // Headers for redirect hops once the caller's beforeRedirect hook has edited them.
  #redirectHeaders: AxiosHeaders | undefined;

  constructor(config: InternalAxiosRequestConfig, send: AxiosAdapter) {
    this.#config = config;
    this.#send = send;
  }

  send(hop: Hop): Promise<AxiosResponse> {
    if (!hop.first) return this.#sendCopy(hop);
    // A new chain (the call, or its replay after a 401) starts from the caller's own headers.
    this.#redirectHeaders = undefined;
    return this.#lend(hop);
  }

  /**
   * The first hop, the hot path: the adapter gets the caller's (per-request) config itself, with
   * the hop's settings and the token (in a shallow copy of its headers) put in for the hop and
   * taken out again the moment the adapter settles, before anything else can see the config. A
   * full copy of the config and of its headers per request measured at ~8 µs of CPU.
   */
  #lend(hop: Hop): Promise<AxiosResponse> {
    const config = this.#config;
    const { maxRedirects, validateStatus, timeout, timeoutErrorMessage, proxy, url, baseURL } = config;
    const ownUrl = Object.hasOwn(config, 'url');
    const ownBase = Object.hasOwn(config, 'baseURL');
    const refusedProxy = cleartextProxyError(hop, proxy);
    if (refusedProxy !== undefined) return Promise.reject(refusedProxy);
    const noProxy = envProxyOff(hop, proxy);
    const ownProxy = noProxy && Object.hasOwn(config, 'proxy');
    // The token goes into a shallow copy of the headers (~0.1 µs), never into the caller's object:
    // that object may be shared (an interceptor that sets `config.headers = commonHeaders`), and
    // a concurrent call to another host would then send the token lent here. The caller set no
    // Authorization of any spelling (or the call would have opted out), so the key is put as a
    // plain property: AxiosHeaders.set looks every key up, ~2 µs.
    const headers = config.headers;
    if (hop.authorization !== undefined) {
      const lent = Object.assign(Object.create(AxiosHeaders.prototype) as AxiosHeaders, headers);
      (lent as unknown as Record<string, unknown>).Authorization = hop.authorization;
      if (hop.proof !== undefined) withProof(lent, hop.proof);
      config.headers = lent;
    }
    // The adapter sends the very text the token was decided on (baseURL already applied by
    // axios's rules in finalUrl): no rule of axios's about what is absolute can move it elsewhere.
    config.url = hop.url;
    config.baseURL = undefined;
    config.maxRedirects = 0;
    config.validateStatus = null;
    config.timeout = hop.timeoutMs;
    if (noProxy) config.proxy = false;
    if (hop.timeoutMs > 0 && !timeoutErrorMessage) config.timeoutErrorMessage = `timeout of ${timeout}ms exceeded`;
    const restore = (): void => {
      if (ownUrl) config.url = url;
      else delete config.url;
      if (ownBase) config.baseURL = baseURL;
      else delete config.baseURL;
      config.maxRedirects = maxRedirects;
      config.validateStatus = validateStatus;
      config.timeout = timeout;
      config.timeoutErrorMessage = timeoutErrorMessage;
      // It was undefined (no own key left behind), or a falsy value of the caller's (null, '', 0): handed back.
      if (noProxy) {
        if (ownProxy) config.proxy = proxy;
        else delete config.proxy;
      }
      config.headers = headers;
    };
    let sent: Promise<AxiosResponse>;
    try {
      sent = this.#send(config);
    } catch (error) {
      restore();
      return Promise.reject(this.#failed(error, hop.authorization));
    }
    return sent.then(
      (response) => {
        restore();
        return this.#received(response, hop.authorization);
      },
      (error: unknown) => {
        restore();
        throw this.#failed(error, hop.authorization);
      },
    );
  }

  /** Redirect hops: a copy of the config, so that the caller's keeps its URL, method and body. */
  #sendCopy(hop: Hop): Promise<AxiosResponse> {
    const config = this.#config;
    const refusedProxy = cleartextProxyError(hop, config.proxy);
    if (refusedProxy !== undefined) return Promise.reject(refusedProxy);
    const headers = new AxiosHeaders(this.#redirectHeaders ?? config.headers);
    for (const name of hop.dropHeaders) headers.delete(name);
    if (hop.authorization !== undefined) headers.set('Authorization', hop.authorization);
    if (hop.proof !== undefined) headers.set('DPoP', hop.proof);
    const sent: InternalAxiosRequestConfig = Object.assign({}, config, {
      headers,
      url: hop.url,
      baseURL: undefined,
      params: undefined,
      allowAbsoluteUrls: true,
      method: hop.method.toLowerCase(),
      maxRedirects: 0,
      validateStatus: null,
      beforeRedirect: undefined,
      timeout: hop.timeoutMs,
    });
    if (hop.timeoutMs > 0 && !config.timeoutErrorMessage) sent.timeoutErrorMessage = `timeout of ${config.timeout}ms exceeded`;
    if (envProxyOff(hop, config.proxy)) sent.proxy = false;
    if (hop.dropBody) sent.data = undefined;
    if (hop.dropHeaders.has('authorization')) sent.auth = undefined;
    return this.#send(sent).then(
      (response) => this.#received(response, hop.authorization),
      (error: unknown) => {
        throw this.#failed(error, hop.authorization);
      },
    );
  }

  #received(response: AxiosResponse, sent: string | undefined): AxiosResponse {
    scrubSentRequest(response.request, sent);
    // The response goes on to the caller's transforms and interceptors: it must point at the
    // caller's config, never at a copy that held the token.
    response.config = this.#config;
    return response;
  }

  #failed(error: unknown, sent: string | undefined): unknown {
    if (error instanceof AxiosError) {
      scrubSentRequest(error.request, sent);
      error.config = this.#config;
      if (error.response) {
        scrubSentRequest(error.response.request, sent);
        error.response.config = this.#config;
      }
    }
    return redactAxiosError(error);
  }

  answer(response: AxiosResponse): HopAnswer {
    const headers = response.headers as AxiosHeaders | Record<string, unknown> | undefined;
    const location = headers instanceof AxiosHeaders ? headers.get('location') : headers?.location;
    const answer: HopAnswer = { status: response.status, location: typeof location === 'string' ? location : undefined };
    if (response.status === 401) {
      const read = (name: string): unknown => (headers instanceof AxiosHeaders ? headers.get(name) : headers?.[name]);
      const nonce = askedNonce(401, read('www-authenticate'), read('dpop-nonce'));
      if (nonce !== undefined) answer.dpopNonce = nonce;
    }
    return answer;
  }

  nonce(response: AxiosResponse): unknown {
    const headers = response.headers as AxiosHeaders | Record<string, unknown> | undefined;
    return headers instanceof AxiosHeaders ? headers.get('dpop-nonce') : headers?.['dpop-nonce'];
  }

  discard(response: AxiosResponse): void {
    const data = response.data as { destroy?: () => void; cancel?: () => Promise<void>; body?: { cancel?: () => Promise<void> } } | null;
    if (typeof data !== 'object' || data === null) return;
    if (typeof data.destroy === 'function')
      data.destroy(); // a Node stream (http adapter)
    else if (typeof data.cancel === 'function')
      data.cancel().catch(() => undefined); // a web stream (fetch)
    else if (typeof data.body?.cancel === 'function') data.body.cancel().catch(() => undefined); // a Response
  }

  beforeRedirect(from: Hop, to: Hop, response: AxiosResponse): void {
    const hook = (this.#config as { beforeRedirect?: BeforeRedirect }).beforeRedirect;
    if (typeof hook !== 'function') return;
    const headers = new AxiosHeaders(this.#redirectHeaders ?? this.#config.headers);
    for (const name of to.dropHeaders) headers.delete(name);
    const target = new URL(to.url);
    // The shape follow-redirects gives the hook. The token is not in it: the guard adds it after.
    const options: RedirectOptions = {
      href: target.href,
      protocol: target.protocol,
      hostname: target.hostname,
      port: target.port,
      path: `${target.pathname}${target.search}`,
      method: to.method,
      headers: headers.toJSON(),
    };
    hook(options, { headers: response.headers, statusCode: response.status }, { url: from.url, method: from.method });
    this.#redirectHeaders = new AxiosHeaders(options.headers as Record<string, string>);
  }

  timeoutError(): unknown {
    const config = this.#config;
    const clarify = config.transitional?.clarifyTimeoutError;
    return new AxiosError(
      config.timeoutErrorMessage || `timeout of ${config.timeout}ms exceeded`,
      clarify ? AxiosError.ETIMEDOUT : AxiosError.ECONNABORTED,
      config,
    );
  }

  canceledError(reason: unknown): unknown {
    return reason instanceof CanceledError ? reason : new CanceledError(undefined, this.#config);
  }

  tooManyRedirectsError(response: AxiosResponse): unknown {
    return new AxiosError('Maximum number of redirects exceeded', 'ERR_FR_TOO_MANY_REDIRECTS', this.#config, response.request);
  }

  /** axios's own status check, applied after the policy has seen the status. */
  settle(response: AxiosResponse): AxiosResponse {
    const validate = this.#config.validateStatus;
    if (!response.status || !validate || validate(response.status)) return response;
    throw new AxiosError(
      `Request failed with status code ${response.status}`,
      response.status >= 400 && response.status < 500 ? AxiosError.ERR_BAD_REQUEST : AxiosError.ERR_BAD_RESPONSE,
      this.#config,
      response.request,
      response,
    );
  }
}
