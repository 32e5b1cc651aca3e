import { McaConfigError } from '../errors/mca-config-error';
import { capped } from '../errors/echo';
import type { EnvSource } from './env-source';

/** The credential fields a bound MCA or App ID service may carry. */
export interface VcapCredentials {
  clientId?: string;
  secret?: string;
  tenantId?: string;
  serverUrl?: string;
  oauthServerUrl?: string;
  /** An IBM Cloud service's IAM API key (Cloudant and most services bind one). */
  apikey?: string;
  /** `VCAP_APPLICATION.application_id`, the fallback for `tenantId`. */
  applicationId?: string;
  /** The bound instance's `name`, for diagnostics. */
  serviceName?: string;
  /** Where the credentials were read, e.g. `AdvancedMobileAccess[0]`, for messages. */
  where?: string;
  /**
   * Why no usable binding was found though VCAP_SERVICES is set (a service bound with no
   * instance, user-provided services and no `serviceName`), for the "missing" messages.
   */
  note?: string;
  /**
   * Set when no MCA or App ID service is bound but a service with an IAM `apikey` is: the
   * "missing" messages lead with it, since naming that service is the likelier fix.
   */
  iamHint?: string;
}

const SERVICE_PREFIXES = ['AdvancedMobileAccess', 'AppID'];

function badVcap(message: string): McaConfigError {
  return new McaConfigError('ERR_MCA_BAD_VCAP_SERVICES', `VCAP_SERVICES ${message}`, { field: 'VCAP_SERVICES' });
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** An own property: a polluted Object.prototype must not become a binding. */
export function own(record: Record<string, unknown>, key: string): unknown {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

function stringField(credentials: Record<string, unknown>, key: string, where: string): string | undefined {
  const value = own(credentials, key);
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw badVcap(`${where}.credentials.${key} must be a string. Fix the service binding.`);
  return value;
}

/**
 * Picks the bound instance: by `serviceName` among all services when given; otherwise the first
 * key (in JSON order) starting with `AdvancedMobileAccess` or `AppID`, and its first instance.
 * IBM's two SDKs disagree (first vs last match); first is what a reader of the JSON expects.
 */
function pickInstance(
  services: Record<string, unknown>,
  serviceName: string | undefined,
): { instance: Record<string, unknown>; where: string } | { note?: string; iamHint?: string } | undefined {
  const empty: string[] = [];
  const userProvided: string[] = [];
  const withApikey: { name: string; label: string }[] = [];
  for (const [label, instances] of Object.entries(services)) {
    const ours = SERVICE_PREFIXES.some((p) => label.startsWith(p));
    if (serviceName === undefined && label === 'user-provided' && Array.isArray(instances)) {
      for (const instance of instances) if (isRecord(instance) && typeof own(instance, 'name') === 'string') userProvided.push(own(instance, 'name') as string);
    }
    if (serviceName === undefined && !ours) {
      if (label !== 'user-provided' && Array.isArray(instances)) withApikey.push(...apikeyServices(label, instances));
      continue;
    }
    if (!Array.isArray(instances)) throw badVcap(`key "${capped(label, 60)}" must hold an array of service instances.`);
    if (instances.length === 0 && ours) empty.push(capped(label, 60));
    for (let i = 0; i < instances.length; i++) {
      const instance: unknown = instances[i];
      if (!isRecord(instance)) throw badVcap(`${capped(label, 60)}[${i}] must be an object.`);
      if (serviceName === undefined || own(instance, 'name') === serviceName) return { instance, where: `${capped(label, 60)}[${i}]` };
      if (serviceName === undefined) break;
    }
  }
  if (serviceName !== undefined) {
    throw new McaConfigError(
      'ERR_MCA_SERVICE_NOT_FOUND',
      `No service named "${capped(serviceName, 60)}" is bound in VCAP_SERVICES. Fix \`serviceName\` (or MCA_SERVICE_NAME), or bind the service.`,
      { field: 'serviceName' },
    );
  }
  const notes: string[] = [];
  if (empty.length > 0) notes.push(`VCAP_SERVICES has ${empty.join(', ')} with no service instance in it: bind the service instance`);
  if (userProvided.length > 0) {
    const names = userProvided
      .slice(0, 5)
      .map((n) => `"${capped(n, 40)}"`)
      .join(', ');
    notes.push(`VCAP_SERVICES binds user-provided service(s) ${names}, which are used only when named: set \`serviceName\` or MCA_SERVICE_NAME`);
  }
  const iamHint = withApikey.length > 0 ? iamBindingHint(withApikey) : undefined;
  if (notes.length === 0 && iamHint === undefined) return undefined;
  return { note: notes.length > 0 ? notes.join('; ') : undefined, iamHint };
}

// A Cloudant (or any IBM Cloud) binding alone is the usual start on IBM Cloud: its API key is used
// only when the service is named, and the fix must say so rather than point at MCA.
function iamBindingHint(services: { name: string; label: string }[]): string {
  const listed = services
    .slice(0, 3)
    .map((s) => `"${capped(s.name, 60)}" (${capped(s.label, 40)})`)
    .join(', ');
  return `VCAP_SERVICES binds ${listed}, with an IAM API key (credentials.apikey) that is used only when its service is named: to call IAM-protected services with it, set MCA_SERVICE_NAME=${capped(services[0]!.name, 60)} (or the \`serviceName\` option).`;
}

/** The names of a label's instances whose credentials carry an IAM `apikey`, for the hint. */
function apikeyServices(label: string, instances: unknown[]): { name: string; label: string }[] {
  const names: { name: string; label: string }[] = [];
  for (const instance of instances) {
    if (!isRecord(instance)) continue;
    const credentials = own(instance, 'credentials');
    const name = own(instance, 'name');
    if (isRecord(credentials) && typeof own(credentials, 'apikey') === 'string' && typeof name === 'string' && name !== '') {
      names.push({ name, label });
    }
  }
  return names;
}

/**
 * A variable that holds a JSON object, or undefined when it is unset. Anything else is the error
 * `fail` builds from what is wrong ("is not valid JSON. Fix or unset the variable.").
 */
function readJsonObject(env: EnvSource, name: string, shape: string, fail: (problem: string) => McaConfigError): Record<string, unknown> | undefined {
  const raw = env.get(name)?.value;
  if (raw === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw fail('is not valid JSON. Fix or unset the variable.');
  }
  if (!isRecord(parsed)) throw fail(`must be ${shape}. Fix or unset the variable.`);
  return parsed;
}

function readApplicationId(env: EnvSource): string | undefined {
  const parsed = readJsonObject(
    env,
    'VCAP_APPLICATION',
    'a JSON object',
    (problem) => new McaConfigError('ERR_MCA_BAD_VCAP_APPLICATION', `VCAP_APPLICATION ${problem}`, { field: 'VCAP_APPLICATION' }),
  );
  if (parsed === undefined) return undefined;
  const id = own(parsed, 'application_id');
  return typeof id === 'string' && id !== '' ? id : undefined;
}

/**
 * VCAP_SERVICES as an object of service arrays, or undefined when unset; anything else is an
 * ERR_MCA_BAD_VCAP_SERVICES. The one parser for every reader of the variable.
 */
export function parseVcapServices(env: EnvSource): Record<string, unknown> | undefined {
  return readJsonObject(env, 'VCAP_SERVICES', 'a JSON object of service arrays', badVcap);
}

/**
 * Reads the Cloud Foundry bindings. Both variables are parsed whenever they are present, so a
 * broken binding fails at startup even when options happen to cover every field.
 */
export function readVcap(env: EnvSource, serviceName: string | undefined): VcapCredentials {
  const applicationId = readApplicationId(env);
  const parsed = parseVcapServices(env);
  if (parsed === undefined) {
    if (serviceName !== undefined) {
      throw new McaConfigError(
        'ERR_MCA_SERVICE_NOT_FOUND',
        `\`serviceName\` is "${capped(serviceName, 60)}" but VCAP_SERVICES is not set. Bind the service, or drop \`serviceName\`.`,
        { field: 'serviceName' },
      );
    }
    return { applicationId };
  }
  const picked = pickInstance(parsed, serviceName);
  if (picked === undefined) return { applicationId };
  if (!('instance' in picked)) return { applicationId, ...picked };
  const { instance, where } = picked;
  const credentials = own(instance, 'credentials');
  if (!isRecord(credentials)) throw badVcap(`${where}.credentials must be an object. Fix the service binding.`);
  return {
    clientId: stringField(credentials, 'clientId', where),
    secret: stringField(credentials, 'secret', where),
    tenantId: stringField(credentials, 'tenantId', where),
    serverUrl: stringField(credentials, 'serverUrl', where),
    oauthServerUrl: stringField(credentials, 'oauthServerUrl', where) ?? stringField(credentials, 'oAuthServerUrl', where),
    apikey: stringField(credentials, 'apikey', where),
    applicationId,
    serviceName: typeof own(instance, 'name') === 'string' ? (own(instance, 'name') as string) : where,
    where,
  };
}
