import { AxiosError, AxiosHeaders, type InternalAxiosRequestConfig } from 'axios';
import { scrubSentRequest } from '../../outbound/scrub-sent-request';
import { REDACTED } from '../../outbound/redacted';
import { walkErrorChain } from '../../outbound/error-chain';

// A DPoP proof (RFC 9449) is a credential for its method and URL, like the token it goes with.
// AxiosHeaders looks names up in any spelling.
const CREDENTIAL_HEADERS = ['Authorization', 'Proxy-Authorization', 'DPoP'];

function hasCredentials(config: InternalAxiosRequestConfig): boolean {
  const headers = config.headers;
  const inHeaders = headers instanceof AxiosHeaders && CREDENTIAL_HEADERS.some((name) => headers.has(name));
  return inHeaders || (config.auth !== undefined && config.auth !== null);
}

/**
 * A copy of the config with the caller's own credentials (its `Authorization`, `Proxy-Authorization`,
 * `DPoP` proof or `auth`) replaced. A copy, never the object itself: axios, axios-retry or the caller may send
 * that config again. The provider's token is never in it to begin with (see AxiosTransport).
 */
function redactedConfig(config: InternalAxiosRequestConfig): InternalAxiosRequestConfig {
  const headers = new AxiosHeaders(config.headers);
  for (const name of CREDENTIAL_HEADERS) if (headers.has(name)) headers.set(name, REDACTED);
  const copy = Object.assign({}, config, { headers });
  if (config.auth) copy.auth = { username: config.auth.username, password: REDACTED };
  return copy;
}

function redactOne(error: object): void {
  if (!(error instanceof AxiosError)) return;
  scrubSentRequest(error.request);
  const response = error.response;
  if (response) {
    scrubSentRequest(response.request);
    scrubSentRequest((response.data as { req?: unknown } | null | undefined)?.req);
  }
  const config = error.config;
  if (config && hasCredentials(config)) {
    const copy = redactedConfig(config);
    error.config = copy;
    if (response && response.config === config) response.config = copy;
  }
  // A response that holds a config of its own (an interceptor's `new AxiosError(…, config, req, res)`
  // with another config, or none): its credentials are replaced on their own, in a copy of its own.
  if (response?.config && response.config !== error.config && hasCredentials(response.config)) response.config = redactedConfig(response.config);
}

/**
 * Makes an error fit to leave `req.mcaClient`: whatever raised it (the adapter, axios's
 * transforms, a user's interceptor), no rendering of it, of its `cause` chain or of an
 * `AggregateError`'s `errors` holds a credential.
 */
export function redactAxiosError(error: unknown): unknown {
  walkErrorChain(error, redactOne, undefined);
  return error;
}
