/** What `run` throws, for assertions on its code, field and message; a test fails if it throws nothing. */
export function thrown(run: () => unknown): Error & { code?: string; field?: string } {
  try {
    run();
  } catch (error) {
    return error as Error & { code?: string; field?: string };
  }
  throw new Error('did not throw');
}
