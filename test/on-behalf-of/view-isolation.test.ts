// A request's req.mcaClient is a view of the shared axios instance. What is done through one
// request's view never makes another request's call go out as the first request's user: a config
// re-sent through another view keeps the user it was first bound to (axios-retry, a hand-written
// retry interceptor), and a property written on a view stays on that view.
import express from 'express';
import http from 'node:http';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import axiosRetry from 'axios-retry';
import type { AxiosInstance, AxiosRequestConfig } from 'axios';
import { mcaOAuth, type McaOAuthMiddleware } from '../../lib';
import { registerSubjects, startExchangeServer, type ExchangeServer, CLIENT, ownClientOptions } from '../helpers/exchange-server';
import { listenOnLoopback, type Loopback } from '../helpers/loopback';

let server: ExchangeServer;
let backend: Loopback;
/** Per path hit: the user whose exchanged token the back end got. */
let seen: { path: string; user: string | undefined }[];
/** Paths that answer 503 the first time. */
let flakyOnce: Set<string>;
let mw: McaOAuthMiddleware | undefined;
let listening: Loopback | undefined;
/** The app's own server, to drop its kept-alive sockets (which hold requests) before a GC. */
let appServer: http.Server | undefined;
const tokenOf: Record<string, string> = {};

beforeEach(async () => {
  server = await startExchangeServer(CLIENT, { audience: 'orders-api' });
  seen = [];
  flakyOnce = new Set();
  backend = await listenOnLoopback(
    http.createServer((req, res) => {
      req.resume();
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      const minted = server.minted.get(req.headers.authorization?.replace(/^Bearer /, '') ?? '');
      seen.push({ path, user: minted?.user });
      if (flakyOnce.delete(path)) {
        res.writeHead(503);
        res.end();
        return;
      }
      res.writeHead(minted === undefined ? 401 : 200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ user: minted?.user }));
    }),
  );
  Object.assign(tokenOf, registerSubjects(server, ['alice', 'bob']));
});
afterEach(async () => {
  await listening?.close();
  listening = undefined;
  await mw?.close();
  mw = undefined;
  await backend.close();
  await server.close();
});

type Route = (req: express.Request) => Promise<unknown>;

/** An app whose one route runs `route`; answers what the route returned, or the error code. */
async function serve(route: Route, setup?: (auth: McaOAuthMiddleware) => void): Promise<(user: string) => Promise<unknown>> {
  mw = mcaOAuth({
    ...ownClientOptions(server),
    protectedBackends: [{ match: `${backend.url}/orders`, name: 'orders', onBehalfOf: true, audience: 'orders-api' }],
  });
  ownInterceptors = 0;
  ownInterceptors = added();
  setup?.(mw);
  const app = express();
  app.use(mw);
  app.get('/go', (req, res) => {
    route(req).then(
      (body) => res.json(body),
      (error: { code?: string; message?: string }) => res.status(500).json({ code: error.code, message: error.message }),
    );
  });
  appServer = http.createServer(app);
  listening = await listenOnLoopback(appServer);
  const base = listening.url;
  return async (user) => (await fetch(`${base}/go`, { headers: { authorization: `Bearer ${tokenOf[user]}` } })).json();
}

const user = (data: unknown): unknown => (data as { user?: unknown }).user;
const hitsOf = (path: string): unknown[] => seen.filter((s) => s.path === path).map((s) => s.user);

/** The code `attempt` throws, or 'allowed'. */
function codeOf(attempt: () => unknown): unknown {
  try {
    attempt();
    return 'allowed';
  } catch (error) {
    return (error as { code?: string }).code;
  }
}

/** How many interceptors a manager holds (axios's `forEach`, which its types leave out). */
const interceptorCount = (manager: unknown): number => {
  let n = 0;
  (manager as { forEach(fn: () => void): void }).forEach(() => n++);
  return n;
};
/** The shared client's interceptors, less the package's own (counted before any route ran). */
const added = (): number => interceptorCount(mw!.client.interceptors.request) + interceptorCount(mw!.client.interceptors.response) - ownInterceptors;
let ownInterceptors = 0;
type Manager = { handlers: { fulfilled: unknown }[]; forEach(fn: (handler: { fulfilled: unknown }) => void): void; use(fn: unknown): number };

it("axiosRetry(req.mcaClient) or interceptors.use in a route is refused (ERR_MCA_SHARED_CLIENT_PROPERTY) before it adds anything: later users' calls never run through one that holds another request", async () => {
  let n = 0;
  const call = await serve(async (req) => {
    const codes = [
      codeOf(() => axiosRetry(req.mcaClient, { retries: 2, retryDelay: () => 0 })),
      codeOf(() => req.mcaClient.interceptors.request.use((config) => config)),
      codeOf(() => req.mcaClient.interceptors.response.eject(0)),
      codeOf(() => req.mcaClient.interceptors.response.clear()),
    ];
    const path = `/orders/flaky-${++n}`;
    flakyOnce.add(path);
    const { status, data } = await req.mcaClient.get(`${backend.url}${path}`, { validateStatus: () => true });
    return { codes, status, got: user(data) ?? null, added: added() };
  });
  const refused = Array(4).fill('ERR_MCA_SHARED_CLIENT_PROPERTY');
  expect(await call('alice')).toEqual({ codes: refused, status: 503, got: null, added: 0 });
  expect(await call('bob')).toEqual({ codes: refused, status: 503, got: null, added: 0 });
  expect([hitsOf('/orders/flaky-1'), hitsOf('/orders/flaky-2')]).toEqual([['alice'], ['bob']]);
});

it("no way of reaching the interceptors through a view hands out the shared ones: handlers, a handler, forEach, the view's own descriptors and a spread copy all are read-only, and bob's calls run through none of alice's", async () => {
  const startup = (config: AxiosRequestConfig): AxiosRequestConfig => config;
  let atStartup = 0;
  let n = 0;
  const call = await serve(
    async (req) => {
      n++;
      const view = req.mcaClient;
      const mine = String(req.headers.authorization).slice(-12);
      const evil = (config: { headers: { set(k: string, v: string): void } }): unknown => {
        config.headers.set('x-from-other-request', mine);
        return config;
      };
      const managers = (interceptors: unknown): Manager[] => [(interceptors as { request: Manager }).request, (interceptors as { response: Manager }).response];
      const attempts: (() => unknown)[] = [];
      if (n === 1) {
        const reached = [
          view.interceptors,
          Object.getOwnPropertyDescriptor(view, 'interceptors')!.value,
          Object.getOwnPropertyDescriptors(view).interceptors.value,
          { ...view }.interceptors,
          Reflect.get(Object.fromEntries(Reflect.ownKeys(view).map((key) => [key, Reflect.getOwnPropertyDescriptor(view, key)?.value])), 'interceptors'),
        ];
        for (const manager of reached.flatMap(managers)) {
          attempts.push(
            () => manager.handlers.push({ fulfilled: evil }),
            () => (manager.handlers[0]!.fulfilled = evil),
            () => manager.forEach((handler) => (handler.fulfilled = evil)),
            () => (Object.getOwnPropertyDescriptor(manager, 'handlers')!.get?.call(manager) as unknown[]).push({ fulfilled: evil }),
            () => manager.use(evil),
          );
        }
      }
      const outcomes = new Set(
        attempts.map((attempt) => {
          try {
            attempt();
            return 'allowed';
          } catch (error) {
            return (error as { code?: string }).code ?? (error as Error).name;
          }
        }),
      );
      const got = await view.get(`${backend.url}/orders/n${n}`);
      const sentWith = (got.config.headers as { get(k: string): unknown }).get('x-from-other-request') ?? null;
      return { outcomes: [...outcomes].sort(), added: added(), got: user(got.data), sentWith };
    },
    (auth) => {
      auth.client.interceptors.request.use(startup as never);
      atStartup = added();
    },
  );
  expect(await call('alice')).toEqual({ outcomes: ['ERR_MCA_SHARED_CLIENT_PROPERTY', 'TypeError'], added: atStartup, got: 'alice', sentWith: null });
  expect(await call('bob')).toEqual({ outcomes: [], added: atStartup, got: 'bob', sentWith: null });
  const fulfilled: unknown[] = [];
  (mw!.client.interceptors.request as unknown as Manager).forEach((handler) => fulfilled.push(handler.fulfilled));
  expect(fulfilled).toContain(startup);
});

it("a retry interceptor on auth.client that re-sends through a view some earlier request saved sends each user's call as that user (the first binding wins)", async () => {
  let n = 0;
  let saved: AxiosInstance | undefined;
  const call = await serve(
    async (req) => {
      saved ??= req.mcaClient; // a memoised client: the first request's view
      const path = `/orders/flaky-${++n}`;
      flakyOnce.add(path);
      return user((await req.mcaClient.get(`${backend.url}${path}`)).data);
    },
    (auth) =>
      auth.client.interceptors.response.use(undefined, (error: Error & { config: AxiosRequestConfig & { retried?: boolean } }) => {
        if (error.config.retried === true || saved === undefined) throw error;
        error.config.retried = true;
        return saved.request(error.config);
      }),
  );
  expect(await call('alice')).toBe('alice');
  expect(await call('bob')).toBe('bob');
  expect(await call('alice')).toBe('alice');
  expect([hitsOf('/orders/flaky-2'), hitsOf('/orders/flaky-3')]).toEqual([
    ['bob', 'bob'],
    ['alice', 'alice'],
  ]);
});

it("axiosRetry(auth.client) at startup (the documented place) retries every user's call as that user; a view shows its interceptors", async () => {
  let n = 0;
  let atStartup = 0;
  const call = await serve(
    async (req) => {
      const path = `/orders/flaky-${++n}`;
      flakyOnce.add(path);
      return [
        user((await req.mcaClient.get(`${backend.url}${path}`)).data),
        interceptorCount(req.mcaClient.interceptors.response) === interceptorCount(mw!.client.interceptors.response),
        added(),
      ];
    },
    (auth) => {
      axiosRetry(auth.client, { retries: 2, retryDelay: () => 0 });
      atStartup = added();
    },
  );
  expect(atStartup).toBeGreaterThan(0);
  expect(await call('alice')).toEqual(['alice', true, atStartup]);
  expect(await call('bob')).toEqual(['bob', true, atStartup]);
  expect(hitsOf('/orders/flaky-2')).toEqual(['bob', 'bob']);
});

it("an instance made with req.mcaClient.create() is the request's own: interceptors may be added to it, and they go with it", async () => {
  const call = await serve(async (req) => {
    const own = req.mcaClient.create();
    axiosRetry(own, { retries: 2, retryDelay: () => 0 });
    flakyOnce.add('/orders/own');
    return [user((await own.get(`${backend.url}/orders/own`)).data), added()];
  });
  expect(await call('alice')).toEqual(['alice', 0]);
  expect(hitsOf('/orders/own')).toEqual(['alice', 'alice']);
});

it("a method assigned on a view (`req.mcaClient.get = wrap(…)`) stays on that view: the shared client and later requests' views keep axios's own", async () => {
  let first = true;
  let sharedGet: unknown;
  const call = await serve(async (req) => {
    sharedGet ??= mw!.client.get;
    const client = req.mcaClient;
    let wrapped = 0;
    if (first) {
      first = false;
      const original = client.get.bind(client);
      client.get = (url, config) => (wrapped++, original(url, config));
    }
    const got = user((await client.get(`${backend.url}/orders/x`)).data);
    return { got, wrapped, sharedGetIsAxios: mw!.client.get === sharedGet };
  });
  expect(await call('alice')).toEqual({ got: 'alice', wrapped: 1, sharedGetIsAxios: true });
  expect(await call('bob')).toEqual({ got: 'bob', wrapped: 0, sharedGetIsAxios: true });
});

it('replacing `defaults` or `interceptors`, freezing, or re-prototyping a view is refused (ERR_MCA_SHARED_CLIENT_PROPERTY); deleting through a view removes only what the view wrote', async () => {
  const call = await serve(async (req) => {
    const client = req.mcaClient as unknown as Record<string, unknown>;
    const attempts: (() => unknown)[] = [
      () => (client.defaults = {}),
      () => (client.interceptors = {}),
      () => Object.defineProperty(client, 'defaults', { value: {} }),
      () => Object.defineProperty(client, 'extra', { value: 1, configurable: false }),
      () => Object.freeze(client),
      () => Object.setPrototypeOf(client, null),
    ];
    const codes = attempts.map((attempt) => {
      try {
        attempt();
        return 'allowed';
      } catch (error) {
        return (error as { code?: string }).code;
      }
    });
    const ownGet = (): string => 'local';
    client.get = ownGet;
    const local = client.get === ownGet;
    delete client.get;
    delete client.post;
    const restored = user((await req.mcaClient.get(`${backend.url}/orders/x`)).data);
    const sharedIntact = typeof mw!.client.post === 'function' && !Object.isFrozen(mw!.client) && typeof mw!.client.defaults === 'object';
    return { codes, local, restored, sharedIntact };
  });
  expect(await call('alice')).toEqual({ codes: Array(6).fill('ERR_MCA_SHARED_CLIENT_PROPERTY'), local: true, restored: 'alice', sharedIntact: true });
  expect(await call('bob')).toMatchObject({ restored: 'bob', sharedIntact: true });
});

it('100 requests that try axiosRetry(req.mcaClient), wrap a method on their view and add interceptors to their own create(): none is kept after it ends', async () => {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const refs: WeakRef<object>[] = [];
  const call = await serve(async (req) => {
    refs.push(new WeakRef(req));
    const client = req.mcaClient;
    const code = codeOf(() => axiosRetry(client, { retries: 1, retryDelay: () => 0 }));
    const original = client.get.bind(client);
    client.get = (url, config) => original(url, config);
    axiosRetry(client.create(), { retries: 1 });
    return [code, user((await client.get(`${backend.url}/orders/x`)).data)];
  });
  const users = ['alice', 'bob'];
  for (let i = 0; i < 100; i++) expect(await call(users[i % 2]!)).toEqual(['ERR_MCA_SHARED_CLIENT_PROPERTY', users[i % 2]]);
  appServer?.closeAllConnections();
  for (let i = 0; i < 5; i++) {
    await new Promise((resolve) => setTimeout(resolve, 10));
    gc();
  }
  expect(refs.filter((ref) => ref.deref() !== undefined).length).toBeLessThanOrEqual(2);
  expect(added()).toBe(0);
});

it("a view's interceptors show the shared ones as they are (handlers, an ejected one as null, forEach), and a refusal names what was refused and where to do it instead", async () => {
  const startup = (config: AxiosRequestConfig): AxiosRequestConfig => config;
  const call = await serve(
    async (req) => {
      const view = req.mcaClient.interceptors.request as unknown as { handlers: unknown[]; forEach(fn: (handler: { fulfilled: unknown }) => void): void };
      const viaForEach: unknown[] = [];
      view.forEach((handler) => viaForEach.push(handler.fulfilled));
      const messages = [
        () => req.mcaClient.interceptors.request.use((config) => config),
        () => req.mcaClient.interceptors.response.eject(0),
        () => req.mcaClient.interceptors.request.clear(),
        () => ((req.mcaClient as unknown as Record<string, unknown>).defaults = {}),
        () => Object.defineProperty(req.mcaClient, 'defaults', { value: {} }),
        () => Object.defineProperty(req.mcaClient, 'pinned', { value: 1, configurable: false }),
        () => Object.setPrototypeOf(req.mcaClient, null),
        () => Object.freeze(req.mcaClient),
      ].map((attempt) => {
        try {
          attempt();
          return 'allowed';
        } catch (error) {
          const { code, field, message } = error as { code?: string; field?: string; message: string };
          return [code, field, message.split(' is refused')[0]];
        }
      });
      const advice = (() => {
        try {
          req.mcaClient.interceptors.request.use((config) => config);
        } catch (error) {
          return (error as Error).message;
        }
      })();
      return {
        handlers: view.handlers.map((handler) => (handler === null ? null : (handler as { fulfilled: unknown }).fulfilled === startup)),
        responseHandlers: (req.mcaClient.interceptors.response as unknown as { handlers: unknown[] }).handlers,
        viaForEach: viaForEach.map((fulfilled) => fulfilled === startup),
        messages,
        advice,
      };
    },
    (auth) => {
      const dropped = auth.client.interceptors.request.use((config) => config);
      auth.client.interceptors.request.use(startup as never);
      auth.client.interceptors.request.eject(dropped);
      // axios lets code replace `handlers` with a nullish value (its managers then hold none).
      Object.assign(auth.client.interceptors.response, { handlers: null });
    },
  );
  const refused = (what: string): unknown[] => ['ERR_MCA_SHARED_CLIENT_PROPERTY', 'req.mcaClient', `${what} through a request's \`req.mcaClient\``];
  expect(await call('alice')).toEqual({
    // The shared manager's own list: the ejected interceptor is a null, the startup one is there.
    handlers: [null, true],
    responseHandlers: [],
    // forEach also passes the package's own guards (authorized-client.ts), at both ends.
    viaForEach: [false, true, false],
    messages: [
      refused('`interceptors.request.use()`'),
      refused('`interceptors.response.eject()`'),
      refused('`interceptors.request.clear()`'),
      refused('Replacing `defaults`'),
      refused('Replacing `defaults`'),
      refused('Defining a non-configurable `pinned`'),
      refused('Changing the prototype'),
      refused('Freezing or sealing'),
    ],
    advice: expect.stringContaining('Set `defaults` and `interceptors` on `auth.client` once, at startup'),
  });
});

it("a view answers reflection as an object would: what it holds (its own writes, the shared instance's, nothing else), with descriptors that read as the view reads and say what may be replaced", async () => {
  const call = await serve(
    async (req) => {
      const view = req.mcaClient as unknown as Record<string, unknown>;
      view.written = 'by this request';
      Object.defineProperty(view, 'defined', { value: 'defined here' });
      const describe = (key: string): unknown => {
        const descriptor = Object.getOwnPropertyDescriptor(view, key);
        if (descriptor === undefined) return undefined;
        const { value, get, ...attributes } = descriptor;
        return { ...attributes, value: typeof value === 'function' ? 'a function' : value, get: typeof get };
      };
      return {
        has: ['get', 'written', 'defined', 'nowhere'].map((key) => key in view),
        own: ['written', 'nowhere'].map((key) => Object.hasOwn(view, key)),
        keys: Object.keys(view)
          .filter((key) => ['written', 'defined', 'get'].includes(key))
          .sort(),
        written: describe('written'),
        defined: describe('defined'),
        get: describe('get'),
        defaults: (describe('defaults') as { writable: boolean }).writable,
        fixed: describe('fixed'),
        computed: describe('computed'),
        nowhere: describe('nowhere'),
        shared: Object.hasOwn(mw!.client, 'written') || Object.hasOwn(mw!.client, 'defined'),
      };
    },
    (auth) => {
      // What an application may have put on auth.client at startup: a fixed value, a getter.
      Object.defineProperty(auth.client, 'fixed', { value: 'set once' });
      Object.defineProperty(auth.client, 'computed', { get: () => 'computed', configurable: true });
    },
  );
  const data = { configurable: true, enumerable: true, writable: true, get: 'undefined' };
  expect(await call('alice')).toEqual({
    has: [true, true, true, false],
    own: [true, false],
    keys: ['defined', 'get', 'written'],
    written: { ...data, value: 'by this request' },
    // Attributes not given default to those of a written property, not to false.
    defined: { ...data, value: 'defined here' },
    get: { ...data, value: 'a function' },
    // `defaults` is read through a view but never replaced through one.
    defaults: false,
    fixed: { configurable: false, enumerable: false, writable: false, value: 'set once', get: 'undefined' },
    computed: { configurable: true, enumerable: false, set: undefined, value: undefined, get: 'function' },
    nowhere: undefined,
    shared: false,
  });
});
