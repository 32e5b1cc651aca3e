// The credential fields read from options, the environment and VCAP_SERVICES: where each one is
// looked up (resolve-settings.ts reads them), and the error for one that is missing.
import { McaConfigError } from '../errors/mca-config-error';
import { capped } from '../errors/echo';
import type { VcapCredentials } from './vcap';
import { OWN_SETTINGS, fieldName, scopedField, type FieldScope } from '../errors/field-scope';
import { constantCase } from '../errors/field-code';
import { SETTINGS, optionRow, variablesOf } from './settings-table';
import type { CREDENTIAL_ROWS } from './table/credential-rows';

export type CredentialField =
  'clientId' | 'secret' | 'tenantId' | 'serverUrl' | 'oauthServerUrl' | 'tokenUrl' | 'scope' | 'audience' | 'resource' | 'clientAuth' | 'serviceName';

/** The credential rows resolved field by field: `perField`, and not another name of a field (`appId`). */
type PerFieldKeys<Rows> = {
  [K in keyof Rows]: Rows[K] extends { perField: true } ? (Rows[K] extends { synonymOf: string } ? never : K) : never;
}[keyof Rows];
type SameKeys<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
// Kept spelled out for readers, and tied to the table both ways: a row marked `perField` without a
// member here, or a member without such a row, fails to compile.
const CREDENTIAL_FIELDS_MATCH_TABLE: SameKeys<CredentialField, PerFieldKeys<typeof CREDENTIAL_ROWS>> = true;
void CREDENTIAL_FIELDS_MATCH_TABLE;

/** The fields resolved one by one, from the settings table (a synonym such as `appId` is read with its field). */
const CREDENTIAL_FIELDS = SETTINGS.filter((row) => row.perField && row.scope === 'provider' && row.synonymOf === undefined).map(
  (row) => row.key,
) as CredentialField[];

/** Each field's variables, from the settings table. */
export const ENV_NAMES: Record<CredentialField, readonly string[]> = Object.fromEntries(
  CREDENTIAL_FIELDS.map((field) => [field, variablesOf(field)]),
) as Record<CredentialField, readonly string[]>;

/** The fields a bound service's `credentials` give, and under which name: from the table's VCAP paths. */
export const VCAP_FIELD: Partial<Record<CredentialField, keyof VcapCredentials>> = Object.assign(
  // No prototype, so a polluted Object.prototype adds no field.
  Object.create(null) as Partial<Record<CredentialField, keyof VcapCredentials>>,
  Object.fromEntries(
    CREDENTIAL_FIELDS.flatMap((field) => {
      const path = optionRow(field)?.vcap?.[0];
      return path?.startsWith('credentials.') ? [[field, path.slice('credentials.'.length)]] : [];
    }),
  ),
);

export function missing(field: CredentialField, what: string, vcap: VcapCredentials, scope: FieldScope = OWN_SETTINGS): McaConfigError {
  const envNames = ENV_NAMES[field].join(' or ');
  const ways = `pass the \`${field}\` option, or set ${envNames} in the environment or .env`;
  let message: string;
  if (vcap.where !== undefined && VCAP_FIELD[field]) {
    // A bound service that lacks the field is the likelier mistake than no configuration at all.
    const name = capped(vcap.serviceName ?? '', 60);
    message = `Missing ${fieldName(field, scope)} (${what}). A service is bound (VCAP_SERVICES ${vcap.where}, "${name}"), but its credentials have no \`${field}\`: fix the binding, or ${ways}.`;
  } else {
    const bind = VCAP_FIELD[field] ? `, or bind an AdvancedMobileAccess/AppID service (VCAP_SERVICES credentials.${field})` : '';
    const note = vcap.note !== undefined ? ` Note: ${vcap.note}.` : '';
    const lead = vcap.iamHint !== undefined ? ` ${vcap.iamHint} For an OAuth client instead:` : '';
    message = `Missing ${fieldName(field, scope)} (${what}).${lead} Pass the \`${field}\` option, set ${envNames} in the environment or .env${bind}.${note}`;
  }
  return new McaConfigError(`ERR_MCA_MISSING_${constantCase(field)}`, `${message}${scope.note}`, { field: scopedField(field, scope) });
}
