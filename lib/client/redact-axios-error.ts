import { AxiosError, AxiosHeaders } from 'axios';

const REDACTED = '[redacted]';

/**
 * An AxiosError carries the request config (with the `Authorization` header) and the Node
 * request (whose `_header` holds the raw header block). Applications log `err` and
 * `err.toJSON()` as they are, so both are scrubbed before the error leaves `req.mcaClient`.
 */
export function redactAxiosError(error: unknown): unknown {
  if (!(error instanceof AxiosError)) return error;
  const config = error.config;
  if (config) {
    if (config.headers instanceof AxiosHeaders) {
      if (config.headers.has('Authorization')) config.headers.set('Authorization', REDACTED);
      if (config.headers.has('Proxy-Authorization')) config.headers.set('Proxy-Authorization', REDACTED);
    }
    if (config.auth) config.auth = { username: config.auth.username, password: REDACTED };
  }
  if (error.request !== undefined) error.request = REDACTED;
  if (error.response) {
    (error.response as { request?: unknown }).request = REDACTED;
  }
  return error;
}
