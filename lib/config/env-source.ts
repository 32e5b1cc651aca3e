import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'dotenv';
import { McaConfigError } from '../errors/mca-config-error';

/** Where a resolved value came from; shown by diagnostics, never with the value of a secret. */
export type ValueSource = 'option' | 'env' | '.env' | 'VCAP_SERVICES' | 'VCAP_APPLICATION';

export interface EnvValue {
  value: string;
  source: 'env' | '.env';
}

/** Read-only view of the real environment with the `.env` file behind it. */
export interface EnvSource {
  get(name: string): EnvValue | undefined;
  /** Absolute path of the `.env` file that was read, if one was. */
  readonly envFilePath?: string;
}

/**
 * Builds the environment view once. The `.env` file is parsed into a private object: a library
 * must not write the application's `process.env`, and a real variable wins over the file.
 */
export function createEnvSource(
  env: Record<string, string | undefined> = process.env,
  envFile: string | false | undefined = undefined,
): EnvSource {
  const explicit = typeof envFile === 'string';
  const path = envFile === false ? undefined : resolve(process.cwd(), explicit ? envFile : '.env');
  let fileVars: Record<string, string> = {};
  let readPath: string | undefined;
  if (path !== undefined) {
    let text: string | undefined;
    try {
      text = readFileSync(path, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // The default .env is optional; a file the user named must exist.
      if (explicit || code !== 'ENOENT') {
        throw new McaConfigError(
          'ERR_MCA_INVALID_ENV_FILE',
          `The \`envFile\` option names a file that cannot be read (${code ?? 'error'}). Fix the path, or pass \`envFile: false\` to read no file.`,
          { field: 'envFile' },
        );
      }
    }
    if (text !== undefined) {
      fileVars = parse(text);
      readPath = path;
    }
  }
  return {
    envFilePath: readPath,
    get(name) {
      const real = env[name];
      // An empty variable means "not set" here, as in most shells' `${VAR:-default}`.
      if (real !== undefined && real !== '') return { value: real, source: 'env' };
      const fromFile = fileVars[name];
      if (fromFile !== undefined && fromFile !== '') return { value: fromFile, source: '.env' };
      return undefined;
    },
  };
}
