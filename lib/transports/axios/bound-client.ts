import type { AxiosInstance, AxiosRequestConfig } from 'axios';
import type { ServedRequest } from '../../token/on-behalf-of/served-request';

/** The request config field that carries the request a call serves, down to the adapter. */
export const SERVED_REQUEST_FIELD = 'mcaServedRequest';

// axios's methods by where their config goes.
const URL_CONFIG = new Set<PropertyKey>(['get', 'delete', 'head', 'options']);
const URL_DATA_CONFIG = new Set<PropertyKey>(['post', 'put', 'patch', 'query', 'postForm', 'putForm', 'patchForm']);

type Config = AxiosRequestConfig | undefined;
type Request = (configOrUrl?: string | AxiosRequestConfig, config?: AxiosRequestConfig) => Promise<unknown>;

/**
 * The shared axios instance as one request's `req.mcaClient` with `onBehalfOf` somewhere: the same
 * instance (its defaults, interceptors, `getUri` are the shared ones), but every request made
 * through it carries `user` in its config, so that a token on behalf of the user is that request's
 * user's wherever the call runs (a callback from another request's connection, a timer) and
 * whenever (a client saved in a variable and called later). A config field, because it is what
 * axios carries through its merge and every interceptor to the adapter; the adapter takes it only
 * when it is a {@link ServedRequest} this package made.
 */
export function bindClient(client: AxiosInstance, user: ServedRequest): AxiosInstance {
  const withUser = (config: Config): AxiosRequestConfig => ({ ...config, [SERVED_REQUEST_FIELD]: user }) as AxiosRequestConfig;
  const request = ((configOrUrl?: string | AxiosRequestConfig, config?: AxiosRequestConfig) =>
    typeof configOrUrl === 'string' ? client.request({ ...withUser(config), url: configOrUrl }) : client.request(withUser(configOrUrl))) as Request;
  return new Proxy(client, {
    apply: (_target, _this, args: Parameters<Request>) => request(...args),
    get(target, key) {
      if (key === 'request') return request;
      if (URL_CONFIG.has(key)) {
        const method = target[key as 'get'];
        return (url: string, config?: AxiosRequestConfig) => method(url, withUser(config));
      }
      if (URL_DATA_CONFIG.has(key)) {
        const method = target[key as 'post'];
        return (url: string, data?: unknown, config?: AxiosRequestConfig) => method(url, data, withUser(config));
      }
      // A derived instance serves the same request.
      if (key === 'create') return (config?: AxiosRequestConfig) => bindClient(target.create(config), user);
      return Reflect.get(target, key, target) as unknown;
    },
  });
}
