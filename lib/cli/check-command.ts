// `check`: where each setting came from, the token URL, one real token request with the server's
// clock skew, and, with MCA_REDIS_* set, a write and a read through the Redis store. Never a secret.
import { performance } from 'node:perf_hooks';
import type { CredentialField, ProviderConfig } from '../settings/resolve-config';
import { secretFingerprint } from '../token/client-auth/slow-fingerprint';
import { createTokenEndpoint } from '../token/token-endpoint';
import { McaOAuthError } from '../errors/mca-oauth-error';
import { redisStoreFor } from '../create-token-provider';
import type { ChosenEntry } from './config-for';
import { origins } from './origins';
import { bare, type Out } from './output';

/** Tenths of a second, with no "-0.0" for a skew that rounds to zero. */
export function formatSkew(seconds: number): string {
  const tenths = Math.round(seconds * 10) / 10;
  if (tenths === 0) return '0.0';
  return `${tenths > 0 ? '+' : ''}${tenths.toFixed(1)}`;
}

export async function check(config: ProviderConfig, out: Out, entry?: ChosenEntry): Promise<void> {
  const where = origins(config, entry);
  const show = (field: CredentialField, value: string | undefined): void => {
    const origin = where[field];
    if (value === undefined || origin === undefined) return;
    out(`${field.padEnd(16)}${value.padEnd(48)} from ${origin.where}`);
  };
  show('clientId', config.clientId);
  // Its source (the "from" column) and the start of its slow fingerprint, as the cache key holds it:
  // never its length, which narrows a guess.
  if (config.secret !== undefined && config.clientAuth !== 'private_key_jwt') {
    show('secret', `**** fingerprint ${secretFingerprint('client secret', [config.secret]).fingerprint.slice(0, 12)}`);
  }
  show('tenantId', config.tenantId);
  for (const field of ['serverUrl', 'oauthServerUrl', 'tokenUrl'] as const) {
    const raw = where[field]?.raw;
    show(field, raw === undefined ? '(set)' : bare(raw));
  }
  show('scope', config.scope);
  show('audience', config.audience);
  show('resource', config.resource);
  show('clientAuth', config.clientAuth);
  // Key type and thumbprint, certificate subject and expiry, IAM grant, profile, token file: never a key or a file's content.
  for (const line of config.auth.describe()) if (line.label !== 'clientAuth') out(`${line.label.padEnd(16)}${line.value}`);
  out(`${'token URL'.padEnd(16)}${bare(config.tokenUrl)} (${config.endpointKind})`);
  const endpoint = createTokenEndpoint(config);
  const started = performance.now();
  try {
    const grant = await endpoint.requestToken(new AbortController().signal, config.timeoutMs);
    const ms = Math.round(performance.now() - started);
    const skew = grant.serverDate ? (Date.parse(grant.serverDate) - Date.now()) / 1000 : undefined;
    out(`${'token request'.padEnd(16)}HTTP 200 in ${ms} ms, lifetime ${Math.round(grant.lifetimeMs / 1000)} s`);
    out(
      `${'clock skew'.padEnd(16)}${skew === undefined ? 'unknown (no Date header)' : `${formatSkew(skew)} s (server Date header vs this machine, 1 s resolution)`}`,
    );
  } finally {
    endpoint.close();
  }
  await checkStore(config, out);
}

/** With MCA_REDIS_* set: connect, authenticate, write, read and delete a probe key, as the store would. */
async function checkStore(config: ProviderConfig, out: Out): Promise<void> {
  if (config.redis === undefined) {
    out(`${'store'.padEnd(16)}in-process memory (no MCA_REDIS_* variable set)`);
    return;
  }
  const { target } = config.redis;
  const where =
    target.kind === 'single'
      ? `${target.node.host}:${target.node.port}`
      : target.kind === 'cluster'
        ? `cluster of ${target.nodes.length} seed node(s)`
        : `sentinel master "${target.masterName}"`;
  const store = redisStoreFor(config.redis, 1);
  const started = performance.now();
  try {
    // Not secret (an HMAC under each key): compare them between two processes that should share.
    store.fingerprints.forEach((print, i) => out(`${'fleet key'.padEnd(16)}${print} (${i === 0 ? 'seals and opens' : 'opens only'})`));
    await store.check();
    out(`${'store'.padEnd(16)}Redis ${where}: connect, auth, write, read OK in ${Math.round(performance.now() - started)} ms`);
  } catch (error) {
    throw new McaOAuthError('ERR_MCA_STORE_CHECK', `The Redis store at ${where} failed its check: ${(error as Error).message}`);
  } finally {
    await store.close?.();
  }
}
