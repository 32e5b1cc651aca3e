// A wrong `match` in an entry object is named as the entry's own field, whatever else the entry
// sets: the operator is told which key to fix, as for a named entry or one with token settings. A
// bare string or RegExp in the list is the list's own item. Construction only.
import { mcaOAuth } from '../../lib';
import { thrown } from '../helpers/thrown';

function build(protectedBackends: unknown[]): void {
  const mw = mcaOAuth({
    env: {},
    envFile: false,
    clientId: 'main-client',
    secret: 'entry-match-s3cret',
    tokenUrl: 'https://tokens.example.com/token',
    protectedBackends: protectedBackends as never,
  });
  void mw.close();
}

const CLEAR = /: entry 1 \(http:\/\/orders\.example\.com\/\) is plain http:\/\/ to a host other than loopback, so the token would cross the network in clear\./;

it.each<[string, Record<string, unknown>]>([
  ['only match', {}],
  ['match and dpop', { dpop: true }],
  ['match and onBehalfOf: false', { onBehalfOf: false }],
  ['match and a name', { name: 'orders' }],
  ['match and an audience', { audience: 'orders-api' }],
])('an entry object with %s names its match', (_name, rest) => {
  const error = thrown(() => build(['https://billing.example.com', { match: 'http://orders.example.com', ...rest }]));
  expect(error).toMatchObject({ name: 'McaConfigError', code: 'ERR_MCA_INVALID_PROTECTED_BACKENDS', field: 'protectedBackends[1].match' });
  expect(error.message).toMatch(/^Invalid `protectedBackends\[1\]\.match`/);
  expect(error.message).toMatch(CLEAR);
});

it('a bare string is the list’s own item', () => {
  const error = thrown(() => build(['https://billing.example.com', 'http://orders.example.com']));
  expect(error).toMatchObject({ code: 'ERR_MCA_INVALID_PROTECTED_BACKENDS', field: 'protectedBackends' });
  expect(error.message).toMatch(CLEAR);
});
