import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AxiosInstance } from 'axios';
import { MIDDLEWARE_OPTION_KEYS, checkOptionKeys } from '../settings/known-options';
import { resolveSettings } from '../settings/resolve-settings';
import { deriveProviderConfig } from '../settings/resolve-config';
import { readBackendList } from '../settings/read-backend-list';
import { resolveBackends } from '../settings/resolve-backends';
import { invalid } from '../settings/option-checks';
import type { ProviderStats, TokenProvider } from '../token/token-provider';
import { createAuthorizedClient } from '../transports/axios/authorized-client';
import { REFUSED_AXIOS_OPTIONS, refusedOption } from '../transports/axios/refused-options';
import { createAuthorizedFetch, type McaFetch } from '../transports/fetch/authorized-fetch';
import { OutboundPolicy } from '../outbound/outbound-policy';
import { McaConfigError } from '../errors/mca-config-error';
import type { McaOAuthOptions } from '../settings/options';
import { buildBackendTokens } from './backend-tokens';
import { attachRequestFields, type FieldSource, type RequestFields } from './request-fields';
import { fieldBinder, type SharedFields } from './request-binding';
import type { ServedRequest } from '../token/on-behalf-of/served-request';
import { readOnBehalfOf } from '../settings/resolve-on-behalf-of';
import { resolveDpopKey } from '../settings/resolve-dpop-key';
import './request-augmentation';

/** The middleware, with the shared parts exposed for work that runs outside a request. */
export interface McaOAuthMiddleware {
  (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void): void;
  /** The provider behind `req.mcaAuth()` (the middleware's own token). */
  readonly provider: TokenProvider;
  /** The instance behind `req.mcaClient`. */
  readonly client: AxiosInstance;
  /** The function behind `req.mcaFetch`: the global `fetch`'s signature, with the same guarantees as `client`. */
  readonly fetch: McaFetch;
  /**
   * The provider of each token by name: `default` (the middleware's own), each named entry, and
   * `protectedBackends[i]` for an unnamed entry with settings of its own. Entries that resolve to
   * the same token share one provider.
   */
  readonly backends: ReadonlyMap<string, TokenProvider>;
  /** `req.mcaAuth` outside requests: the header for a back end's name or URL, or the default one. */
  authorization(urlOrName?: string): Promise<string>;
  /** Each provider's counters, by the names of {@link backends}. */
  stats(): Record<string, ProviderStats>;
  /** Stops every provider: aborts token requests under way (their callers get `ERR_MCA_CLOSED`), frees sockets. */
  close(): Promise<void>;
}

function looksLikeRequest(value: unknown): boolean {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { method?: unknown }).method === 'string' &&
    typeof (value as { headers?: unknown }).headers === 'object'
  );
}

/**
 * Express/Connect middleware. Resolves the credentials and builds one provider and one axios
 * instance now, so a bad configuration throws {@link McaConfigError} at startup. Each request then
 * only gets `req.mcaAuth` and `req.mcaClient` attached.
 *
 * @example
 * ```ts
 * import express from 'express';
 * import { mcaOAuth } from 'express-mca-oauth';
 *
 * const app = express();
 * const auth = mcaOAuth({ protectedBackends: ['https://orders.example.com'] });
 * app.use(auth); // mount it before the routes that use req.mcaClient, req.mcaFetch or req.mcaAuth
 * app.get('/orders', async (req, res, next) => {
 *   try {
 *     const { data } = await req.mcaClient.get('https://orders.example.com/api/orders');
 *     res.json(data);
 *   } catch (error) {
 *     next(error);
 *   }
 * });
 * const server = app.listen(8080);
 * process.once('SIGTERM', () => server.close(() => void auth.close()));
 * ```
 */
export function mcaOAuth(options?: McaOAuthOptions): McaOAuthMiddleware {
  if (looksLikeRequest(options)) {
    throw new McaConfigError(
      'ERR_MCA_FACTORY_NOT_CALLED',
      'It appears you have done something like `app.use(mcaOAuth)`, but it should be `app.use(mcaOAuth())`.',
    );
  }
  const checked = checkOptionKeys(options, MIDDLEWARE_OPTION_KEYS, 'mcaOAuth');
  // One resolution of every setting; the configurations below are derived from it.
  const settings = resolveSettings(checked, 'middleware');
  const config = deriveProviderConfig(settings);
  const list = readBackendList(settings);
  // Every entry's settings are an overlay of the middleware's, derived as the middleware's own.
  const backends = list === undefined ? undefined : resolveBackends(list, settings, config);
  const axiosConfig = settings.peek('axios')?.value;
  if (axiosConfig !== undefined && (typeof axiosConfig !== 'object' || axiosConfig === null)) {
    throw invalid('axios', 'it must be an axios request config object.');
  }
  // Refused options (a custom `transport`, `socketPath`, `lookup`): at startup, with the field named.
  const refused = axiosConfig === undefined ? undefined : refusedOption(axiosConfig);
  if (refused !== undefined) {
    throw invalid(
      'axios',
      `\`axios.${refused}\` is refused: ${REFUSED_AXIOS_OPTIONS[refused]}. Remove it, or use a separate axios instance (with no token) for such calls.`,
    );
  }

  // Defaults and bounds from the settings table, as for every other option.
  const value = (key: string): unknown => settings.get(key)?.value;
  const retryOn401 = value('retryOn401') as boolean;
  const replacementMinIntervalMs = value('retryOn401MinIntervalMs') as number;
  const onBehalfOfOption = value('onBehalfOf');
  const onBehalfOf = onBehalfOfOption === undefined ? false : (readOnBehalfOf(onBehalfOfOption, 'onBehalfOf') ?? false);
  const onBehalfOfCacheSize = value('onBehalfOfCacheSize') as number;
  const dpop = value('dpop') as boolean;
  const dpopKey = resolveDpopKey(settings);

  // Everything is validated above (the allowlist is compiled before any provider exists): only
  // now are sockets (and a Redis connection) opened.
  const tokens = buildBackendTokens(config, backends, replacementMinIntervalMs, { mode: onBehalfOf, cacheSize: onBehalfOfCacheSize }, dpop, dpopKey);
  // Only a middleware that exchanges users' tokens somewhere needs to know, per call, whose request it serves.
  const perUser = onBehalfOf !== false || backends?.some((backend) => backend.onBehalfOf !== undefined && backend.onBehalfOf !== false) === true;
  const policy = new OutboundPolicy({ routes: tokens.routes, defaultTarget: tokens.defaultTarget, retryOn401 });
  const client = createAuthorizedClient(policy, axiosConfig as McaOAuthOptions['axios'], 'the global `axios.defaults`');
  const baseFetch = globalThis.fetch;
  const fetch = createAuthorizedFetch(policy, baseFetch);
  const provider = tokens.defaultTarget.provider;
  // `user`: the request whose `req.mcaAuth` this is; none for `auth.authorization`.
  const headerFor = (urlOrName: string | undefined, user: ServedRequest | undefined): Promise<string> => {
    if (urlOrName === undefined) return tokens.defaultTarget.authorization(user);
    // From JavaScript a URL object is a natural argument, and anything else must reject like an
    // unknown name: a synchronous TypeError would escape a caller's `.catch()`.
    const given: unknown = urlOrName;
    const key = given instanceof URL ? given.href : given;
    if (typeof key !== 'string') return Promise.reject(unknownBackend(tokens.byName.keys()));
    const target = tokens.byName.get(key) ?? (key.includes(':') ? tokens.routes.route(key)?.target : undefined);
    if (target === undefined) return Promise.reject(unknownBackend(tokens.byName.keys()));
    return target.authorization(user);
  };
  const authorization = (urlOrName?: string): Promise<string> => headerFor(urlOrName, undefined);
  const providers = new Map([...tokens.byName].map(([name, target]) => [name, target.provider]));

  // Only a middleware that exchanges users' tokens somewhere gives each request fields of its own,
  // bound to it (lib/middleware/request-binding.ts); one without shares one set with every request.
  const shared: SharedFields = { policy, client, baseFetch, authorization: headerFor };
  const source: FieldSource = perUser
    ? { bind: fieldBinder(shared) as (req: object, name: keyof RequestFields) => unknown }
    : { shared: { mcaAuth: authorization, mcaClient: client, mcaFetch: fetch } };
  const middleware = function mcaOAuthMiddleware(req: IncomingMessage, _res: ServerResponse, next: (error?: unknown) => void): void {
    attachRequestFields(req, source);
    next();
  };
  return Object.assign(middleware, {
    provider,
    client,
    fetch,
    backends: providers,
    authorization,
    stats: () => Object.fromEntries([...providers].map(([name, p]) => [name, p.stats()])),
    close: () => tokens.close(),
  });
}

function unknownBackend(names: Iterable<string>): McaConfigError {
  // The argument is not echoed: it may be a URL with credentials in it.
  return new McaConfigError(
    'ERR_MCA_UNKNOWN_BACKEND',
    `No \`protectedBackends\` entry has this name, and it is not a URL on the allowlist. Pass a name (${[...names].join(', ')}) or a URL that an entry matches; no argument gives the default token.`,
    { field: 'urlOrName' },
  );
}
