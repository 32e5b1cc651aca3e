// What a URL setting that is not a URL says: the field, where it came from and the fix, never the
// value (a URL may carry credentials).
import { createTokenProvider } from '../lib';
import { thrown } from './helpers/thrown';

const SECRET = 'a-client-secret-that-is-long-enough';
const FIX = 'it is not an absolute URL. Give an http:// or https:// URL.';

describe('a URL setting that does not parse', () => {
  it.each([
    ['serverUrl', { serverUrl: 'imf-authserver.example.com/pa55word', tenantId: 't' }, {}, 'the `serverUrl` option'],
    ['tokenUrl', {}, { MCA_TOKEN_URL: '//pa55word/token' }, 'MCA_TOKEN_URL in the environment'],
  ])('%s: the error names the field, where it came from and the fix', (field, options, env, from) => {
    const error = thrown(() => createTokenProvider({ envFile: false, env, clientId: 'c', secret: SECRET, ...options }));
    expect(error).toMatchObject({
      code: `ERR_MCA_INVALID_${field === 'serverUrl' ? 'SERVER_URL' : 'TOKEN_URL'}`,
      field,
      message: `Invalid \`${field}\` (from ${from}): ${FIX}`,
    });
    expect(error.message).not.toContain('pa55word');
  });
});
