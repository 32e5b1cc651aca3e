// Reading the command line: which flag sets which option, the flags turned into the options the
// middleware takes, and one line for a flag that parseArgs refuses.
import { parseArgs } from 'node:util';
import { PROVIDER_OPTION_KEYS, checkOptionKeys, suggest } from '../settings/known-options';
import type { CredentialField } from '../settings/resolve-config';
import { McaConfigError } from '../errors/mca-config-error';

/** Each string flag and the option it sets. */
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

/** The flag names, for a suggestion when one is mistyped. */
const FLAG_NAMES: ReadonlySet<string> = new Set([...Object.keys(FLAGS), 'no-env-file', 'timeout-ms', 'backend', 'backends-file', 'help', 'version']);

/** The flag that sets `field`, as the user types it: `--client-id`. */
export function flagOf(field: CredentialField): string {
  return `--${Object.entries(FLAGS).find(([, option]) => option === field)?.[0] ?? field}`;
}

/** Splits the arguments into the command and the flags; throws parseArgs's own error on bad usage. */
export function parseCommandLine(argv: string[]): ReturnType<typeof parseArgs> {
  return parseArgs({
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
}

/** The options the flags give, checked against the option names as the middleware checks them. */
export function flagOptions(values: Record<string, unknown>): Record<string, unknown> {
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

/** One line for a parseArgs error: the flag, and the flag the user probably meant. */
export function usageError(error: unknown): string {
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
