import { randomBytes } from 'node:crypto';
import { LockValues } from '../../lib/redis/lock-value';

describe("the lock's value: a member's, or not", () => {
  const key = randomBytes(32);
  const values = new LockValues([key]);
  const now = 1_700_000_000_000;

  it('a member accepts what a member minted, for that lock name only', () => {
    const value = values.mint('mca:{a}:lock', now);
    expect(values.isMember('mca:{a}:lock', value, now + 1_000, 30_000)).toBe(true);
    expect(values.isMember('mca:{b}:lock', value, now + 1_000, 30_000)).toBe(false);
    expect(value).not.toContain(key.toString('base64url'));
  });

  it.each([
    ['another fleet key', () => new LockValues([randomBytes(32)]).mint('mca:{a}:lock', now)],
    ['a squatter', () => 'squatter'],
    ['a tampered time', () => values.mint('mca:{a}:lock', now).replace(/\.[0-9a-z]+\./, `.${(now + 1).toString(36)}.`)],
    ['a truncated MAC', () => values.mint('mca:{a}:lock', now).slice(0, -2)],
    ['a member value replayed long after', () => values.mint('mca:{a}:lock', now - 120_000)],
  ])('refuses %s', (_case, make) => {
    expect(values.isMember('mca:{a}:lock', make(), now, 30_000)).toBe(false);
  });

  it('every key of a rotation list verifies; the first signs', () => {
    const next = randomBytes(32);
    const rotating = new LockValues([next, key]);
    expect(rotating.isMember('mca:{a}:lock', values.mint('mca:{a}:lock', now), now, 30_000)).toBe(true);
    expect(values.isMember('mca:{a}:lock', rotating.mint('mca:{a}:lock', now), now, 30_000)).toBe(false);
  });
});
