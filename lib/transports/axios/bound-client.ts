import type { AxiosInstance, AxiosRequestConfig } from 'axios';
import { McaConfigError } from '../../errors/mca-config-error';
import { ServedRequest } from '../../token/on-behalf-of/served-request';

/** The request config field that carries the request a call serves, down to the adapter. */
export const SERVED_REQUEST_FIELD = 'mcaServedRequest';

// axios's methods by where their config goes.
const URL_CONFIG = new Set<PropertyKey>(['get', 'delete', 'head', 'options']);
const URL_DATA_CONFIG = new Set<PropertyKey>(['post', 'put', 'patch', 'query', 'postForm', 'putForm', 'patchForm']);
// What every call through a view reads from the shared instance: a view's own copy would be
// ignored by its calls, so replacing one through a view is refused rather than silently local.
const SHARED_ONLY = new Set<PropertyKey>(['defaults', 'interceptors']);

type Config = AxiosRequestConfig | undefined;
type Request = (configOrUrl?: string | AxiosRequestConfig, config?: AxiosRequestConfig) => Promise<unknown>;

function refused(what: string): McaConfigError {
  return new McaConfigError(
    'ERR_MCA_SHARED_CLIENT_PROPERTY',
    `${what} through a request's \`req.mcaClient\` is refused: it is a view of the client every request shares, and this would change it for every user. Set \`defaults\` and \`interceptors\` on \`auth.client\` once, at startup.`,
    { field: 'req.mcaClient' },
  );
}

/**
 * The shared axios instance as one request's `req.mcaClient` with `onBehalfOf` somewhere: the same
 * instance (its defaults, interceptors, `getUri` are the shared ones), but every request made
 * through it carries `user` in its config, so that a token on behalf of the user is that request's
 * user's wherever the call runs (a callback from another request's connection, a timer) and
 * whenever (a client saved in a variable and called later). A config field, because it is what
 * axios carries through its merge and every interceptor to the adapter; the adapter takes it only
 * when it is a {@link ServedRequest} this package made.
 *
 * The first binding wins: a config that already carries a request keeps it, so an error's config
 * re-sent through any view (axios-retry, a retry interceptor registered through the first
 * request's view, both running on the shared instance for every request) goes out as the user it
 * was made for. And a view is one request's: a property written on it (`client.get = timed(…)`)
 * stays on it, never on the shared instance where the next user's calls would run through a
 * closure holding this request's view.
 */
export function bindClient(client: AxiosInstance, user: ServedRequest): AxiosInstance {
  const withUser = (config: Config): AxiosRequestConfig => {
    const bound = (config as Record<string, unknown> | undefined)?.[SERVED_REQUEST_FIELD];
    return { ...config, [SERVED_REQUEST_FIELD]: ServedRequest.is(bound) ? bound : user } as AxiosRequestConfig;
  };
  const request = ((configOrUrl?: string | AxiosRequestConfig, config?: AxiosRequestConfig) =>
    typeof configOrUrl === 'string' ? client.request({ ...withUser(config), url: configOrUrl }) : client.request(withUser(configOrUrl))) as Request;
  // What was written on this view: read before the shared instance, never written through to it.
  const own: Record<PropertyKey, unknown> = Object.create(null);
  return new Proxy(client, {
    apply: (_target, _this, args: Parameters<Request>) => request(...args),
    get(target, key, receiver) {
      if (Object.hasOwn(own, key)) return Reflect.get(own, key, receiver);
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
    set(_target, key, value) {
      if (SHARED_ONLY.has(key)) throw refused(`Replacing \`${String(key)}\``);
      own[key] = value;
      return true;
    },
    defineProperty(_target, key, descriptor) {
      if (SHARED_ONLY.has(key)) throw refused(`Replacing \`${String(key)}\``);
      // A proxy may not report a non-configurable property its target lacks.
      if (descriptor.configurable === false) throw refused(`Defining a non-configurable \`${String(key)}\``);
      return Reflect.defineProperty(own, key, { configurable: true, enumerable: true, writable: true, ...descriptor });
    },
    // Only what this view wrote can go; the shared instance's own properties stay.
    deleteProperty: (_target, key) => Reflect.deleteProperty(own, key),
    has: (target, key) => Object.hasOwn(own, key) || Reflect.has(target, key),
    setPrototypeOf() {
      throw refused('Changing the prototype');
    },
    preventExtensions() {
      throw refused('Freezing or sealing');
    },
  });
}
