import { inspect } from 'node:util';

// AsyncLocalStorage contexts hang off every socket handle; under Jest one of them is the runner's
// own state (every test's results). That is not the error's content, and walking it is slow.
const SKIPPED_KEYS = new Set(['kResourceStore']);
const MAX_NODES = 500_000;

/**
 * Every string reachable from `root` through own properties, enumerable or not, string- or
 * symbol-keyed, and Map/Set entries: what `util.inspect(x, { depth: Infinity, showHidden: true })`
 * could ever print, without printing it. Getters are not called (inspect does not call them either);
 * an object with a custom inspector is rendered by it, as inspect would.
 */
export function reachableStrings(root: unknown): string[] {
  const found: string[] = [];
  const seen = new Set<unknown>();
  const queue: unknown[] = [root];
  while (queue.length > 0 && seen.size < MAX_NODES) {
    const value = queue.pop();
    if (typeof value === 'string') {
      found.push(value);
      continue;
    }
    if ((typeof value !== 'object' && typeof value !== 'function') || value === null || seen.has(value)) continue;
    seen.add(value);
    // An object with its own inspector (this package's errors) shows what that inspector prints.
    if (typeof (value as { [inspect.custom]?: unknown })[inspect.custom] === 'function') {
      found.push(inspect(value, { depth: Infinity, showHidden: true }));
      continue;
    }
    if (value instanceof Map) for (const [k, v] of value) queue.push(k, v);
    if (value instanceof Set) for (const v of value) queue.push(v);
    for (const key of Reflect.ownKeys(value)) {
      if (typeof key === 'symbol' && SKIPPED_KEYS.has(key.description ?? '')) continue;
      const descriptor = Object.getOwnPropertyDescriptor(value, key);
      if (descriptor && 'value' in descriptor) queue.push(descriptor.value);
    }
  }
  return found;
}

/**
 * Every rendering an application may log: message, stack, String, JSON.stringify, toJSON(),
 * util.inspect, and (for inspect with showHidden at any depth) every reachable string; for the
 * error and its cause chain.
 */
export function renderAll(error: unknown): string {
  const parts: string[] = reachableStrings(error);
  let current: unknown = error;
  for (let depth = 0; current !== undefined && current !== null && depth < 6; depth++) {
    // Any depth is covered by reachableStrings; inspect's own output (custom inspectors) to depth 10.
    parts.push(inspect(current, { depth: 10 }));
    if (current instanceof Error) {
      parts.push(current.message, current.stack ?? '', String(current));
      try {
        parts.push(JSON.stringify(current) ?? '');
      } catch {
        // a circular structure without toJSON: util.inspect above renders it
      }
      const toJSON = (current as { toJSON?: () => unknown }).toJSON;
      if (typeof toJSON === 'function') parts.push(inspect(toJSON.call(current), { depth: Infinity }));
      current = (current as { cause?: unknown }).cause;
    } else {
      current = undefined;
    }
  }
  return parts.join('\n');
}

/** The secrets of `secrets` that appear in any rendering of `error`. */
export function leakedSecrets(error: unknown, secrets: string[]): string[] {
  const text = renderAll(error);
  return secrets.filter((secret) => secret.length > 0 && text.includes(secret));
}

/**
 * Whether Jest runs only some of this file's tests (`-t`, `.only`, or StrykerJS's per-mutant runs,
 * which pass a test name pattern): then a suite may legitimately collect no error at all. Read from
 * jest-circus's own state, which it keeps under a symbol it does not export.
 */
function runsASubset(): boolean {
  const symbol = Object.getOwnPropertySymbols(globalThis).find((s) => s.description === 'JEST_STATE_SYMBOL');
  const state =
    symbol === undefined ? undefined : (globalThis as unknown as Record<symbol, { testNamePattern?: unknown; hasFocusedTests?: unknown } | undefined>)[symbol];
  return state !== undefined && (Boolean(state.testNamePattern) || state.hasFocusedTests === true);
}

/**
 * Collects every error a suite sees and fails the test that collected it if a secret, a Basic
 * credential or any issued token appears in any rendering of it; also fails on unhandled
 * rejections. Checked after each test, so that the failure names the test, and so that a run of
 * some of the file's tests (`-t`, StrykerJS) checks exactly what it ran. When the whole file ran,
 * it also fails unless something was collected: a watch that saw nothing proved nothing.
 */
export function watchForLeaks(secrets: () => string[]): { collect<T>(error: T): T; count(): number } {
  const pending: unknown[] = [];
  let seen = 0;
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
  const check = (): void => {
    const errors = pending.splice(0);
    seen += errors.length;
    const all = secrets();
    const found = errors.flatMap((error) => leakedSecrets(error, all));
    expect([...new Set(found)]).toEqual([]);
  };
  beforeAll(() => process.on('unhandledRejection', onUnhandled));
  afterEach(() => {
    expect(unhandled.splice(0)).toEqual([]);
    check();
  });
  afterAll(() => {
    process.off('unhandledRejection', onUnhandled);
    // Errors collected outside a test (a hook of the suite's own) are checked here.
    check();
    if (!runsASubset()) expect(seen).toBeGreaterThan(0);
  });
  return {
    collect(error) {
      pending.push(error);
      return error;
    },
    count: () => seen + pending.length,
  };
}
