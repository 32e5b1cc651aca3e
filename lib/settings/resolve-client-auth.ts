import { KeyObject } from 'node:crypto';
import { McaConfigError } from '../errors/mca-config-error';
import type { ClientAuth } from '../token/client-auth/client-auth';
import { ClientSecretBasic } from '../token/client-auth/client-secret-basic';
import { ClientSecretPost } from '../token/client-auth/client-secret-post';
import { PrivateKeyJwt } from '../token/client-auth/private-key-jwt';
import { AssertionFile } from '../token/client-auth/assertion-file';
import { ASSERTION_ALGORITHMS, type AssertionAlgorithm, type MaterialSource } from '../token/client-auth/key-material';
import type { EnvSource } from './env-source';
import { readSetting, readVariable, type SettingValue } from './read-setting';
import { fieldName, scopedField, type FieldScope } from '../errors/field-scope';
import { invalid, optionOrigin, optionalString, scopeOf, ownValue } from './option-checks';
import { variablesOf } from './settings-table';

/** The variables of settings as messages list them: one name, or `A or B`. */
const variablesText = (...keys: string[]): string => keys.flatMap((key) => variablesOf(key)).join(' or ');

/** The `clientAuth` values: how the client proves who it is. */
export type ClientAuthName = 'basic' | 'post' | 'private_key_jwt' | 'imf_cert' | 'assertion_file' | 'iam_apikey' | 'iam_cr_token';
const PUBLIC_NAMES = ['basic', 'post', 'private_key_jwt'];

type Found = SettingValue;

function conflict(a: string, b: string, scope: FieldScope): McaConfigError {
  return new McaConfigError(
    'ERR_MCA_CONFLICTING_OPTIONS',
    `Both ${fieldName(a, scope)} and \`${b}\` are set (options, environment or .env). Give only one of them.${scope.note}`,
    { field: scopedField(a, scope) },
  );
}

/** `privateKey` (PEM, JWK, KeyObject) or `privateKeyFile`, from options, then their variables. */
function keySource(options: Record<string, unknown>, env: EnvSource): MaterialSource<unknown> | undefined {
  const scope = scopeOf(options);
  const raw = options.privateKey;
  let inline: MaterialSource<unknown> | undefined;
  if (raw !== undefined) {
    const ok = (typeof raw === 'string' && raw.trim() !== '') || raw instanceof KeyObject || (typeof raw === 'object' && raw !== null && !Array.isArray(raw));
    if (!ok) throw invalid('privateKey', 'it must be a PEM string, a JWK (object or JSON text) or a KeyObject.', undefined, scope);
    inline = { kind: 'value', value: raw, origin: optionOrigin(options, 'privateKey') };
  }
  const fileOption = optionalString(options, 'privateKeyFile');
  if (inline && fileOption !== undefined) throw conflict('privateKey', 'privateKeyFile', scope);
  if (inline) return inline;
  if (fileOption !== undefined) return { kind: 'file', path: fileOption, origin: optionOrigin(options, 'privateKeyFile') };
  const envKey = readVariable(env, 'privateKey');
  const envFile = readVariable(env, 'privateKeyFile');
  if (envKey && envFile) throw conflict('privateKey', 'privateKeyFile', scope);
  if (envKey) return { kind: 'value', value: envKey.value, origin: envKey.from };
  if (envFile) return { kind: 'file', path: envFile.value, origin: envFile.from };
  return undefined;
}

/** `certificate` (PEM chain) or `certificateFile`, from options, then their variables. */
function certificateSource(options: Record<string, unknown>, env: EnvSource): MaterialSource<string> | undefined {
  const pem = readSetting(options, env, 'certificate');
  const file = readSetting(options, env, 'certificateFile');
  if (pem && file) throw conflict('certificate', 'certificateFile', scopeOf(options));
  if (pem) return { kind: 'value', value: pem.value, origin: pem.from };
  if (file) return { kind: 'file', path: file.value, origin: file.from };
  return undefined;
}

// The header names, as codes: ERR_MCA_INVALID_X5T reads better than the generic X_5T.
function headerOptionError(field: 'x5t' | 'x5c', fix: string, scope: FieldScope): McaConfigError {
  return new McaConfigError(`ERR_MCA_INVALID_${field.toUpperCase()}`, `Invalid ${fieldName(field, scope)}: ${fix}${scope.note}`, {
    field: scopedField(field, scope),
  });
}

function booleanOption(options: Record<string, unknown>, field: 'x5t' | 'x5c'): boolean {
  const value = ownValue(options, field);
  if (value === undefined) return false;
  if (typeof value !== 'boolean') throw headerOptionError(field, 'it must be true or false (default false).', scopeOf(options));
  return value;
}

/**
 * Decides how the client authenticates and builds that method, once, at startup. An explicit
 * `clientAuth` decides. Without one: a private key and no secret means `private_key_jwt`, a secret
 * and no key `basic`, both an error (which one was meant cannot be guessed).
 */
export function resolveClientAuth(
  options: Record<string, unknown>,
  env: EnvSource,
  clientIdFound: Found,
  secret: Found | undefined,
  requested: Found | undefined,
  missingSecret: () => McaConfigError,
): { name: ClientAuthName; auth: ClientAuth } {
  const clientId = clientIdFound.value;
  const scope = scopeOf(options);
  // Case-insensitive, as the wire names are often written in capitals in consoles and docs.
  const requestedName = requested?.value.toLowerCase();
  if (requestedName !== undefined && !PUBLIC_NAMES.includes(requestedName)) {
    throw invalid('clientAuth', 'it must be "basic", "post" or "private_key_jwt".', requested?.from, scope);
  }
  const key = keySource(options, env);
  const assertionFile = readSetting(options, env, 'clientAssertionFile');
  if (assertionFile !== undefined) {
    // A platform-signed assertion is the whole client authentication: anything else beside it is a second, competing one.
    const other = requested !== undefined ? 'clientAuth' : key !== undefined ? 'privateKey' : secret !== undefined ? 'secret' : undefined;
    if (other !== undefined) throw conflict('clientAssertionFile', other, scope);
    return { name: 'assertion_file', auth: new AssertionFile({ clientId, path: assertionFile.value, origin: assertionFile.from, scope }) };
  }
  let name = requestedName as ClientAuthName | undefined;
  if (name === undefined) {
    if (key !== undefined && secret !== undefined) {
      throw new McaConfigError(
        'ERR_MCA_CONFLICTING_OPTIONS',
        `Both a client secret and a private key are configured. Set ${fieldName('clientAuth', scope)} ("basic", "post" or "private_key_jwt", env ${variablesText('clientAuth')}) to say which one to use.${scope.note}`,
        { field: scopedField('clientAuth', scope) },
      );
    }
    name = key !== undefined ? 'private_key_jwt' : 'basic';
  }
  if (name === 'private_key_jwt') {
    if (key === undefined) {
      throw new McaConfigError(
        'ERR_MCA_MISSING_PRIVATE_KEY',
        `Missing ${fieldName('privateKey', scope)} (clientAuth is private_key_jwt). Pass \`privateKey\` (PEM, JWK or KeyObject) or \`privateKeyFile\`, or set ${variablesText('privateKey', 'privateKeyFile')} in the environment or .env.${scope.note}`,
        { field: scopedField('privateKey', scope) },
      );
    }
    const algorithm = readSetting(options, env, 'signingAlgorithm')?.value;
    if (algorithm !== undefined && !ASSERTION_ALGORITHMS.includes(algorithm as AssertionAlgorithm)) {
      throw invalid('signingAlgorithm', `it must be one of ${ASSERTION_ALGORITHMS.join(', ')}.`, undefined, scope);
    }
    const certificate = certificateSource(options, env);
    const x5t = booleanOption(options, 'x5t');
    const x5c = booleanOption(options, 'x5c');
    if ((x5t || x5c) && certificate === undefined) {
      throw headerOptionError(
        x5t ? 'x5t' : 'x5c',
        `it needs a \`certificate\` or \`certificateFile\` (env ${variablesText('certificate', 'certificateFile')}).`,
        scope,
      );
    }
    const audience = readSetting(options, env, 'assertionAudience')?.value;
    return {
      name,
      auth: new PrivateKeyJwt({
        clientId,
        key,
        certificate,
        keyId: readSetting(options, env, 'keyId')?.value,
        algorithm: algorithm as AssertionAlgorithm | undefined,
        audience,
        x5t,
        x5c,
        scope,
      }),
    };
  }
  if (secret === undefined) throw missingSecret();
  // RFC 7617: a colon in the user-id makes `id:secret` ambiguous, so no server could read it back.
  if (name === 'basic' && clientId.includes(':')) {
    throw invalid('clientId', 'it contains ":", which Basic authentication cannot carry. Use `clientAuth: "post"`.', clientIdFound.from, scope);
  }
  return { name, auth: name === 'basic' ? new ClientSecretBasic(clientId, secret.value) : new ClientSecretPost(clientId, secret.value) };
}
