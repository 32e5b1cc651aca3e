// onBehalfOf's startup checks, and what the per-user parts show when rendered.
import { createHash } from 'node:crypto';
import { inspect } from 'node:util';
import { mcaOAuth, type McaOAuthMiddleware } from '../../lib';
import { readSubject, SubjectToken } from '../../lib/token/on-behalf-of/subject-token';
import { leakedSecrets } from '../helpers/leak-watch';
import { subjectToken } from '../helpers/exchange-server';
import { thrown } from '../helpers/thrown';

let mw: McaOAuthMiddleware | undefined;
afterEach(async () => {
  await mw?.close();
  mw = undefined;
});
const oauth = { env: {}, envFile: false as const, clientId: 'c', secret: 'main-s3cret-value', tokenUrl: 'https://idp.example.com/token' };

/** The error mcaOAuth(options) throws at startup (a middleware it builds is closed after the test). */
const refusal = (options: Record<string, unknown>): unknown =>
  thrown(() => {
    mw = mcaOAuth(options);
  });

it.each<[string, Record<string, unknown>, string, string]>([
  ['a string', { onBehalfOf: 'yes' }, 'ERR_MCA_INVALID_ON_BEHALF_OF', 'onBehalfOf'],
  ['an unknown grant', { onBehalfOf: { grant: 'saml2-bearer' } }, 'ERR_MCA_INVALID_ON_BEHALF_OF', 'onBehalfOf'],
  ['an unknown key', { onBehalfOf: { grnt: 'jwt-bearer' } }, 'ERR_MCA_INVALID_ON_BEHALF_OF', 'onBehalfOf'],
  [
    'an entry with a number',
    { protectedBackends: [{ match: 'https://api.example.com', onBehalfOf: 1 }] },
    'ERR_MCA_INVALID_ON_BEHALF_OF',
    'protectedBackends[0].onBehalfOf',
  ],
  [
    'an IAM API key entry',
    { protectedBackends: [{ match: 'https://api.example.com', apikey: 'entry-apikey-0123456789abcdefghij', onBehalfOf: true }] },
    'ERR_MCA_INVALID_ON_BEHALF_OF',
    'protectedBackends[0].onBehalfOf',
  ],
  ['a cache size of 0', { onBehalfOf: true, onBehalfOfCacheSize: 0 }, 'ERR_MCA_INVALID_ON_BEHALF_OF_CACHE_SIZE', 'onBehalfOfCacheSize'],
])('refused at startup: %s', (_name, options, code, field) => {
  const error = refusal({ ...oauth, ...options });
  expect(error).toMatchObject({ name: 'McaConfigError', code, field });
  expect(leakedSecrets(error, ['main-s3cret-value', 'entry-apikey-0123456789abcdefghij'])).toEqual([]);
});

it('an IAM middleware refuses onBehalfOf on the middleware itself', () => {
  expect(refusal({ env: {}, envFile: false, apikey: 'main-apikey-0123456789abcdefghij', onBehalfOf: true })).toMatchObject({
    code: 'ERR_MCA_INVALID_ON_BEHALF_OF',
    field: 'onBehalfOf',
  });
});

it('an entry on behalf of the user, with the middleware settings, gets a provider of its own; the app keeps its own', () => {
  mw = mcaOAuth({ ...oauth, protectedBackends: [{ match: 'https://api.example.com', name: 'api', onBehalfOf: true }, 'https://plain.example.com'] });
  expect([...mw.backends.keys()]).toEqual(['default', 'api']);
  expect(mw.backends.get('api')).not.toBe(mw.provider);
  expect(mw.backends.get('api')!.cacheKey).not.toBe(mw.provider.cacheKey);
});

describe('the subject token', () => {
  const token = subjectToken('alice', 2_000_000_000);

  it('is read only from `Bearer <token>`', () => {
    expect(readSubject(`Bearer ${token}`).kind).toBe('token');
    expect(readSubject(`bearer   ${token}  `).kind).toBe('token');
    for (const header of [undefined, '', 'Bearer', `Basic ${token}`, `Bearer ${token} x`, `Bearer\t${token}`, [`Bearer ${token}`]]) {
      expect(readSubject(header).kind).toBe('no-bearer');
    }
  });

  it('knows its exp, and renders only a keyed fingerprint: never the token, nor a plain hash of it', () => {
    const subject = new SubjectToken(token);
    expect(subject.expiresAt).toBe(2_000_000_000_000);
    expect(new SubjectToken('opaque-token').expiresAt).toBeUndefined();
    expect(new SubjectToken('a.bm90IGpzb24.c').expiresAt).toBeUndefined();
    const shown = [inspect(subject, { showHidden: true, depth: Infinity }), JSON.stringify(subject), String(subject)].join('\n');
    expect(shown).not.toContain(token);
    expect(shown).not.toContain(createHash('sha256').update(token).digest('base64url'));
    expect(leakedSecrets(subject, [token])).toEqual([]);
    expect(subject.fingerprint).toBe(new SubjectToken(token).fingerprint);
    expect(subject.fingerprint).not.toBe(new SubjectToken(subjectToken('bob', 2_000_000_000)).fingerprint);
  });
});
