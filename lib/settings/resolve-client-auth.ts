import { KeyObject } from 'node:crypto';
import { McaConfigError } from '../errors/mca-config-error';
import type { ClientAuth } from '../token/client-auth/client-auth';
import { ClientSecretBasic } from '../token/client-auth/client-secret-basic';
import { ClientSecretPost } from '../token/client-auth/client-secret-post';
import { PrivateKeyJwt } from '../token/client-auth/private-key-jwt';
import { AssertionFile } from '../token/client-auth/assertion-file';
import { ASSERTION_ALGORITHMS, type AssertionAlgorithm, type MaterialSource } from '../token/client-auth/key-material';
import { fieldName, scopedField, type FieldScope } from '../errors/field-scope';
import { invalid } from './option-checks';
import { variablesOf } from './settings-table';
import type { Found, ResolvedSetting, ResolvedSettings } from './resolve-settings';

/** The variables of settings as messages list them: one name, or `A or B`. */
const variablesText = (...keys: string[]): string => keys.flatMap((key) => variablesOf(key)).join(' or ');

/** The `clientAuth` values: how the client proves who it is. */
export type ClientAuthName = 'basic' | 'post' | 'private_key_jwt' | 'imf_cert' | 'assertion_file' | 'iam_apikey' | 'iam_cr_token';
const PUBLIC_NAMES = ['basic', 'post', 'private_key_jwt'];

/** Given in code (an option, or an entry's own setting) rather than by a variable. */
const given = (hit: ResolvedSetting | undefined): hit is ResolvedSetting =>
  hit !== undefined && (hit.source === 'option' || hit.source === 'protectedBackends');

function conflict(a: string, b: string, scope: FieldScope): McaConfigError {
  return new McaConfigError(
    'ERR_MCA_CONFLICTING_OPTIONS',
    `Both ${fieldName(a, scope)} and \`${b}\` are set (options, environment or .env). Give only one of them.${scope.note}`,
    { field: scopedField(a, scope) },
  );
}

/** `privateKey` (PEM, JWK, KeyObject) or `privateKeyFile`, given in code, then their variables. */
function keySource(settings: ResolvedSettings): MaterialSource<unknown> | undefined {
  const scope = settings.scope;
  const key = settings.peek('privateKey');
  let inline: MaterialSource<unknown> | undefined;
  if (given(key)) {
    const raw = key.value;
    const ok = (typeof raw === 'string' && raw.trim() !== '') || raw instanceof KeyObject || (typeof raw === 'object' && raw !== null && !Array.isArray(raw));
    if (!ok) throw invalid('privateKey', 'it must be a PEM string, a JWK (object or JSON text) or a KeyObject.', undefined, scope);
    inline = { kind: 'value', value: raw, origin: key.from };
  }
  const file = settings.get('privateKeyFile');
  const fileOption = given(file) ? file : undefined;
  if (inline && fileOption !== undefined) throw conflict('privateKey', 'privateKeyFile', scope);
  if (inline) return inline;
  if (fileOption !== undefined) return { kind: 'file', path: fileOption.value as string, origin: fileOption.from };
  const envKey = key;
  const envFile = file;
  if (envKey && envFile) throw conflict('privateKey', 'privateKeyFile', scope);
  if (envKey) return { kind: 'value', value: envKey.value, origin: envKey.from };
  if (envFile) return { kind: 'file', path: envFile.value as string, origin: envFile.from };
  return undefined;
}

/** `certificate` (PEM chain) or `certificateFile`, given in code, then their variables. */
function certificateSource(settings: ResolvedSettings): MaterialSource<string> | undefined {
  const pem = settings.get('certificate');
  const file = settings.get('certificateFile');
  if (pem && file) throw conflict('certificate', 'certificateFile', settings.scope);
  if (pem) return { kind: 'value', value: pem.value as string, origin: pem.from };
  if (file) return { kind: 'file', path: file.value as string, origin: file.from };
  return undefined;
}

// The header names, as codes: ERR_MCA_INVALID_X5T reads better than the generic X_5T.
function headerOptionError(field: 'x5t' | 'x5c', fix: string, scope: FieldScope): McaConfigError {
  return new McaConfigError(`ERR_MCA_INVALID_${field.toUpperCase()}`, `Invalid ${fieldName(field, scope)}: ${fix}${scope.note}`, {
    field: scopedField(field, scope),
  });
}

function booleanOption(settings: ResolvedSettings, field: 'x5t' | 'x5c'): boolean {
  const value = settings.peek(field)?.value;
  if (value === undefined) return false;
  if (typeof value !== 'boolean') throw headerOptionError(field, 'it must be true or false (default false).', settings.scope);
  return value;
}

/**
 * Decides how the client authenticates and builds that method, once, at startup. An explicit
 * `clientAuth` decides. Without one: a private key and no secret means `private_key_jwt`, a secret
 * and no key `basic`, both an error (which one was meant cannot be guessed).
 */
export function resolveClientAuth(
  settings: ResolvedSettings,
  clientIdFound: Found,
  secret: Found | undefined,
  requested: Found | undefined,
  missingSecret: () => McaConfigError,
): { name: ClientAuthName; auth: ClientAuth } {
  const clientId = clientIdFound.value;
  const scope = settings.scope;
  const text = (key: string): string | undefined => settings.get(key)?.value as string | undefined;
  // Case-insensitive, as the wire names are often written in capitals in consoles and docs.
  const requestedName = requested?.value.toLowerCase();
  if (requestedName !== undefined && !PUBLIC_NAMES.includes(requestedName)) {
    throw invalid('clientAuth', 'it must be "basic", "post" or "private_key_jwt".', requested?.from, scope);
  }
  const key = keySource(settings);
  const assertionFile = settings.get('clientAssertionFile');
  if (assertionFile !== undefined) {
    // A platform-signed assertion is the whole client authentication: anything else beside it is a second, competing one.
    const other = requested !== undefined ? 'clientAuth' : key !== undefined ? 'privateKey' : secret !== undefined ? 'secret' : undefined;
    if (other !== undefined) throw conflict('clientAssertionFile', other, scope);
    return { name: 'assertion_file', auth: new AssertionFile({ clientId, path: assertionFile.value as string, origin: assertionFile.from, scope }) };
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
    const algorithm = text('signingAlgorithm');
    if (algorithm !== undefined && !ASSERTION_ALGORITHMS.includes(algorithm as AssertionAlgorithm)) {
      throw invalid('signingAlgorithm', `it must be one of ${ASSERTION_ALGORITHMS.join(', ')}.`, undefined, scope);
    }
    const certificate = certificateSource(settings);
    const x5t = booleanOption(settings, 'x5t');
    const x5c = booleanOption(settings, 'x5c');
    if ((x5t || x5c) && certificate === undefined) {
      throw headerOptionError(
        x5t ? 'x5t' : 'x5c',
        `it needs a \`certificate\` or \`certificateFile\` (env ${variablesText('certificate', 'certificateFile')}).`,
        scope,
      );
    }
    const audience = text('assertionAudience');
    return {
      name,
      auth: new PrivateKeyJwt({
        clientId,
        key,
        certificate,
        keyId: text('keyId'),
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
