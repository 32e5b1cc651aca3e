import http from 'node:http';
import https from 'node:https';
import axios from 'axios';
import { PINNED_AXIOS_OPTIONS } from '../token/pinned-axios-options';
import { McaConfigError } from '../errors/mca-config-error';
import { McaOAuthError } from '../errors/mca-oauth-error';
import { credentialUrl } from '../settings/option-checks';
import { describeVariable, type EnvSource } from '../settings/env-source';
import { isLoopbackHost } from '../token/cleartext';

/**
 * The seed's "admin UI flow": before a token is handed out, the caller's Cloud Foundry UAA
 * credential must be able to read `{cloudControllerUrl}/v2/apps/{appId}/summary` (env
 * `cloudControllerUrl`). A 200 lets the call go on; anything else, a network failure included,
 * is `ERR_MCA_NO_PERMISSION` (fail closed). The seed meant this, but on success its promise never
 * settled. The credential goes in `Authorization` as given, never into a message.
 */
// No keep-alive: the check is one request per call, and an idle socket must not outlive it.
const httpAgent = new http.Agent({ keepAlive: false });
const httpsAgent = new https.Agent({ keepAlive: false });

export async function checkAppPermission(appId: string, credential: string, env: EnvSource, timeoutMs: number, allowInsecureHttp: boolean): Promise<void> {
  const configured = env.get('cloudControllerUrl');
  if (configured === undefined) {
    throw new McaConfigError(
      'ERR_MCA_MISSING_CLOUD_CONTROLLER_URL',
      'Missing `cloudControllerUrl`, needed to check the `credential` option. Set the environment variable cloudControllerUrl (e.g. https://api.ng.bluemix.net), or leave `credential` out.',
      { field: 'cloudControllerUrl' },
    );
  }
  // The credential is a UAA token: the same rule as for client credentials (https, or loopback).
  const parsed = credentialUrl('cloudControllerUrl', configured.value, describeVariable(env, 'cloudControllerUrl', configured), {
    base: true,
    allowInsecureHttp,
  });
  const base = parsed.href;
  const url = `${base.endsWith('/') ? base : `${base}/`}v2/apps/${encodeURIComponent(appId)}/summary`;
  const label = new URL(url).origin;
  let status: number;
  try {
    const response = await axios.get(url, {
      ...PINNED_AXIOS_OPTIONS,
      headers: { Authorization: credential, Accept: 'application/json' },
      httpAgent,
      httpsAgent,
      // As for the token endpoint: a proxy must not get a loopback request and its credential.
      ...(isLoopbackHost(parsed.hostname) ? { proxy: false as const } : {}),
      // The credential must not follow a redirect anywhere; the summary itself is not needed.
      maxRedirects: 0,
      maxContentLength: 1024 * 1024,
      responseType: 'text',
      timeout: timeoutMs,
      validateStatus: () => true,
    });
    status = response.status;
  } catch (error) {
    // The axios error holds the request config and with it the credential: keep only its code.
    const code = (error as { code?: string }).code ?? 'ERR_NETWORK';
    throw new McaOAuthError(
      'ERR_MCA_NO_PERMISSION',
      `The cloud controller ${label} could not be asked whether the credential may use app ${appId} (${code}).`,
      {
        cause: Object.assign(new Error(code), { code }),
      },
    );
  }
  if (status !== 200) {
    throw new McaOAuthError(
      'ERR_MCA_NO_PERMISSION',
      `The cloud controller ${label} answered HTTP ${status} for app ${appId}'s summary: the credential may not act for this app.`,
    );
  }
}
