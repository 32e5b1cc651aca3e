// What the sealing key of a token stored in Redis depends on (issue 22's mutation probe found it
// unprotected): the fleet key, the provider's own key (derived from the client secret) and the
// provider's cache key. Another process of the same fleet and configuration opens the value;
// whoever lacks any one of the three does not, and a value moved to another configuration's name
// does not open there.
import { randomBytes } from 'node:crypto';
import { deriveTokenKey } from '../../lib/token/token-crypto';
import type { TokenStoreContext } from '../../lib/token/token-store';
import { fingerprint, keyNames, sealingKey } from '../../lib/redis/fleet-key';
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

// A fleet is upgraded one process at a time: for a while two releases share Redis, and operators
// compare the fingerprints `check` prints across processes. A release that changed the derivation
// (an HMAC or HKDF label) would split the fleet silently: the new processes would name, seal and
// fingerprint everything differently from the old. Known answers, computed with openssl (HMAC-SHA-256
// and HKDF-SHA-256), hold the derivation still; changing it is a format change that needs a
// migration, not a refactoring.
describe('the derivations from a fleet key, across releases', () => {
  const fleet = Buffer.from(Array.from({ length: 32 }, (_, i) => i));
  const provider = Buffer.from(Array.from({ length: 32 }, (_, i) => 32 + i));
  const cacheKey = 'https://id.example.com/token\0client-1\0scope-a';

  it('the fingerprint `check` prints for a fleet key is the one earlier releases printed', () => {
    // printf 'express-mca-oauth fleet key fingerprint' | openssl dgst -sha256 -mac HMAC -macopt hexkey:<key> -binary | base64url | cut -c1-12
    expect(fingerprint(fleet)).toBe('BTJJ6Vef57A5');
  });

  it('the Redis names and the sealing key of a configuration are the ones earlier releases used: a token one release wrote opens in the next', () => {
    // printf 'name\0<cache key>' | openssl dgst -sha256 -mac HMAC -macopt hexkey:<key> -binary | base64url
    expect(keyNames(fleet, 'mca:', cacheKey).token).toBe('mca:{iJZfh8r5PJpPBWwGvl1YYaBb9Z651sYovbhc-W4WsRE}:token');
    // openssl kdf -keylen 32 -kdfopt digest:SHA256 -kdfopt hexkey:<fleet key><provider key> -kdfopt salt:'express-mca-oauth redis v2' -kdfopt hexinfo:<cache key> HKDF
    expect(sealingKey(fleet, provider, cacheKey).toString('hex')).toBe('99dc1b9c06b75edf76949f2a5c06434fdae0dd1d75dfd1171b7d6d09be791752');
  });
});
