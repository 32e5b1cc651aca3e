// What the sealing key of a token stored in Redis depends on (issue 22's mutation probe found it
// unprotected): the fleet key, the provider's own key (derived from the client secret) and the
// provider's cache key. Another process of the same fleet and configuration opens the value;
// whoever lacks any one of the three does not, and a value moved to another configuration's name
// does not open there.
import { randomBytes } from 'node:crypto';
import { deriveTokenKey } from '../../lib/token/token-crypto';
import type { TokenStoreContext } from '../../lib/token/token-store';
import { sealingKey } from '../../lib/redis/fleet-key';
import { KeyStates } from '../../lib/redis/key-state';

const FLEET = randomBytes(32);
const OTHER_FLEET = randomBytes(32);
const CACHE_KEY = 'https://id.example.com/token\0client-1\0sha256-of-secret';
const PROVIDER = deriveTokenKey('s3cr3t-value', CACHE_KEY);
const payload = { token: { accessToken: 'tok-1', expiresAt: 2_000_000_000_000, obtainedAt: 1_999_999_000_000 }, generation: 1 };
const context = (encryptionKey: Buffer) => ({ encryptionKey }) as TokenStoreContext;
/** A process's view of one configuration: its fleet key, its provider key, its cache key. */
const processOf = (fleet: Buffer, provider: Buffer, cacheKey = CACHE_KEY) => new KeyStates([fleet], 'mca:', true, 10).get(cacheKey, context(provider));

describe('the sealing key of a stored token', () => {
  it('is the same in every process of the fleet with the same configuration, and differs when any of its three inputs does', () => {
    const key = sealingKey(FLEET, PROVIDER, CACHE_KEY);
    expect(sealingKey(Buffer.from(FLEET), Buffer.from(PROVIDER), `${CACHE_KEY}`)).toEqual(key);
    expect(key).toHaveLength(32);
    const others = [
      sealingKey(OTHER_FLEET, PROVIDER, CACHE_KEY),
      sealingKey(FLEET, deriveTokenKey('another-secret', CACHE_KEY), CACHE_KEY),
      sealingKey(FLEET, PROVIDER, `${CACHE_KEY}-scope-b`),
    ];
    for (const other of others) expect(other.equals(key)).toBe(false);
    // None is a plain copy of an input: the fleet key alone opens nothing.
    expect(key.equals(FLEET) || key.equals(PROVIDER)).toBe(false);
  });

  it('a value one process wrote opens in another with the same fleet key, secret and configuration', () => {
    const raw = processOf(FLEET, PROVIDER).seal(payload);
    expect(raw).not.toContain('tok-1');
    expect(processOf(Buffer.from(FLEET), deriveTokenKey('s3cr3t-value', CACHE_KEY)).open(raw)).toEqual(payload);
  });

  it.each([
    ['the fleet key but not the client secret', () => processOf(FLEET, deriveTokenKey('guessed-secret', CACHE_KEY))],
    ['the client secret but not the fleet key', () => processOf(OTHER_FLEET, PROVIDER)],
    ['a zero provider key (a store that ignored it)', () => processOf(FLEET, Buffer.alloc(32))],
  ])('a reader with %s cannot open it', (_case, reader) => {
    const raw = processOf(FLEET, PROVIDER).seal(payload);
    expect(reader().open(raw)).toBeUndefined();
  });

  it('a value copied under another configuration’s name (another scope, same secret) does not open there', () => {
    const raw = processOf(FLEET, PROVIDER).seal(payload);
    const otherKey = `${CACHE_KEY}-scope-b`;
    const other = processOf(FLEET, deriveTokenKey('s3cr3t-value', otherKey), otherKey);
    expect(other.names.token).not.toBe(processOf(FLEET, PROVIDER).names.token);
    expect(other.open(raw)).toBeUndefined();
  });
});
