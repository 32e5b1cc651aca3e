// The routing layer of the outbound policy on its own: which token each hop gets.
import { createTokenProvider } from '../../lib';
import { compileBackendEntry } from '../../lib/client/protected-backends';
import { BackendRoutes } from '../../lib/outbound/backend-routes';
import { OutboundPolicy } from '../../lib/outbound/outbound-policy';
import { TokenTarget } from '../../lib/outbound/token-target';
import type { OutboundCall } from '../../lib/outbound/transport';

const provider = createTokenProvider({ env: {}, envFile: false, clientId: 'c', secret: 's', tokenUrl: 'https://auth.example.com/token' });
afterAll(() => provider.close());
const target = (name: string) => new TokenTarget(name, provider, 0, Date.now);
const call = (url: string, optOut = false): OutboundCall => ({
  url,
  method: 'GET',
  optOut,
  bodyReplayable: true,
  maxRedirects: 5,
  timeoutMs: 0,
  signal: undefined,
  sensitiveHeaders: [],
});

describe('without an allowlist', () => {
  const fallback = target('default');
  const policy = new OutboundPolicy({ routes: new BackendRoutes(undefined, fallback, false), defaultTarget: fallback, retryOn401: true });
  it('a hop keeps the token within the first origin, and the cleartext rule holds on every hop', () => {
    expect(policy.target(call('https://api.example.com/a'))).toBe(fallback);
    expect(policy.hopTarget(call('https://api.example.com/a'), 'https://api.example.com/b')).toBe(fallback);
    expect(policy.hopTarget(call('https://api.example.com/a'), 'https://other.example.com/b')).toBeUndefined();
    // The first hop got no token (plain http off loopback): nor does a hop on the same origin.
    expect(policy.target(call('http://api.example.com/a'))).toBeUndefined();
    expect(policy.hopTarget(call('http://api.example.com/a'), 'http://api.example.com/b')).toBeUndefined();
    expect(policy.hopTarget(call('https://api.example.com/a', true), 'https://api.example.com/b')).toBeUndefined();
  });
});

describe('with an allowlist', () => {
  const fallback = target('default');
  const a = target('a');
  const b = target('b');
  const routes = new BackendRoutes(
    [
      { matcher: compileBackendEntry('https://a.example.com/v1/', 0, false), target: a },
      { matcher: compileBackendEntry(/^https:\/\/[a-z]+\.example\.com\/shared\//, 1, false), target: b },
      { matcher: compileBackendEntry('https://a.example.com', 2, false), target: fallback },
    ],
    fallback,
    false,
  );
  const policy = new OutboundPolicy({ routes, defaultTarget: fallback, retryOn401: true });
  it.each<[string, TokenTarget | undefined]>([
    ['https://a.example.com/v1/x', a],
    ['https://a.example.com/shared/x', b],
    ['https://a.example.com/other', fallback],
    ['https://z.example.com/shared/x', b],
    ['https://z.example.com/other', undefined],
    ['https://a.example.com/v1/..%2fadmin', fallback],
    ['http://a.example.com/v1/x', undefined],
    ['/relative', undefined],
  ])('%s', (url, expected) => {
    expect(routes.route(url)).toBe(expected);
    expect(policy.hopTarget(call('https://a.example.com/v1/start'), url)).toBe(expected);
  });
});
