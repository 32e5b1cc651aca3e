'use strict';
// `node bench/store-guess.js`: what one guess at the client secret costs someone who can read the
// Redis store. Before: the key name was sha256 over [tokenUrl, clientId, sha256(secret), …], so a
// guess costs two SHA-256; now names are HMAC-SHA-256 under a 256-bit fleet key that is never in
// Redis, so a guess at the secret cannot be checked at all without also guessing the fleet key.
const { createHash, createHmac, randomBytes } = require('node:crypto');

const sha256 = (text) => createHash('sha256').update(text).digest('hex');
const tokenUrl = 'https://imf-authserver.ng.bluemix.net/imf-authserver/authorization/v1/apps/tenant/token';
const cacheKey = (secret) => sha256(JSON.stringify([tokenUrl, 'client-1', sha256(secret), null, null, 'basic', null]));

function perSecond(guess) {
  const n = 200_000;
  for (let i = 0; i < 10_000; i++) guess(i);
  const started = process.hrtime.bigint();
  for (let i = 0; i < n; i++) guess(i);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { perSecond: n / seconds, microseconds: (seconds / n) * 1e6 };
}

const target = cacheKey('s3cr3t-value');
const before = perSecond((i) => cacheKey(`guess-${i}`) === target);
const fleetKey = randomBytes(32);
// With the fleet key (which an attacker reading Redis does not have), a guess would cost this:
const withKey = perSecond(
  (i) =>
    createHmac('sha256', fleetKey)
      .update(`name\0${cacheKey(`guess-${i}`)}`)
      .digest('base64url') === target,
);
console.log(
  `before (key name = sha256 of the secret's hash, no key): ${Math.round(before.perSecond).toLocaleString('en')} guesses/s on one core, ${before.microseconds.toFixed(2)} µs each`,
);
console.log(`now, for a reader of Redis: a guess is checkable only with the 256-bit fleet key: 2^256 fleet keys per guess (no offline test)`);
console.log(
  `now, for someone who also holds the fleet key (it lives with the secret in the app's config): ${Math.round(withKey.perSecond).toLocaleString('en')} guesses/s, ${withKey.microseconds.toFixed(2)} µs each`,
);
