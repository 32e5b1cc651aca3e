import { inspect } from 'node:util';

/** Every way an error can reach a log: message, stack, JSON, util.inspect, and its cause chain. */
export function renderEverywhere(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && depth < 5; depth++) {
    if (current instanceof Error) {
      parts.push(current.message, current.stack ?? '', JSON.stringify(current), inspect(current, { depth: 10 }));
      current = (current as { cause?: unknown }).cause;
    } else {
      parts.push(inspect(current, { depth: 10 }));
      current = undefined;
    }
  }
  return parts.join('\n');
}

/** Asserts that none of the secrets appears in any rendering of the error. */
export function expectNoSecrets(error: unknown, secrets: string[]): void {
  const text = renderEverywhere(error);
  for (const secret of secrets) expect(text).not.toContain(secret);
}
