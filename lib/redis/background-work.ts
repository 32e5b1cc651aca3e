// Writes and lock releases go on after the caller has its answer; close() waits for them, but only
// so long: a paused or silent Redis must not hold a shutdown.

export class BackgroundWork {
  readonly #pending = new Set<Promise<unknown>>();

  /** Keeps `work` going; its failure is nobody's to handle (the command already reported it). */
  add(work: Promise<unknown>): void {
    const tracked = work.catch(() => undefined).finally(() => this.#pending.delete(tracked));
    this.#pending.add(tracked);
  }

  /** Resolves when all work so far has settled, or after `timeoutMs`, whichever comes first. */
  async settle(timeoutMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all([...this.#pending]),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, timeoutMs);
        timer.unref();
      }),
    ]);
    clearTimeout(timer);
  }
}
