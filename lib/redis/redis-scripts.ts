// The store's Lua scripts. Each touches keys of one configuration only, all under one hash tag, so
// they run on a Redis Cluster as on a single node.

/**
 * KEYS: lock. ARGV: owner, ttl ms. Takes the lock if free; answers whoever holds it now and its
 * remaining TTL, which grows back when a live holder renews it.
 */
export const ACQUIRE = `local holder = redis.call('get', KEYS[1])
if holder then return {holder, redis.call('pttl', KEYS[1])} end
redis.call('set', KEYS[1], ARGV[1], 'PX', ARGV[2])
return {ARGV[1], tonumber(ARGV[2])}`;

/**
 * KEYS: lock. ARGV: the holder's value given up on, the new owner, ttl ms. Takes the lock over only
 * while it still holds that value (or nothing): of the waiters that gave up on one dead holder,
 * one takes over and the others see it as the new holder. Answers as ACQUIRE does.
 */
export const TAKEOVER = `local holder = redis.call('get', KEYS[1])
if holder and holder ~= ARGV[1] then return {holder, redis.call('pttl', KEYS[1])} end
redis.call('set', KEYS[1], ARGV[2], 'PX', ARGV[3])
return {ARGV[2], tonumber(ARGV[3])}`;

/** KEYS: lock. ARGV: owner, ttl ms. Extends the lock while its owner still holds it. */
export const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) end
return 0`;

/** KEYS: key. ARGV: value. Compare-and-delete: drops a key only while it holds what this process wrote. */
export const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0`;

// A counter the fleet cannot have written (not digits, or past ARGV's bound: now + a day) is
// treated as absent and replaced: a writer without the fleet key cannot stop the fleet's writes.
const COUNTER = `local stored = redis.call('get', KEYS[2])
local current = tonumber(stored or '0') or 0
if stored and (not string.match(stored, '^%d+$') or current > tonumber(ARGV[BOUND])) then current = -1 end`;

/**
 * KEYS: token, generation. ARGV: sealed value, its generation, PXAT of the token, PXAT of the
 * counter, the highest valid counter. Writes only a generation newer than the stored counter, so a
 * late or slow writer never replaces a newer token; expiries are absolute, so a write delayed by a
 * stall keeps its end. Answers {1 if written, the counter found (nil if none)}.
 */
export const WRITE = `${COUNTER.replace('BOUND', '5')}
if tonumber(ARGV[2]) <= current then return {0, stored} end
redis.call('set', KEYS[1], ARGV[1], 'PXAT', ARGV[3])
redis.call('set', KEYS[2], ARGV[2], 'PXAT', ARGV[4])
return {1, stored}`;

/**
 * KEYS: token, generation. ARGV: sealed value, the lowest next generation (now), the highest
 * valid counter. Drops the token while it is the one this process read, and moves the counter past
 * it: a copy of it restored later is refused as a rollback. Answers the new counter, or 0 when a
 * newer token had replaced it.
 */
export const INVALIDATE = `if redis.call('get', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('del', KEYS[1])
${COUNTER.replace('BOUND', '3')}
local generation = string.format('%d', math.max(current + 1, tonumber(ARGV[2])))
redis.call('set', KEYS[2], generation, 'KEEPTTL')
if redis.call('pttl', KEYS[2]) < 0 then redis.call('pexpire', KEYS[2], 86400000) end
return generation`;
