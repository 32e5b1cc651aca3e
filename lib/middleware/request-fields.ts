import { IncomingMessage } from 'node:http';
import type { AxiosInstance } from 'axios';
import type { McaFetch } from '../transports/fetch/authorized-fetch';

/** What the middleware gives each request. */
export interface RequestFields {
  mcaAuth: (urlOrName?: string) => Promise<string>;
  mcaClient: AxiosInstance;
  mcaFetch: McaFetch;
}

/** What a middleware gives its requests: the same fields for all, or a binder that makes each request's own. */
export type FieldSource = { shared: RequestFields; bind?: undefined } | { shared?: undefined; bind: (req: object, name: keyof RequestFields) => unknown };

// Express gives every request its app's prototype (Object.setPrototypeOf(req, app.request)).
// Adding own properties to such an object makes V8 build new hidden classes on every request —
// measured at ~2.5 µs per property, 5% of a hello-world request. So on Express, the fields are
// getters on the app's request prototype (where Express keeps req.ip, req.protocol …), reading a
// per-request WeakMap entry: requests that did not pass this middleware see undefined, and several
// middlewares in one app each serve their own requests.
const fieldsOf = new WeakMap<object, FieldSource>();
const withGetters = new WeakSet<object>();

function installGetters(proto: object): void {
  for (const name of ['mcaAuth', 'mcaClient', 'mcaFetch'] as const) {
    Object.defineProperty(proto, name, {
      configurable: true,
      enumerable: false,
      get(this: object) {
        const source = fieldsOf.get(this);
        return source === undefined ? undefined : source.bind === undefined ? source.shared[name] : source.bind(this, name);
      },
      // Code that assigns req.mcaClient itself gets an own property, as it would without getters.
      set(this: object, value: unknown) {
        Object.defineProperty(this, name, { value, writable: true, configurable: true, enumerable: true });
      },
    });
  }
  withGetters.add(proto);
}

function isExpressRequestPrototype(proto: object | null): proto is object {
  return (
    proto !== null &&
    proto !== IncomingMessage.prototype &&
    Object.prototype.hasOwnProperty.call(proto, 'app') &&
    !Object.prototype.hasOwnProperty.call(proto, 'mcaAuth') &&
    !Object.prototype.hasOwnProperty.call(proto, 'mcaClient') &&
    !Object.prototype.hasOwnProperty.call(proto, 'mcaFetch')
  );
}

/**
 * Gives `req` its `mcaAuth`, `mcaClient` and `mcaFetch`: the shared ones, or (with `onBehalfOf`)
 * its own, made by `source.bind` at each read. The table maps the request to the middleware's
 * one source object, never to anything that points back at the request.
 */
export function attachRequestFields(req: object, source: FieldSource): void {
  const proto: object | null = Object.getPrototypeOf(req);
  if (proto !== null && withGetters.has(proto)) {
    fieldsOf.set(req, source);
    return;
  }
  if (isExpressRequestPrototype(proto)) {
    installGetters(proto);
    fieldsOf.set(req, source);
    return;
  }
  // Connect or a bare http server: the request keeps Node's own prototype, which a library must
  // not touch; own properties cost nothing extra there. Fields made at each read: own getters,
  // which do.
  const bind = source.bind;
  if (bind !== undefined) {
    for (const name of ['mcaAuth', 'mcaClient', 'mcaFetch'] as const) {
      Object.defineProperty(req, name, {
        configurable: true,
        enumerable: true,
        get: () => bind(req, name),
        set: (value: unknown) => Object.defineProperty(req, name, { value, writable: true, configurable: true, enumerable: true }),
      });
    }
    return;
  }
  const target = req as RequestFields;
  target.mcaAuth = source.shared.mcaAuth;
  target.mcaClient = source.shared.mcaClient;
  target.mcaFetch = source.shared.mcaFetch;
}
