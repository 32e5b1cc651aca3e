import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'dotenv';
import { McaConfigError } from '../errors/mca-config-error';
import { capped } from '../errors/echo';
import { invalid } from './option-checks';

/** Where a resolved value came from; shown by diagnostics, never with the value of a secret. */
export type ValueSource = 'option' | 'env' | '.env' | 'VCAP_SERVICES' | 'VCAP_APPLICATION' | 'protectedBackends';

export interface EnvValue {
  value: string;
  source: 'env' | '.env';
}

/** Read-only view of the real environment with the `.env` file behind it. */
export interface EnvSource {
  /** The variable, or undefined when it is unset or empty (empty means "not set" for credentials). */
  get(name: string): EnvValue | undefined;
  /** The variable even when it is empty: for settings where present-but-empty must not mean unset. */
  getPresent(name: string): EnvValue | undefined;
  /** Absolute path of the `.env` file that was read, if one was. */
  readonly envFilePath?: string;
}

/**
 * Builds the environment view once. The `.env` file is parsed into a private object: a library
 * must not write the application's `process.env`, and a real variable wins over the file.
 */
export function createEnvSource(env: Record<string, string | undefined> = process.env, envFile: string | false | undefined = undefined): EnvSource {
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
          `The \`envFile\` option names a file that cannot be read: ${capped(path, 300)} (${code ?? 'error'}). Fix the path, or pass \`envFile: false\` to read no file.`,
          { field: 'envFile' },
        );
      }
    }
    if (text !== undefined) {
      fileVars = parse(text);
      readPath = path;
    }
  }
  // Own properties only: a polluted Object.prototype must not become a variable.
  const read = (vars: Record<string, string | undefined>, name: string): string | undefined => {
    if (!Object.hasOwn(vars, name)) return undefined;
    const value = vars[name];
    return typeof value === 'string' ? value : undefined;
  };
  return {
    envFilePath: readPath,
    get(name) {
      const real = read(env, name);
      // An empty variable means "not set" here, as in most shells' `${VAR:-default}`.
      if (real !== undefined && real !== '') return { value: real, source: 'env' };
      const fromFile = read(fileVars, name);
      if (fromFile !== undefined && fromFile !== '') return { value: fromFile, source: '.env' };
      return undefined;
    },
    getPresent(name) {
      const real = read(env, name);
      if (real !== undefined) return { value: real, source: 'env' };
      const fromFile = read(fileVars, name);
      if (fromFile !== undefined) return { value: fromFile, source: '.env' };
      return undefined;
    },
  };
}

/** Where a variable was read, for messages: `MCA_SECRET in the environment`, `MCA_SECRET in /app/.env`. */
export function describeVariable(env: EnvSource, name: string, found: EnvValue): string {
  return found.source === 'env' ? `${name} in the environment` : `${name} in ${capped(env.envFilePath ?? '.env', 200)}`;
}

/** The environment view the `env` and `envFile` options ask for, validated. */
export function envSourceFromOptions(options: Record<string, unknown>): EnvSource {
  const env = options.env;
  if (env !== undefined && (typeof env !== 'object' || env === null)) throw invalid('env', 'it must be an object of environment variables.');
  const envFile = options.envFile;
  if (envFile !== undefined && envFile !== false && (typeof envFile !== 'string' || envFile === '')) {
    throw invalid('envFile', 'it must be a file path, or false to read no file.');
  }
  // Lookups read own properties only (see createEnvSource).
  return createEnvSource(env as Record<string, string | undefined> | undefined, envFile);
}
