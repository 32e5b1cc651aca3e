// What an operator reads when a `protectedBackends` entry is wrong: the code, the field, and the fix
// in the message. Each mistake is one a real list makes (an entry built from an unset variable, a
// `new URL(...)` where a string belongs, a misspelled key), and each error must name what to change.
// Construction only: nothing here fetches a token.
import { mcaOAuth, type McaOAuthMiddleware, type McaOAuthOptions } from '../../lib';
import { leakedSecrets } from '../helpers/leak-watch';
import { thrown } from '../helpers/thrown';

const SECRET = 'entry-errors-s3cret';
const made: McaOAuthMiddleware[] = [];
afterEach(async () => {
  await Promise.all(made.splice(0).map((mw) => mw.close()));
});

function build(protectedBackends: unknown[]): McaOAuthMiddleware {
  const options: McaOAuthOptions = { env: {}, envFile: false, clientId: 'main-client', secret: SECRET, tokenUrl: 'https://tokens.example.com/token' };
  const mw = mcaOAuth({ ...options, protectedBackends: protectedBackends as never });
  made.push(mw);
  return mw;
}

describe('each wrong entry is refused with its field and the fix', () => {
  it.each<[string, unknown[], string, string, RegExp]>([
    // `[process.env.ORDERS_URL]` with the variable unset.
    [
      'an entry that is undefined',
      [undefined],
      'ERR_MCA_INVALID_PROTECTED_BACKENDS',
      'protectedBackends[0]',
      /it must be a string \(origin or URL prefix\), a RegExp, or an object with `match`\./,
    ],
    [
      'a URL object where a string belongs',
      [new URL('https://orders.example.com')],
      'ERR_MCA_INVALID_PROTECTED_BACKENDS',
      'protectedBackends[0]',
      /it must be a string \(origin or URL prefix\), a RegExp, or an object with `match`\./,
    ],
    [
      'an entry without match',
      [{ audience: 'orders-api' }],
      'ERR_MCA_INVALID_PROTECTED_BACKENDS',
      'protectedBackends[0].match',
      /`protectedBackends\[0\]\.match`: it must be an origin or URL prefix \(string\) or a RegExp\./,
    ],
    [
      'a name with a space',
      [{ match: 'https://orders.example.com', name: 'orders api' }],
      'ERR_MCA_INVALID_BACKEND_NAME',
      'protectedBackends[0].name',
      /it must be 1–64 letters, digits, "\.", "_" or "-", and not "default"/,
    ],
    [
      'a name that is a number',
      [{ match: 'https://orders.example.com', name: 7 }],
      'ERR_MCA_INVALID_BACKEND_NAME',
      'protectedBackends[0].name',
      /it must be 1–64 letters, digits, "\.", "_" or "-", and not "default"/,
    ],
    [
      'a name given twice',
      [
        { match: 'https://orders.example.com', name: 'orders' },
        { match: 'https://billing.example.com', name: 'orders' },
      ],
      'ERR_MCA_INVALID_BACKEND_NAME',
      'protectedBackends[1].name',
      /"orders" names another entry too\. Names must be unique\./,
    ],
    [
      'an onBehalfOf that is a string',
      [{ match: 'https://orders.example.com', onBehalfOf: 'yes' }],
      'ERR_MCA_INVALID_ON_BEHALF_OF',
      'protectedBackends[0].onBehalfOf',
      /`protectedBackends\[0\]\.onBehalfOf`: it must be true, false/,
    ],
    [
      'a dpop that is a string',
      [{ match: 'https://orders.example.com', dpop: 'yes' }],
      'ERR_MCA_INVALID_DPOP',
      'protectedBackends[0].dpop',
      /`protectedBackends\[0\]\.dpop`: it must be true or false\./,
    ],
    [
      'more than 64 accepted names',
      [{ match: 'https://orders.example.com', acceptRedirectsFrom: Array.from({ length: 65 }, (_, i) => `n${i}`) }],
      'ERR_MCA_INVALID_ACCEPT_REDIRECTS_FROM',
      'protectedBackends[0].acceptRedirectsFrom',
      /it must be an array of at most 64 entry names/,
    ],
  ])('%s', (_name, list, code, field, fix) => {
    const error = thrown(() => build(list));
    expect(error).toMatchObject({ name: 'McaConfigError', code, field });
    expect(error.message).toMatch(fix);
    expect(error.message).toContain('The entry is in the `protectedBackends` option.');
    expect(leakedSecrets(error, [SECRET])).toEqual([]);
  });

  it('a misspelled key suggests the right one and lists every key an entry takes', () => {
    const error = thrown(() => build([{ mach: 'https://orders.example.com' }]));
    expect(error).toMatchObject({ code: 'ERR_MCA_UNKNOWN_OPTION', field: 'protectedBackends[0].mach' });
    expect(error.message).toMatch(/: did you mean `match`\? An entry takes `match`, `name`, /);
    for (const key of ['acceptRedirectsFrom', 'onBehalfOf', 'dpop', 'clientId', 'secret', 'tokenUrl', 'apikey']) {
      expect(error.message).toContain(`\`${key}\``);
    }
  });

  it('an unknown key is echoed at most 60 characters long, as an unknown option is', () => {
    const key = `x${'k'.repeat(20_000)}`;
    const error = thrown(() => build([{ match: 'https://orders.example.com', [key]: 1 }]));
    expect(error).toMatchObject({ code: 'ERR_MCA_UNKNOWN_OPTION', field: `protectedBackends[0].${key.slice(0, 60)}…` });
    expect(error.message.length).toBeLessThan(1_000);
  });

  it('an object that only inherits from RegExp.prototype is no RegExp: refused with the fix, not a TypeError', () => {
    const fake = Object.create(RegExp.prototype) as RegExp;
    for (const list of [[fake], [{ match: fake }]]) {
      const error = thrown(() => build(list));
      expect(error).toMatchObject({ name: 'McaConfigError', code: 'ERR_MCA_INVALID_PROTECTED_BACKENDS' });
    }
  });

  it('a key like no other gets the list without a guess', () => {
    const error = thrown(() => build([{ match: 'https://orders.example.com', zzzzqqqq: 1 }]));
    expect(error).toMatchObject({ code: 'ERR_MCA_UNKNOWN_OPTION', field: 'protectedBackends[0].zzzzqqqq' });
    expect(error.message).not.toContain('did you mean');
    expect(error.message).toMatch(/`protectedBackends\[0\]\.zzzzqqqq`: An entry takes `match`/);
  });
});

describe('what an entry may be', () => {
  it('an object without a prototype (as some parsers build them) is an entry like any other', () => {
    const entry = Object.assign(Object.create(null) as Record<string, unknown>, { match: 'https://orders.example.com', name: 'orders' });
    expect(() => build([entry])).not.toThrow();
  });

  it.each([true, false])('an entry with dpop: %s is accepted', (dpop) => {
    expect(() => build([{ match: 'https://orders.example.com', dpop }])).not.toThrow();
  });

  it('an entry accepts the redirects of up to 64 named entries', () => {
    const names = Array.from({ length: 64 }, (_, i) => `n${i}`);
    const list = [
      ...names.map((name, i) => ({ match: `https://b${i}.example.com`, name })),
      { match: 'https://orders.example.com', acceptRedirectsFrom: names },
    ];
    expect(() => build(list)).not.toThrow();
  });
});
