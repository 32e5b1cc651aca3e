import { PROVIDER_OPTION_KEYS, checkOptionKeys, suggest } from '../lib/settings/known-options';
import { invalid } from '../lib/settings/option-checks';
import { createTokenProvider, mcaOAuth } from '../lib';
import { thrown } from './helpers/thrown';

// The helmet-style option check shared by the factories and the CLI's flag suggestions.
describe('checkOptionKeys', () => {
  it.each([null, 'x', 42, ['clientId']])('refuses %p as the options, naming the factory', (options) => {
    expect(() => checkOptionKeys(options, PROVIDER_OPTION_KEYS, 'createTokenProvider')).toThrow(
      expect.objectContaining({
        code: 'ERR_MCA_INVALID_OPTIONS',
        field: 'options',
        message: 'createTokenProvider() takes an options object (or nothing).',
      }),
    );
  });

  it('takes undefined as no options, and returns the options it was given', () => {
    expect(checkOptionKeys(undefined, PROVIDER_OPTION_KEYS, 'f')).toEqual({});
    const options = { clientId: 'c' };
    expect(checkOptionKeys(options, PROVIDER_OPTION_KEYS, 'f')).toEqual(options);
  });

  it('names an unknown option, its field, and a suggestion when one is close', () => {
    expect(() => checkOptionKeys({ clientID: 'c' }, PROVIDER_OPTION_KEYS, 'mcaOAuth')).toThrow(
      expect.objectContaining({
        code: 'ERR_MCA_UNKNOWN_OPTION',
        field: 'clientID',
        message: 'mcaOAuth() received an unsupported option `clientID`. Did you mean `clientId`? See docs/configuration.md for the list.',
      }),
    );
    expect(() => checkOptionKeys({ zzzzzzzz: 1 }, PROVIDER_OPTION_KEYS, 'mcaOAuth')).toThrow(
      'mcaOAuth() received an unsupported option `zzzzzzzz`. See docs/configuration.md for the list.',
    );
  });

  it('does not suggest, for a known spelling, a setting the factory does not take (createTokenProvider has no protectedBackends)', () => {
    // `backends` and `allowedHosts` are aliases of the middleware's protectedBackends, an option
    // createTokenProvider() would refuse in turn.
    for (const key of ['backends', 'allowedHosts']) {
      expect(thrown(() => createTokenProvider({ envFile: false, env: {}, [key]: ['api.example.com'] } as never))).toMatchObject({
        code: 'ERR_MCA_UNKNOWN_OPTION',
        field: key,
        message: `createTokenProvider() received an unsupported option \`${key}\`. See docs/configuration.md for the list.`,
      });
    }
    // The middleware takes it: there the alias is the suggestion.
    expect(thrown(() => mcaOAuth({ envFile: false, env: {}, backends: ['api.example.com'] } as never)).message).toContain('Did you mean `protectedBackends`?');
  });
});

describe('suggest', () => {
  const known = new Set(['timeoutMs', 'timeout-ms', 'scope', 'secret']);
  it('matches letter case first, then at most two edits, the first best candidate winning ties', () => {
    expect(suggest('TIMEOUTMS', known)).toBe('timeoutMs');
    expect(suggest('scop', known)).toBe('scope');
    expect(suggest('secrte', known)).toBe('secret');
    expect(suggest('sxxxxx', known)).toBeUndefined();
    // "timeoutms" is 0 (case) from timeoutMs and 1 edit from timeout-ms: case wins.
    expect(suggest('timeoutms', known)).toBe('timeoutMs');
    expect(suggest('scret', known)).toBe('secret');
    // A tie keeps the first candidate in iteration order.
    expect(suggest('ab', new Set(['aa', 'bb']))).toBe('aa');
  });
});

describe('invalid', () => {
  it('builds ERR_MCA_INVALID_<FIELD> with the field and the fix', () => {
    expect(invalid('cacheSize', 'it must be at least 1.')).toMatchObject({
      code: 'ERR_MCA_INVALID_CACHE_SIZE',
      field: 'cacheSize',
      message: 'Invalid `cacheSize`: it must be at least 1.',
    });
  });
});
