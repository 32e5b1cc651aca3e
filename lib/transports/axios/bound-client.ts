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
type Interceptors = AxiosInstance['interceptors'];
type Request = (configOrUrl?: string | AxiosRequestConfig, config?: AxiosRequestConfig) => Promise<unknown>;

function refused(what: string): McaConfigError {
  return new McaConfigError(
    'ERR_MCA_SHARED_CLIENT_PROPERTY',
    `${what} through a request's \`req.mcaClient\` is refused: it is a view of the client every request shares, and this would change it for every user, for as long as the process runs. Set \`defaults\` and \`interceptors\` on \`auth.client\` once, at startup (\`axiosRetry(auth.client)\`): every request's \`req.mcaClient\` runs through them, each call as its own user.`,
    { field: 'req.mcaClient' },
  );
}

type Handler = object | null;
type Manager = { handlers?: Handler[] | null; forEach(fn: (handler: object) => void): void };

/**
 * The shared interceptor managers, to read (`forEach`, `handlers`) but not to change: an
 * interceptor added per request (`axiosRetry(req.mcaClient)` in a route) would pile up on the
 * shared instance, one more with every request, each holding its request (socket, the user's
 * token) through its closure for as long as the process runs. A stand-in rather than a proxy of
 * the manager, so that nothing reached through it (its `handlers` array, a handler, its internal
 * state) is the shared one: what it hands out are frozen copies.
 */
function readOnlyInterceptors(shared: Interceptors): Interceptors {
  const readOnly = (manager: Manager, which: string): object => {
    const copies = (): readonly Handler[] => Object.freeze((manager.handlers ?? []).map((handler) => handler && Object.freeze({ ...handler })));
    const refuse = (what: string) => () => {
      throw refused(`\`interceptors.${which}.${what}()\``);
    };
    return Object.freeze({
      get handlers() {
        return copies();
      },
      // The shared manager's own, which also lists the package's guards (authorized-client.ts).
      forEach(fn: (handler: Handler) => void): void {
        manager.forEach((handler) => fn(Object.freeze({ ...handler })));
      },
      use: refuse('use'),
      eject: refuse('eject'),
      clear: refuse('clear'),
    });
  };
  return Object.freeze({
    request: readOnly(shared.request as unknown as Manager, 'request'),
    response: readOnly(shared.response as unknown as Manager, 'response'),
  }) as unknown as Interceptors;
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
 * re-sent through any client (a retry interceptor of the shared instance, which runs for every
 * request, re-sending through a view some request saved) goes out as the user it was made for. And a view is one request's: a property written on it (`client.get = timed(…)`)
 * stays on it, never on the shared instance where the next user's calls would run through a
 * closure holding this request's view. What would change the shared instance for everyone is
 * refused: replacing `defaults` or `interceptors`, adding or removing an interceptor.
 */
export function bindClient(client: AxiosInstance, user: ServedRequest, shared = true): AxiosInstance {
  const withUser = (config: Config): AxiosRequestConfig => {
    const bound = (config as Record<string, unknown> | undefined)?.[SERVED_REQUEST_FIELD];
    return { ...config, [SERVED_REQUEST_FIELD]: ServedRequest.is(bound) ? bound : user } as AxiosRequestConfig;
  };
  const request = ((configOrUrl?: string | AxiosRequestConfig, config?: AxiosRequestConfig) =>
    typeof configOrUrl === 'string' ? client.request({ ...withUser(config), url: configOrUrl }) : client.request(withUser(configOrUrl))) as Request;
  const calls: ProxyHandler<AxiosInstance> = {
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
      // A derived instance serves the same request, and is this request's alone (axios gives it
      // interceptors of its own): what is done to it changes no one else's calls.
      if (key === 'create') return (config?: AxiosRequestConfig) => bindClient(target.create(config), user, false);
      return Reflect.get(target, key, target) as unknown;
    },
  };
  if (!shared) return new Proxy(client, calls);
  // What was written on this view: read before the shared instance, never written through to it.
  const own: Record<PropertyKey, unknown> = Object.create(null);
  let interceptors: Interceptors | undefined;
  const get = (target: AxiosInstance, key: string | symbol, receiver: unknown): unknown => {
    if (Object.hasOwn(own, key)) return Reflect.get(own, key, receiver);
    if (key === 'interceptors') return (interceptors ??= readOnlyInterceptors(target.interceptors));
    return calls.get!(target, key, receiver) as unknown;
  };
  return new Proxy(client, {
    apply: calls.apply,
    get,
    // A descriptor answers what a read through this view answers (the read-only interceptors, the
    // bound methods), never the shared instance's own value; only a property the shared instance
    // holds non-configurable must be reported as it is (a proxy invariant), and none of axios's is.
    getOwnPropertyDescriptor(target, key) {
      const shared = Reflect.getOwnPropertyDescriptor(target, key);
      if (shared?.configurable === false) return shared;
      if (Object.hasOwn(own, key)) return Reflect.getOwnPropertyDescriptor(own, key);
      if (shared === undefined || !('value' in shared)) return shared;
      return { ...shared, value: get(target, key, target), writable: !SHARED_ONLY.has(key) };
    },
    ownKeys: (target) => [...new Set([...Reflect.ownKeys(target), ...Reflect.ownKeys(own)])],
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
