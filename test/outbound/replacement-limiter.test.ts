import { ReplacementLimiter } from '../../lib/outbound/replacement-limiter';

// The limiter on its own, on an injected clock: per token, and bounded in what it remembers.

it('holds each token to the interval on its own, whatever other tokens were replaced in between', () => {
  let clock = 1_000_000;
  const limiter = new ReplacementLimiter(5000, () => clock);
  limiter.replaced('Bearer a');
  limiter.replaced('Bearer b');
  expect([limiter.mayReplace('Bearer a'), limiter.mayReplace('Bearer b'), limiter.mayReplace('Bearer c')]).toEqual([false, false, true]);
  clock += 4999;
  expect(limiter.mayReplace('Bearer a')).toBe(false);
  clock += 1;
  expect([limiter.mayReplace('Bearer a'), limiter.mayReplace('Bearer b')]).toEqual([true, true]);
});

it('remembers at most 1024 tokens: past that the oldest may be replaced again, the newest still not', () => {
  const clock = 1_000_000;
  const limiter = new ReplacementLimiter(5000, () => clock);
  for (let i = 0; i < 1025; i++) limiter.replaced(`Bearer t${i}`);
  expect([limiter.mayReplace('Bearer t0'), limiter.mayReplace('Bearer t1'), limiter.mayReplace('Bearer t1024')]).toEqual([true, false, false]);
});

it('an interval of 0 never holds a token back', () => {
  const limiter = new ReplacementLimiter(0, () => 1);
  limiter.replaced('Bearer a');
  expect(limiter.mayReplace('Bearer a')).toBe(true);
});
