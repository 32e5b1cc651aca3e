import type { ClientAuthDescription, ClientAuthRequest } from './client-auth';
import { IamGrant, type IamClient } from './iam-grant';
import { secretFingerprint, slowFingerprint } from './slow-fingerprint';
import { McaConfigError } from '../../errors/mca-config-error';
import { capped } from '../../errors/echo';
import { OWN_SETTINGS, fieldName, scopedField, type FieldScope } from '../../errors/field-scope';
import { describeTokenFile, readFirstTokenFile, readFirstTokenFileSync, readTokenFile, readTokenFileSync, type TokenFileRead } from './token-file';

export const CR_TOKEN_GRANT = 'urn:ibm:params:oauth:grant-type:cr-token';

/**
 * Where IBM's platforms mount the compute-resource token, in the order IBM's ContainerAuthenticator
 * tries them: IKS/OpenShift (vault-token, then sa-token), then Code Engine.
 */
export const DEFAULT_CR_TOKEN_FILES: readonly string[] = [
  '/var/run/secrets/tokens/vault-token',
  '/var/run/secrets/tokens/sa-token',
  '/var/run/secrets/codeengine.cloud.ibm.com/compute-resource-token/token',
];

/** The trusted profile to assume: one of IAM's three ways of naming it. */
export interface TrustedProfile {
  field: 'profile_id' | 'profile_name' | 'profile_crn';
  value: string;
}

export interface ComputeResourceTokenSettings {
  /** The configured file and where the setting came from; without one, the first of {@link DEFAULT_CR_TOKEN_FILES} that exists. */
  file: { path: string; origin: string } | undefined;
  profile: TrustedProfile;
  client?: IamClient;
  /** Whose settings these are (a `protectedBackends` entry's), for the messages of errors about the file. */
  scope?: FieldScope;
}

function noFile(files: readonly string[], scope: FieldScope = OWN_SETTINGS): McaConfigError {
  return new McaConfigError(
    'ERR_MCA_MISSING_CR_TOKEN_FILE',
    `Missing compute-resource token file: none of ${files.join(', ')} exists. On Code Engine, IKS or OpenShift the platform mounts one; elsewhere pass ${fieldName('crTokenFile', scope)} or set MCA_CR_TOKEN_FILE.${scope.note}`,
    { field: scopedField('crTokenFile', scope) },
  );
}

/**
 * IBM Cloud IAM's compute-resource token grant (trusted profiles), as IBM's ContainerAuthenticator
 * sends it: `grant_type=urn:ibm:params:oauth:grant-type:cr-token&cr_token=<file>&profile_…=…`.
 * The file is read again for every token request: the platform rotates it, and a token read once
 * fails hours later.
 */
export class ComputeResourceToken extends IamGrant {
  readonly method = 'iam_cr_token';
  readonly grantType = CR_TOKEN_GRANT;
  readonly cacheKeyParts: readonly string[];
  readonly refusedHint: string;
  readonly #settings: ComputeResourceTokenSettings;
  readonly #startup: { path: string; read: TokenFileRead };

  /** Reads the file once now, so that a missing or empty one fails at startup. */
  constructor(settings: ComputeResourceTokenSettings) {
    super(settings.client);
    this.#settings = settings;
    this.refusedHint = `the trusted profile (${settings.profile.field} ${capped(settings.profile.value, 100)}) and that it trusts this compute resource; \`errorCode\` holds IAM's reason`;
    this.#startup = this.#readSync();
    // The profile and the file's path tell configurations apart; the file's content changes with
    // every rotation and is a credential, so it is never part of the key.
    this.cacheKeyParts = [
      settings.profile.field,
      settings.profile.value,
      settings.file?.path ?? DEFAULT_CR_TOKEN_FILES.join('\n'),
      settings.client ? slowFingerprint('iam client', [settings.client.id, settings.client.secret]) : '',
    ];
  }

  #readSync(): { path: string; read: TokenFileRead } {
    const { file, scope } = this.#settings;
    if (file) return { path: file.path, read: readTokenFileSync('crTokenFile', file.path, scope) };
    const read = readFirstTokenFileSync('crTokenFile', DEFAULT_CR_TOKEN_FILES, scope);
    if (read === undefined) throw noFile(DEFAULT_CR_TOKEN_FILES, scope);
    return { path: read.path, read };
  }

  async #read(): Promise<string> {
    const { file, scope } = this.#settings;
    if (file) return (await readTokenFile('crTokenFile', file.path, scope)).token;
    // Like IBM's: the first default file that exists, looked for again at each request.
    const read = await readFirstTokenFile('crTokenFile', DEFAULT_CR_TOKEN_FILES, scope);
    if (read === undefined) throw noFile(DEFAULT_CR_TOKEN_FILES, scope);
    return read.token;
  }

  async prepare(): Promise<ClientAuthRequest> {
    const crToken = await this.#read();
    const { profile } = this.#settings;
    // The order of IBM's ContainerTokenManager: grant_type, cr_token, then the profile.
    return {
      headers: this.headers,
      form: [
        ['grant_type', CR_TOKEN_GRANT],
        ['cr_token', crToken],
        [profile.field, profile.value],
      ],
    };
  }

  /**
   * There is no long-lived secret here (the file rotates), so the store key is derived from the
   * profile and, when set, the IAM client secret: a shared store must bring its own key (the Redis
   * store's fleet key) to keep these tokens from whoever can read it.
   */
  storeKeyMaterial(): string {
    // The IAM client secret by its slow derivation only: a custom TokenStore is handed the key.
    const client = this.#settings.client;
    return JSON.stringify([this.#settings.profile, client ? secretFingerprint('iam client', [client.id, client.secret]).keyMaterial : '']);
  }

  protected describeGrant(): ClientAuthDescription[] {
    const { profile, file } = this.#settings;
    const { path, read } = this.#startup;
    const defaults = file ? ` (from ${file.origin})` : ' (the first that exists of the default files)';
    return [
      { label: 'profile', value: `${profile.field} ${profile.value}` },
      { label: 'crTokenFile', value: `${describeTokenFile(path, read, Date.now())}${defaults}` },
    ];
  }
}
