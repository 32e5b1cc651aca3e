import { join } from 'node:path';
import QuickLRU from 'quick-lru';
import { McaConfigError } from '../errors/mca-config-error';
import { createEnvSource, describeVariable, type EnvSource } from '../settings/env-source';
import { credentialUrl, invalid } from '../settings/option-checks';
import { variableSetting } from '../settings/resolve-settings';
import { resolveProviderConfig } from '../settings/resolve-config';
import { checkTenantId } from '../settings/tenant-id';
import { ImfCert } from '../token/client-auth/imf-cert';
import { DefaultTokenProvider, type TokenProvider } from '../token/token-provider';
import { MemoryTokenStore } from '../token/token-store';
import { Constant } from './constant';
import { checkAppPermission } from './cloud-controller';
import { lenientOptions } from './lenient-options';

/** The seed's option object of `getAuthorizationHeaderByCertificate`, accepted as is. */
export interface GetAuthorizationHeaderByCertificateOptions {
  /** The MCA tenant (the Bluemix application GUID). Required. */
  appId?: string;
  /**
   * A Cloud Foundry UAA credential (e.g. `"bearer <uaa token>"`). When given, each call first
   * checks that it may read the app's summary at the cloud controller (env `cloudControllerUrl`)
   * and rejects with `ERR_MCA_NO_PERMISSION` otherwise. An object is ignored, as the seed did.
   */
  credential?: string | object;
  /**
   * How many configurations (and their tokens) are kept.
   * @default 1000 (the seed's default for this flow)
   */
  cacheSize?: number;
  /** Sent as the `properties` form field when given. */
  properties?: string;
  /** bms-mca-oauth-sdk 3.0.5 sent this option's value as `properties`; accepted for that reason. */
  method?: string;
}

const KNOWN = new Set(['appId', 'credential', 'cacheSize', 'properties', 'method']);
const DEFAULT_CACHE_SIZE = 1000;
const CHECK_TIMEOUT_MS = 10_000;

const store = new MemoryTokenStore({ maxSize: DEFAULT_CACHE_SIZE });
const providers = new QuickLRU<string, TokenProvider>({ maxSize: DEFAULT_CACHE_SIZE, onEviction: (_key, provider) => void provider.close() });
// The seed read `imfServiceUrl` and `cloudControllerUrl` from the environment; `.env` is read too
// (once, on first use), for the same reason as everywhere else in this package.
let env: EnvSource | undefined;

function appIdOf(options: Record<string, unknown>): string {
  const appId = options.appId;
  if (appId === undefined || appId === null || appId === '') {
    throw new McaConfigError(Constant.MISSING_APPID_ERROR, 'Missing `appId` (the MCA tenant, the Bluemix application GUID). Pass the `appId` option.', {
      field: 'appId',
    });
  }
  // The middleware's tenant rule: this flow pastes it into two URL paths as well.
  return checkTenantId('appId', appId, 'the `appId` option');
}

function providerFor(options: Record<string, unknown>, appId: string, source: EnvSource, insecure: boolean): TokenProvider {
  const configured = source.get('imfServiceUrl');
  if (configured === undefined) {
    throw new McaConfigError(
      Constant.MISSING_IMFSERVICEURL_ERROR,
      'Missing `imfServiceUrl`, the MCA server of the certificate flow. Set the environment variable imfServiceUrl (in the environment or .env), e.g. https://imf-authserver.ng.bluemix.net/imf-authserver.',
      { field: 'imfServiceUrl' },
    );
  }
  const from = describeVariable(source, 'imfServiceUrl', configured);
  const serviceUrl = credentialUrl('imfServiceUrl', configured.value, from, { base: true, allowInsecureHttp: insecure }).href.replace(/\/+$/, '');
  const raw = options.properties ?? options.method;
  if (raw !== undefined && typeof raw !== 'string') throw invalid('properties', 'it must be a string.');
  const properties = raw;
  const cwd = process.cwd();
  const key = JSON.stringify([appId, serviceUrl, cwd, properties ?? null, options.cacheSize ?? null]);
  let provider = providers.get(key);
  if (provider === undefined || provider.closed) {
    const auth = new ImfCert({
      keyFile: join(cwd, Constant.PRIVATE_KEY_PATH),
      certificateFile: join(cwd, Constant.CERTIFICATE_PATH),
      properties,
    });
    const config = resolveProviderConfig(
      {
        tokenUrl: `${serviceUrl}/authorization/v1/apps/${appId}/token`,
        clientId: auth.clientId,
        cacheSize: options.cacheSize ?? DEFAULT_CACHE_SIZE,
        // Nothing else of the environment applies to this flow: the seed read only imfServiceUrl.
        env: {},
        envFile: false,
        allowInsecureHttp: insecure,
      },
      undefined,
      { name: 'imf_cert', auth },
    );
    if (providers.maxSize !== config.cacheSize) {
      providers.resize(config.cacheSize);
      store.resize(config.cacheSize);
    }
    provider = new DefaultTokenProvider(config, { store, ownsStore: false });
    providers.set(key, provider);
  }
  return provider;
}

/**
 * The seed SDK's certificate ("service") flow, as a drop-in: reads
 * `imf_certificate/public-certificate.pem` and `imf_certificate/private-key.pem` from the working
 * directory, takes the client id from the certificate's CN, and gets a token from
 * `{imfServiceUrl}/authorization/v1/apps/{appId}/token` with `Authorization: IMFCert <jws>`.
 * Unlike the seed, the token is cached, refreshed early, fetched once for concurrent callers, and
 * retried; nothing is logged. With `credential`, the cloud controller check runs on every call.
 * Never throws synchronously.
 */
export async function getAuthorizationHeaderByCertificate(options?: GetAuthorizationHeaderByCertificateOptions): Promise<string> {
  const checked = lenientOptions(options, KNOWN, 'getAuthorizationHeaderByCertificate');
  const appId = appIdOf(checked);
  env ??= createEnvSource();
  // MCA_ALLOW_INSECURE_HTTP, the one switch of the package that applies to this flow too, read as everywhere.
  const insecure = variableSetting(env, 'allowInsecureHttp')?.value === true;
  const provider = providerFor(checked, appId, env, insecure);
  const credential = checked.credential;
  if (typeof credential === 'string' && credential !== '') await checkAppPermission(appId, credential, env, CHECK_TIMEOUT_MS, insecure);
  return provider.getAuthorizationHeader();
}

/** Closes the providers of the certificate flow (part of `closeAuthorizationHeaderCache()`). */
export async function closeCertificateProviders(): Promise<void> {
  const all = [...providers.values()];
  providers.clear();
  store.close();
  env = undefined;
  await Promise.all(all.map((provider) => provider.close()));
}
