// The routing layer of the outbound policy on its own: which token each hop gets.
import { createTokenProvider } from '../../lib';
import { compileBackendEntry } from '../../lib/outbound/backend-matcher';
import { BackendRoutes, ROUTE_MEMORY_SIZE, UNLISTED_INDEX } from '../../lib/outbound/backend-routes';
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
    const chain = new Set([UNLISTED_INDEX]);
    expect(policy.target(call('https://api.example.com/a'))?.target).toBe(fallback);
    expect(policy.hopTarget(call('https://api.example.com/a'), 'https://api.example.com/b', chain)?.target).toBe(fallback);
    expect(policy.hopTarget(call('https://api.example.com/a'), 'https://other.example.com/b', chain)).toBeUndefined();
    // The first hop got no token (plain http off loopback): nor does a hop on the same origin.
    expect(policy.target(call('http://api.example.com/a'))).toBeUndefined();
    expect(policy.hopTarget(call('http://api.example.com/a'), 'http://api.example.com/b', chain)).toBeUndefined();
    expect(policy.hopTarget(call('https://api.example.com/a', true), 'https://api.example.com/b', chain)).toBeUndefined();
  });
});

describe('with an allowlist', () => {
  const fallback = target('default');
  const a = target('a');
  const b = target('b');
  // Compiled in each test, not while Jest collects the file: an entry that no longer compiles
  // fails these tests, where a throw in the describe body only stops the file from loading (which
  // StrykerJS counts as a runtime error, not a kill); and each test's coverage includes the compile.
  const build = (): { routes: BackendRoutes; policy: OutboundPolicy } => {
    const routes = new BackendRoutes(
      [
        {
          matcher: compileBackendEntry('https://a.example.com/v1/', 0, false),
          target: a,
          index: 0,
          acceptsFrom: new Set<number>(),
          label: 'protectedBackends[0]',
        },
        {
          matcher: compileBackendEntry(/^https:\/\/[a-z]+\.example\.com\/shared\//, 1, false),
          target: b,
          index: 1,
          acceptsFrom: new Set([0]),
          label: 'protectedBackends[1]',
        },
        {
          matcher: compileBackendEntry('https://a.example.com', 2, false),
          target: fallback,
          index: 2,
          acceptsFrom: new Set<number>(),
          label: 'protectedBackends[2]',
        },
      ],
      fallback,
      false,
    );
    return { routes, policy: new OutboundPolicy({ routes, defaultTarget: fallback, retryOn401: true }) };
  };
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
    const { routes, policy } = build();
    const route = routes.route(url);
    expect(route?.target).toBe(expected);
    // A hop within the entry it is already in keeps that entry's token.
    if (route !== undefined) expect(policy.hopTarget(call(url), url, new Set([route.index]))?.target).toBe(expected);
  });

  it('a hop into another entry gets its token only when that entry accepts every entry of the chain', () => {
    const { policy } = build();
    const start = call('https://a.example.com/v1/start');
    // Entry 1 accepts entry 0's redirects; entry 2 accepts none.
    expect(policy.hopTarget(start, 'https://z.example.com/shared/x', new Set([0]))?.target).toBe(b);
    expect(policy.hopTarget(start, 'https://a.example.com/other', new Set([0]))).toBeUndefined();
    expect(policy.hopTarget(start, 'https://a.example.com/v1/x', new Set([1]))).toBeUndefined();
    // A chain through 0 and 2: entry 1 accepts 0 but not 2.
    expect(policy.hopTarget(start, 'https://z.example.com/shared/x', new Set([0, 2]))).toBeUndefined();
  });
});

describe('remembered decisions', () => {
  const fallback = target('default');
  const a = target('a');
  const build = () =>
    new BackendRoutes(
      [
        {
          matcher: compileBackendEntry('https://a.example.com/v1/', 0, false),
          target: a,
          index: 0,
          acceptsFrom: new Set<number>(),
          label: 'protectedBackends[0]',
        },
        {
          matcher: compileBackendEntry('https://b.example.com', 1, false),
          target: fallback,
          index: 1,
          acceptsFrom: new Set<number>(),
          label: 'protectedBackends[1]',
        },
      ],
      fallback,
      false,
    );
  // The same URL texts decided by a fresh instance for each: what the memory must agree with.
  const fresh = (url: string) => build().route(url)?.target;
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
      for (const [url, target] of expected) expect(routes.route(url)?.target).toBe(target);
      expect(routes.remembered).toBeLessThanOrEqual(ROUTE_MEMORY_SIZE);
    }
  });

  it('are bounded in count, and a very long URL is never kept', () => {
    const routes = build();
    // Never above the bound, not even for the one call that fills the memory past it.
    let most = 0;
    for (let i = 0; i < ROUTE_MEMORY_SIZE * 3; i++) {
      routes.route(`https://a.example.com/v1/${i}`);
      most = Math.max(most, routes.remembered);
    }
    expect(most).toBe(ROUTE_MEMORY_SIZE);
    expect(routes.remembered).toBeGreaterThan(0);
    const small = build();
    const long = `https://a.example.com/v1/${'x'.repeat(5000)}`;
    expect(small.route(long)?.target).toBe(a);
    expect(small.route(long)?.target).toBe(a);
    expect(small.remembered).toBe(0);
  });

  // The memory is what makes a repeated call cheap (no WHATWG parse, no entry tested): a proxy that
  // calls a few URLs in turn must find each of them there, not only the last one.
  it('a URL called again is answered from memory, for every URL it holds, not decided again', () => {
    const tested: string[] = [];
    const inner = compileBackendEntry('https://a.example.com/v1/', 0, false);
    const routes = new BackendRoutes(
      [{ matcher: { ...inner, match: (url) => (tested.push(url.href), inner.match(url)) }, target: a, index: 0, acceptsFrom: new Set<number>(), label: 'a' }],
      fallback,
      false,
    );
    const some = ['https://a.example.com/v1/x', 'https://a.example.com/v2/y', 'https://a.example.com/v1/z'];
    for (let pass = 0; pass < 3; pass++) for (const url of some) expect(routes.route(url)?.target).toBe(url.includes('/v1/') ? a : undefined);
    expect(tested).toEqual(some);
    expect(routes.remembered).toBe(some.length);
  });

  it('remember that no token goes somewhere, too', () => {
    const routes = build();
    expect(routes.route('https://c.example.com/x')).toBeUndefined();
    expect(routes.remembered).toBe(1);
    expect(routes.route('https://c.example.com/x')).toBeUndefined();
  });
});
