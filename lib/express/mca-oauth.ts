import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AxiosInstance } from 'axios';
import { MIDDLEWARE_OPTION_KEYS, checkOptionKeys } from '../config/known-options';
import { envSourceFromOptions, resolveProviderConfig } from '../config/resolve-config';
import { invalid, numberOption } from '../config/option-checks';
import { DefaultTokenProvider, type TokenProvider } from '../core/token-provider';
import { chooseStore } from '../store-choice';
import { createAuthorizedClient } from '../client/authorized-client';
import { OutboundPolicy } from '../outbound/outbound-policy';
import { resolveProtectedBackends } from '../client/protected-backends';
import { McaConfigError } from '../errors/mca-config-error';
import type { McaOAuthOptions } from '../options';
import { attachRequestFields, type RequestFields } from './request-fields';
import './request-augmentation';

/** The middleware, with the shared parts exposed for work that runs outside a request. */
export interface McaOAuthMiddleware {
  (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void): void;
  /** The provider behind `req.mcaAuth()`. */
  readonly provider: TokenProvider;
  /** The instance behind `req.mcaClient`. */
  readonly client: AxiosInstance;
  /** Stops the provider: aborts a token request under way (its callers get `ERR_MCA_CLOSED`), frees sockets. */
  close(): Promise<void>;
}

const DEFAULT_REPLACEMENT_INTERVAL_MS = 5000;

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
 */
export function mcaOAuth(options?: McaOAuthOptions): McaOAuthMiddleware {
  if (looksLikeRequest(options)) {
    throw new McaConfigError(
      'ERR_MCA_FACTORY_NOT_CALLED',
      'It appears you have done something like `app.use(mcaOAuth)`, but it should be `app.use(mcaOAuth())`.',
    );
  }
  const checked = checkOptionKeys(options, MIDDLEWARE_OPTION_KEYS, 'mcaOAuth');
  const env = envSourceFromOptions(checked);
  const config = resolveProviderConfig(checked, env);
  const isProtected = resolveProtectedBackends(checked.protectedBackends, env, config.allowInsecureHttp);
  const axiosConfig = checked.axios;
  if (axiosConfig !== undefined && (typeof axiosConfig !== 'object' || axiosConfig === null)) {
    throw invalid('axios', 'it must be an axios request config object.');
  }
  // A custom transport replaces the one the policy drives hop by hop (and may follow redirects,
  // or log request options, by itself): the token's guard could not hold.
  if (axiosConfig !== undefined && (axiosConfig as { transport?: unknown }).transport !== undefined) {
    throw invalid('axios', 'a custom `transport` cannot be guarded (redirects, DEBUG output); remove it, or use a separate axios instance for it.');
  }

  const retryOn401 = checked.retryOn401 ?? true;
  if (typeof retryOn401 !== 'boolean') throw invalid('retryOn401', 'it must be true or false.');
  const replacementMinIntervalMs = numberOption(checked, 'retryOn401MinIntervalMs', DEFAULT_REPLACEMENT_INTERVAL_MS, { min: 0 });

  // Everything is validated above: only now are sockets (and a Redis connection) opened.
  const provider = new DefaultTokenProvider(config, chooseStore(config));
  const policy = new OutboundPolicy({ provider, isProtected, retryOn401, replacementMinIntervalMs, now: config.now });
  const client = createAuthorizedClient(policy, axiosConfig as McaOAuthOptions['axios']);
  const fields: RequestFields = { mcaAuth: () => provider.getAuthorizationHeader(), mcaClient: client };

  const middleware = function mcaOAuthMiddleware(req: IncomingMessage, _res: ServerResponse, next: (error?: unknown) => void): void {
    attachRequestFields(req, fields);
    next();
  };
  return Object.assign(middleware, {
    provider,
    client,
    close: () => provider.close(),
  });
}
