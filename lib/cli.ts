#!/usr/bin/env node
// `npx express-mca-oauth token|check`: the same resolution as the middleware (flags, env, .env,
// VCAP_SERVICES), from a shell. Errors are one line with their code; the secret is never printed.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { PROVIDER_OPTION_KEYS, checkOptionKeys, suggest } from './config/known-options';
import { ENV_NAMES, envSourceFromOptions, resolveProviderConfig, type CredentialField, type ProviderConfig } from './config/resolve-config';
import { readBackendList, readBackendsFile } from './config/read-backend-list';
import { resolveBackends } from './config/resolve-backends';
import { readVcap } from './config/vcap';
import { createTokenEndpoint } from './core/token-endpoint';
import { McaConfigError } from './errors/mca-config-error';
import { McaOAuthError, isMcaOAuthError } from './errors/mca-oauth-error';
import { isMcaTokenError } from './errors/mca-token-error';
import { redisStoreFor } from './store-choice';

const HELP = `Usage: express-mca-oauth <command> [options]

Commands:
  token    Print the Authorization header value, for curl -H "Authorization: $(npx express-mca-oauth token)"
  check    Show where each setting came from, the token URL, the result of one real token request,
           and, with MCA_REDIS_* set, a write and a read through the Redis store

Options (each falls back to its environment variable, then .env, then VCAP_SERVICES):
  --client-id <id>            MCA_CLIENT_ID
  --secret <secret>           MCA_SECRET (prefer the variable: flags show in the process list)
  --tenant-id <id>            MCA_TENANT_ID or MCA_APP_ID
  --server-url <url>          MCA_SERVER_URL (Mobile Client Access)
  --oauth-server-url <url>    MCA_OAUTH_SERVER_URL (App ID)
  --token-url <url>           MCA_TOKEN_URL (any OAuth 2.0 server)
  --scope <scope>             MCA_SCOPE
  --audience <audience>       MCA_AUDIENCE
  --resource <uri>            MCA_RESOURCE (RFC 8707)
  --client-auth basic|post|private_key_jwt
                              MCA_CLIENT_AUTH (default basic; private_key_jwt with a key and no secret)
  --private-key-file <path>   MCA_PRIVATE_KEY_FILE (PEM or JWK; or MCA_PRIVATE_KEY holding it)
  --certificate-file <path>   MCA_CERTIFICATE_FILE (PEM chain; or MCA_CERTIFICATE holding it)
  --key-id <kid>              MCA_KEY_ID
  --signing-algorithm <alg>   MCA_SIGNING_ALGORITHM (RS256, PS256 or ES256; default from the key)
  --assertion-audience <aud>  MCA_ASSERTION_AUDIENCE (default the token URL)
  --apikey <key>              MCA_APIKEY: IBM Cloud IAM API key (prefer the variable: flags show in the process list)
  --iam-url <url>             MCA_IAM_URL (default https://iam.cloud.ibm.com)
  --iam-profile-id <id>       MCA_IAM_PROFILE_ID (trusted profile; or --iam-profile-name, --iam-profile-crn)
  --iam-profile-name <name>   MCA_IAM_PROFILE_NAME
  --iam-profile-crn <crn>     MCA_IAM_PROFILE_CRN
  --cr-token-file <path>      MCA_CR_TOKEN_FILE (default: the platform's compute-resource token file)
  --client-assertion-file <path>
                              MCA_CLIENT_ASSERTION_FILE (a rotating JWT, e.g. a projected service-account token)
  --service-name <name>       MCA_SERVICE_NAME (which bound service to use)
  --env-file <path>           read this file instead of ./.env
  --no-env-file               read no .env file
  --timeout-ms <ms>           timeout of the token request (default 10000)
  --backend <name>            the token of this named protectedBackends entry (its audience, scope, client …)
  --backends-file <path>      MCA_PROTECTED_BACKENDS_FILE (the JSON list of entries that --backend names)
  -h, --help                  show this help
  -v, --version               print the version

Exit status: 0 on success, 1 on a configuration or token error (its code is printed), 2 on bad usage.`;

const FLAGS = {
  'client-id': 'clientId',
  secret: 'secret',
  'tenant-id': 'tenantId',
  'server-url': 'serverUrl',
  'oauth-server-url': 'oauthServerUrl',
  'token-url': 'tokenUrl',
  scope: 'scope',
  audience: 'audience',
  resource: 'resource',
  'client-auth': 'clientAuth',
  'private-key-file': 'privateKeyFile',
  'certificate-file': 'certificateFile',
  'key-id': 'keyId',
  'signing-algorithm': 'signingAlgorithm',
  'assertion-audience': 'assertionAudience',
  apikey: 'apikey',
  'iam-url': 'iamUrl',
  'iam-profile-id': 'iamProfileId',
  'iam-profile-name': 'iamProfileName',
  'iam-profile-crn': 'iamProfileCrn',
  'cr-token-file': 'crTokenFile',
  'client-assertion-file': 'clientAssertionFile',
  'service-name': 'serviceName',
  'env-file': 'envFile',
} as const;

type Out = (line: string) => void;

function options(values: Record<string, unknown>): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const [flag, option] of Object.entries(FLAGS)) if (values[flag] !== undefined) result[option] = values[flag];
  if (values['no-env-file']) result.envFile = false;
  const timeout = values['timeout-ms'];
  if (timeout !== undefined) {
    // Checked here, so that the message names the flag the user typed, not the option behind it.
    if (typeof timeout !== 'string' || !/^[1-9]\d*$/.test(timeout)) {
      throw new McaConfigError(
        'ERR_MCA_INVALID_TIMEOUT_MS',
        `\`--timeout-ms\` must be a whole number of milliseconds, at least 1 (got "${String(timeout)}").`,
        {
          field: 'timeoutMs',
        },
      );
    }
    result.timeoutMs = Number(timeout);
  }
  return checkOptionKeys(result, PROVIDER_OPTION_KEYS, 'express-mca-oauth');
}

/** The flag names, for a suggestion when one is mistyped. */
const FLAG_NAMES: ReadonlySet<string> = new Set([...Object.keys(FLAGS), 'no-env-file', 'timeout-ms', 'backend', 'backends-file', 'help', 'version']);

/**
 * The configuration to use: the default one, or with `--backend NAME` that entry's, resolved by
 * the same rules as the middleware (its own settings over the default ones).
 */
function resolveFor(opts: Record<string, unknown>, backend: string | undefined, file: string | undefined): ProviderConfig {
  if (backend === undefined) return resolveProviderConfig(opts);
  const env = envSourceFromOptions(opts);
  // The middleware's own configuration must resolve, as for the middleware: entries build on it.
  const main = resolveProviderConfig(opts, env);
  const list = (file === undefined ? readBackendList({}, env) : readBackendsFile(file, '--backends-file')) ?? { items: [], from: '' };
  const entry = resolveBackends(list, opts, env, main).find((b) => b.name === backend);
  if (entry === undefined) {
    throw new McaConfigError(
      'ERR_MCA_UNKNOWN_BACKEND',
      'No protected back end has that name. Name entries (`"name": "billing"`) in the JSON file given by --backends-file or MCA_PROTECTED_BACKENDS_FILE.',
      { field: 'backend' },
    );
  }
  return entry.config ?? main;
}

function version(): string {
  // dist/cli.js and lib/cli.ts both sit one folder below package.json.
  return (JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version: string }).version;
}

// URLs without userinfo or query: a URL may carry credentials.
function bare(value: string): string {
  const url = new URL(value.trim());
  return `${url.origin}${url.pathname}`;
}

/** Tenths of a second, with no "-0.0" for a skew that rounds to zero. */
export function formatSkew(seconds: number): string {
  const tenths = Math.round(seconds * 10) / 10;
  if (tenths === 0) return '0.0';
  return `${tenths > 0 ? '+' : ''}${tenths.toFixed(1)}`;
}

/**
 * Where each field came from, precisely enough to go and fix it: the flag, the variable (environment
 * or .env file), or the path inside VCAP_SERVICES / VCAP_APPLICATION. Also the raw value, for the
 * URL fields (ProviderConfig keeps only the token URL built from them).
 */
function origins(opts: Record<string, unknown>, config: ProviderConfig): Partial<Record<CredentialField, { where: string; raw?: string }>> {
  const env = envSourceFromOptions(opts);
  const result: Partial<Record<CredentialField, { where: string; raw?: string }>> = {};
  const flagOf = (field: CredentialField): string => `--${Object.entries(FLAGS).find(([, option]) => option === field)?.[0] ?? field}`;
  let vcap: ReturnType<typeof readVcap> | undefined;
  for (const [field, source] of Object.entries(config.sources) as [CredentialField, string][]) {
    if (source === 'option') {
      const raw = opts[field] ?? (field === 'tenantId' ? opts.appId : undefined);
      result[field] = { where: `flag ${flagOf(field)}`, raw: typeof raw === 'string' ? raw : undefined };
    } else if (source === 'env' || source === '.env') {
      const name = ENV_NAMES[field].find((n) => env.get(n)?.source === source);
      result[field] = { where: `${source === 'env' ? 'environment' : '.env file'} ${name ?? ''}`.trim(), raw: name ? env.get(name)?.value : undefined };
    } else if (source === 'VCAP_SERVICES') {
      vcap ??= readVcap(
        env,
        config.sources.serviceName === undefined ? undefined : ((opts.serviceName as string | undefined) ?? env.get('MCA_SERVICE_NAME')?.value),
      );
      const raw = vcap[field as keyof typeof vcap];
      result[field] = { where: `VCAP_SERVICES (service "${vcap.serviceName ?? '?'}") credentials.${field}`, raw };
    } else if (source === 'VCAP_APPLICATION') {
      result[field] = { where: 'VCAP_APPLICATION application_id' };
    } else if (source === 'protectedBackends') {
      result[field] = { where: 'the --backend entry' };
    } else {
      result[field] = { where: source };
    }
  }
  return result;
}

async function check(opts: Record<string, unknown>, config: ProviderConfig, out: Out): Promise<void> {
  const where = origins(opts, config);
  const show = (field: CredentialField, value: string | undefined): void => {
    const origin = where[field];
    if (value === undefined || origin === undefined) return;
    out(`${field.padEnd(16)}${value.padEnd(48)} from ${origin.where}`);
  };
  show('clientId', config.clientId);
  if (config.secret !== undefined && config.clientAuth !== 'private_key_jwt') show('secret', `**** (${config.secret.length} characters)`);
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
async function checkStore(config: ReturnType<typeof resolveProviderConfig>, out: Out): Promise<void> {
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
    await store.check();
    out(`${'store'.padEnd(16)}Redis ${where}: connect, auth, write, read OK in ${Math.round(performance.now() - started)} ms`);
  } catch (error) {
    throw new McaOAuthError('ERR_MCA_STORE_CHECK', `The Redis store at ${where} failed its check: ${(error as Error).message}`);
  } finally {
    await store.close?.();
  }
}

async function token(config: ProviderConfig, out: Out): Promise<void> {
  const endpoint = createTokenEndpoint(config);
  try {
    const grant = await endpoint.requestToken(new AbortController().signal, config.timeoutMs);
    out(`Bearer ${grant.accessToken}`);
  } finally {
    endpoint.close();
  }
}

/** Runs the CLI; returns the exit status. Exported for tests. */
export async function main(argv: string[], out: Out = console.log, err: Out = console.error): Promise<number> {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        ...Object.fromEntries(Object.keys(FLAGS).map((flag) => [flag, { type: 'string' as const }])),
        'no-env-file': { type: 'boolean' },
        'timeout-ms': { type: 'string' },
        backend: { type: 'string' },
        'backends-file': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
      },
    });
  } catch (error) {
    err(usageError(error));
    return 2;
  }
  if (parsed.values.version) {
    out(version());
    return 0;
  }
  const [command, ...extra] = parsed.positionals;
  if (parsed.values.help || command === undefined) {
    (parsed.values.help ? out : err)(HELP);
    return parsed.values.help ? 0 : 2;
  }
  if ((command !== 'token' && command !== 'check') || extra.length > 0) {
    err(`express-mca-oauth: unknown command "${[command, ...extra].join(' ')}". Use token or check; see --help.`);
    return 2;
  }
  let tokenUrl: string | undefined;
  try {
    const opts = options(parsed.values);
    const config = resolveFor(opts, parsed.values.backend as string | undefined, parsed.values['backends-file'] as string | undefined);
    tokenUrl = config.tokenUrl;
    await (command === 'token' ? token(config, out) : check(opts, config, out));
    return 0;
  } catch (error) {
    // A 404 is nearly always a wrong tenant or server path: say which URL was tried.
    const hint =
      isMcaTokenError(error) && error.tokenEndpointStatus === 404 && tokenUrl !== undefined
        ? ` Hint: ${bare(tokenUrl)} answered 404; check tenantId and serverUrl (\`check\` shows where each came from).`
        : '';
    if (isMcaOAuthError(error)) err(`error ${error.code}: ${error.message}${hint}`);
    else err(`error: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}

/** One line for a parseArgs error: the flag, and the flag the user probably meant. */
function usageError(error: unknown): string {
  const { code, message } = error as { code?: string; message?: string };
  const flag = /'(-{1,2}[^']*)'/.exec(message ?? '')?.[1];
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && flag !== undefined) {
    const guess = suggest(flag.replace(/^-+/, '').split('=')[0]!, FLAG_NAMES);
    return `express-mca-oauth: unknown option ${flag}.${guess === undefined ? '' : ` Did you mean --${guess}?`} See --help.`;
  }
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && flag !== undefined) {
    return `express-mca-oauth: option ${flag.split(' ')[0]} needs a value. See --help.`;
  }
  return `express-mca-oauth: ${(message ?? String(error)).split('\n')[0]} See --help.`;
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((status) => {
    process.exitCode = status;
  });
}
