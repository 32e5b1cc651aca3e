// The routing layer of the outbound policy on its own: which token each hop gets.
import { createTokenProvider } from '../../lib';
import { compileBackendEntry } from '../../lib/client/protected-backends';
import { BackendRoutes, ROUTE_MEMORY_SIZE } from '../../lib/outbound/backend-routes';
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
    // Userinfo brings its own credentials: never the token, whatever asks (a hop, req.mcaAuth(url)).
    ['https://u:p@a.example.com/v1/x', undefined],
  ])('%s', (url, expected) => {
    expect(routes.route(url)).toBe(expected);
    expect(policy.hopTarget(call('https://a.example.com/v1/start'), url)).toBe(expected);
  });
});

describe('remembered decisions', () => {
  const fallback = target('default');
  const a = target('a');
  const build = () =>
    new BackendRoutes(
      [
        { matcher: compileBackendEntry('https://a.example.com/v1/', 0, false), target: a },
        { matcher: compileBackendEntry('https://b.example.com', 1, false), target: fallback },
      ],
      fallback,
      false,
    );
  // The same URL texts decided by a fresh instance for each: what the memory must agree with.
  const fresh = (url: string) => build().route(url);
  const urls = (i: number) => [
    `https://a.example.com/v1/orders/${i}`,
    `https://a.example.com/v2/orders/${i}`,
    `https://a.example.com/v1/..%2f${i}`,
    `https://b.example.com/${i}`,
    `http://b.example.com/${i}`,
    `https://user@a.example.com/v1/${i}`,
  ];

  it('answer as a fresh decision does, the first time and every time after, also past the memory size', () => {
    const routes = build();
    const expected = new Map<string, TokenTarget | undefined>();
    for (let i = 0; i < ROUTE_MEMORY_SIZE; i++) for (const url of urls(i)) expected.set(url, fresh(url));
    expect(new Set(expected.values())).toEqual(new Set([a, fallback, undefined]));
    for (let pass = 0; pass < 2; pass++) {
      for (const [url, target] of expected) expect(routes.route(url)).toBe(target);
      expect(routes.remembered).toBeLessThanOrEqual(ROUTE_MEMORY_SIZE);
    }
  });

  it('are bounded in count, and a very long URL is never kept', () => {
    const routes = build();
    for (let i = 0; i < ROUTE_MEMORY_SIZE * 3; i++) routes.route(`https://a.example.com/v1/${i}`);
    expect(routes.remembered).toBeGreaterThan(0);
    expect(routes.remembered).toBeLessThanOrEqual(ROUTE_MEMORY_SIZE);
    const small = build();
    const long = `https://a.example.com/v1/${'x'.repeat(5000)}`;
    expect(small.route(long)).toBe(a);
    expect(small.route(long)).toBe(a);
    expect(small.remembered).toBe(0);
  });

  it('remember that no token goes somewhere, too', () => {
    const routes = build();
    expect(routes.route('https://c.example.com/x')).toBeUndefined();
    expect(routes.remembered).toBe(1);
    expect(routes.route('https://c.example.com/x')).toBeUndefined();
  });
});
