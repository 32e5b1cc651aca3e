import { once, type EventEmitter } from 'node:events';

/** The next `event` of `emitter`; create it before the action that emits, await it after. */
export function nextEvent(emitter: unknown, event: string): Promise<unknown[]> {
  return once(emitter as EventEmitter, event);
}

/** Polls until `condition` holds: for things with no event to wait on. Never a fixed sleep. */
export async function waitFor(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}
