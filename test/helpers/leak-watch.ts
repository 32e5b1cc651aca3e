import { renderEverywhere } from './secrets';

/**
 * Collects every error a suite sees and fails the suite if a secret, a Basic credential or any
 * issued token appears in any rendering of any of them; also fails on unhandled rejections.
 */
export function watchForLeaks(secrets: () => string[]): { collect<T>(error: T): T } {
  const errors: unknown[] = [];
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
  beforeAll(() => process.on('unhandledRejection', onUnhandled));
  afterEach(() => {
    expect(unhandled).toEqual([]);
  });
  afterAll(() => {
    process.off('unhandledRejection', onUnhandled);
    const texts = errors.map(renderEverywhere).join('\n----\n');
    const found = secrets().filter((secret) => secret.length > 0 && texts.includes(secret));
    expect(errors.length).toBeGreaterThan(0);
    expect(found).toEqual([]);
  });
  return {
    collect(error) {
      errors.push(error);
      return error;
    },
  };
}
