import { storeVariable, variablesOf } from '../lib/settings/settings-table';

// The settings table answers two lookups for the code that reads variables itself: the variables an
// option falls back to (read-backend-list.ts) and the variable of a Redis store option (redis-binding.ts,
// redis-tuning.ts, fleet-key.ts). A key the table does not know must not pass for one with no
// variable, nor crash with a TypeError that does not say which key.
describe("the settings table's variable lookups", () => {
  it("gives an option's variables, first found wins", () => {
    expect(variablesOf('protectedBackendsFile')).toEqual(['MCA_PROTECTED_BACKENDS_FILE']);
  });

  it('gives no variables for an option without one, and none for a key it does not know', () => {
    expect(variablesOf('cacheSize')).toEqual([]);
    expect(variablesOf('noSuchOption')).toEqual([]);
  });

  it("gives a store option's variable", () => {
    expect(storeVariable('url')).toBe('MCA_REDIS_URL');
    expect(storeVariable('redisServiceName')).toBe('MCA_REDIS_SERVICE_NAME');
  });

  // A programming error, but one that names the key: `target` is a store option read from code only.
  it.each(['target', 'noSuchOption'])('refuses a store option without a variable (%s), naming it', (key) => {
    expect(() => storeVariable(key)).toThrow(new Error(`settings table: the store option ${key} has no variable`));
  });
});
