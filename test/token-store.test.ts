import { MemoryTokenStore, type StoredToken } from '../lib';

const token = (accessToken: string): StoredToken => ({ accessToken, obtainedAt: 0, expiresAt: 1 });

describe('MemoryTokenStore', () => {
  it('works with no argument (100 tokens)', () => {
    const store = new MemoryTokenStore();
    for (let i = 0; i < 101; i++) store.set(`k${i}`, token(`t${i}`));
    expect(store.size).toBe(100);
    expect(store.get('k100')?.accessToken).toBe('t100');
  });

  it('delete with a token drops it only while it is still the stored one: a newer token stays', () => {
    const store = new MemoryTokenStore({ maxSize: 10 });
    const older = token('older');
    const newer = token('newer');
    store.set('k', older);
    store.set('k', newer);
    store.delete('k', undefined, older);
    expect(store.get('k')).toBe(newer);
    store.delete('k', undefined, newer);
    expect(store.get('k')).toBeUndefined();
    store.set('k', newer);
    store.delete('k');
    expect(store.get('k')).toBeUndefined();
  });
});
