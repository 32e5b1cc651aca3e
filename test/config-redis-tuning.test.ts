// The Redis store's tuning variables (MCA_REDIS_TIMEOUT_MS, …_CONNECT_TIMEOUT_MS, …_LOCK_WAIT_MS,
// …_BACKOFF_MS), as the store built from MCA_REDIS_* gets them and as a store built by code reads
// them: a valid value is used, a blank one keeps the default, anything else is a config error
// naming the setting and the variable. No redis-server needed: the values are read at startup.
import { isMcaConfigError } from '../lib';
import { redisTokenStore } from '../lib/redis';
import { resolveProviderConfig } from '../lib/settings/resolve-config';
import { FLEET_KEY } from './helpers/redis-fleet';
import { captureRedisStoreWarnings } from './helpers/process-warnings';
import { thrown } from './helpers/thrown';

// The store built by code below points at a closed port: its warning is checked, not printed.
captureRedisStoreWarnings();

const SECRET = 'a-client-secret-that-is-long-enough';
const REDIS = { MCA_REDIS_URL: 'redis://127.0.0.1:1' };
const MAX_TIMER_MS = 2_147_483_647;

function tuningOf(env: Record<string, string>) {
  return resolveProviderConfig({ envFile: false, clientId: 'c', secret: SECRET, tokenUrl: 'http://127.0.0.1:1/token', env: { ...REDIS, ...env } }).redis
    ?.tuning;
}

describe('the Redis store tuning read from MCA_REDIS_*', () => {
  it('whole numbers of ms are used, the bounds 1 and the largest timer delay included', () => {
    expect(
      tuningOf({
        MCA_REDIS_TIMEOUT_MS: '250',
        MCA_REDIS_CONNECT_TIMEOUT_MS: '1',
        MCA_REDIS_LOCK_WAIT_MS: String(MAX_TIMER_MS),
        MCA_REDIS_BACKOFF_MS: '40',
      }),
    ).toEqual({ storeTimeoutMs: 250, connectTimeoutMs: 1, lockWaitMs: MAX_TIMER_MS, backoffMs: 40 });
  });

  it('spaces around a value are not part of it (as written in a manifest or .env)', () => {
    expect(tuningOf({ MCA_REDIS_TIMEOUT_MS: ' 250 ', MCA_REDIS_BACKOFF_MS: '\t40\n' })).toEqual({ storeTimeoutMs: 250, backoffMs: 40 });
  });

  it('an empty or blank variable keeps the default', () => {
    expect(tuningOf({ MCA_REDIS_TIMEOUT_MS: '', MCA_REDIS_LOCK_WAIT_MS: '   ' })).toEqual({});
  });

  it.each([
    ['MCA_REDIS_TIMEOUT_MS', 'storeTimeoutMs', 'abc'],
    ['MCA_REDIS_CONNECT_TIMEOUT_MS', 'connectTimeoutMs', '0'],
    ['MCA_REDIS_LOCK_WAIT_MS', 'lockWaitMs', '1.5'],
    ['MCA_REDIS_LOCK_WAIT_MS', 'lockWaitMs', '-5'],
    ['MCA_REDIS_BACKOFF_MS', 'backoffMs', String(MAX_TIMER_MS + 1)],
  ])('%s=%j is a config error naming the setting, the variable and the range', (variable, field, value) => {
    const error = thrown(() => tuningOf({ [variable]: value }));
    expect(isMcaConfigError(error)).toBe(true);
    expect(error.code).toBe(`ERR_MCA_INVALID_${field.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`);
    expect(error.field).toBe(field);
    expect(error.message).toBe(`Invalid \`${field}\` (from ${variable}): it must be a whole number of milliseconds from 1 to ${MAX_TIMER_MS}.`);
  });
});

describe('a store built by code reads the same variables from the process environment', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  it('a blank or space-padded variable is accepted (the store is built), an invalid one is refused', async () => {
    process.env.MCA_REDIS_TIMEOUT_MS = '   ';
    process.env.MCA_REDIS_CONNECT_TIMEOUT_MS = '';
    process.env.MCA_REDIS_BACKOFF_MS = ' 40 ';
    const store = redisTokenStore({ url: 'redis://127.0.0.1:1', fleetKey: FLEET_KEY });
    await store.close();
    process.env.MCA_REDIS_BACKOFF_MS = '4O';
    expect(thrown(() => redisTokenStore({ url: 'redis://127.0.0.1:1', fleetKey: FLEET_KEY }))).toMatchObject({
      code: 'ERR_MCA_INVALID_BACKOFF_MS',
      field: 'backoffMs',
      message: `Invalid \`backoffMs\` (from MCA_REDIS_BACKOFF_MS): it must be a whole number of milliseconds from 1 to ${MAX_TIMER_MS}.`,
    });
  });
});
