import { ENDPOINT_SETTINGS, withheldSettings } from '../lib/settings/entry-overlay';

// What an entry with a client of its own withholds of the middleware's settings, declared by the
// settings table's groups: the sets the rules name (docs/backends.md, BackendTokenSettings).
const CLIENT_MATERIAL = [
  'secret',
  'clientAuth',
  'privateKey',
  'privateKeyFile',
  'certificate',
  'certificateFile',
  'keyId',
  'signingAlgorithm',
  'assertionAudience',
  'x5t',
  'x5c',
  'clientAssertionFile',
];
const IAM_CREDENTIAL = ['apikey', 'iamProfileId', 'iamProfileName', 'iamProfileCrn', 'iamClientId', 'iamClientSecret'];
const OAUTH_CLIENT = ['clientId', 'tenantId', 'appId', 'serverUrl', 'oauthServerUrl', 'tokenUrl', 'audience', 'resource', ...CLIENT_MATERIAL];

describe('withheldSettings', () => {
  it.each([
    ['its own clientId, OAuth middleware', { clientId: 'c' }, false, [...CLIENT_MATERIAL, ...IAM_CREDENTIAL, 'crTokenFile', 'iamUrl']],
    ['its own clientId, IAM middleware', { clientId: 'c' }, true, [...CLIENT_MATERIAL, ...IAM_CREDENTIAL, 'crTokenFile', 'iamUrl', 'scope']],
    ['its own apikey, OAuth middleware', { apikey: 'k' }, false, [...OAUTH_CLIENT, ...IAM_CREDENTIAL, 'crTokenFile', 'scope']],
    ['its own apikey, IAM middleware', { apikey: 'k' }, true, [...OAUTH_CLIENT, ...IAM_CREDENTIAL, 'crTokenFile']],
    ['its own profile (keeps the token file and iamUrl)', { iamProfileName: 'p' }, true, [...OAUTH_CLIENT, ...IAM_CREDENTIAL]],
    ['a profile wins over a clientId', { iamProfileId: 'p', clientId: 'c' }, false, [...OAUTH_CLIENT, ...IAM_CREDENTIAL, 'scope']],
    ['no client of its own', { audience: 'a', tokenUrl: 'https://x' }, false, []],
  ])('an entry with %s withholds exactly those settings', (_, entry, mainIsIam, expected) => {
    expect([...withheldSettings(entry, mainIsIam)].sort()).toEqual([...expected].sort());
  });

  it('lists the endpoints in the order they win, then IAM', () => {
    expect(ENDPOINT_SETTINGS).toEqual(['tokenUrl', 'oauthServerUrl', 'serverUrl', 'iamUrl']);
  });
});
