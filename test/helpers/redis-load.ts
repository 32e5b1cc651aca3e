import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { TokenProvider } from '../../lib';
import { reportFigure } from './figures';

/** What one fault scenario measured; printed, and quoted in the README. */
export interface FaultFigures {
  calls: number;
  errors: number;
  /** The slowest call that started in the fault or the second after it. */
  worstMs: number;
  /**
   * The longest this process's event loop was held up in the same window: time the CPU was
   * elsewhere (other work on the machine), which every call in flight waited out too, whatever
   * the store did. A bound on `worstMs` allows for it.
   */
  stallMs: number;
  posts: number;
}

/**
 * K providers, each with its own store and connection (as K processes would have), C callers
 * each calling in a loop. While `fault` runs, and for a second after it, every provider's token
 * is dropped every 250 ms (a wave of 401s), so misses, locks and writes meet the fault head-on.
 */
export async function underLoad(providers: TokenProvider[], fault: () => Promise<void>, callers = 20): Promise<FaultFigures> {
  let running = true;
  let faultWindow = false;
  let calls = 0;
  let errors = 0;
  let worstMs = 0;
  const loops = providers.flatMap((provider) =>
    Array.from({ length: callers }, async () => {
      while (running) {
        const inWindow = faultWindow;
        const started = performance.now();
        await provider.getAuthorizationHeader().catch(() => errors++);
        const took = performance.now() - started;
        calls++;
        if (inWindow || faultWindow) worstMs = Math.max(worstMs, took);
        await new Promise((r) => setTimeout(r, 10));
      }
    }),
  );
  const dropper = setInterval(() => faultWindow && providers.forEach((p) => p.invalidate()), 250);
  await new Promise((r) => setTimeout(r, 300));
  const lag = monitorEventLoopDelay({ resolution: 10 });
  lag.enable();
  faultWindow = true;
  await fault();
  await new Promise((r) => setTimeout(r, 1_000));
  faultWindow = false;
  clearInterval(dropper);
  // Some calls of the last second are still running: their latency counts too.
  running = false;
  faultWindow = true;
  await Promise.all(loops);
  lag.disable();
  return { calls, errors, worstMs: Math.round(worstMs), stallMs: Math.round(lag.max / 1e6), posts: 0 };
}

export function printFigures(scenario: string, figures: FaultFigures): void {
  reportFigure(
    `fault ${scenario}: ${figures.calls} calls, ${figures.errors} caller errors, worst call ${figures.worstMs} ms (event loop held up ${figures.stallMs} ms at worst), ${figures.posts} token POSTs\n`,
  );
}
