/**
 * Turns SIGINT, SIGTERM and SIGHUP into an AbortSignal, so a benchmark stops
 * measuring and runs its `finally` clean-up instead of dying with containers,
 * mounts and daemons left behind. A second signal while cleaning up is ignored
 * (say so on stderr); the clean-up has its own deadlines.
 */
export function trapInterrupts(): { signal: AbortSignal; release: () => void } {
  const controller = new AbortController();
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  const handler = (name: NodeJS.Signals) => {
    if (controller.signal.aborted) {
      process.stderr.write(`\n${name} again: still cleaning up, please wait\n`);
      return;
    }
    process.stderr.write(`\n${name}: stopping the benchmark and cleaning up\n`);
    controller.abort(new Error(`interrupted by ${name}`));
  };
  for (const s of signals) process.on(s, handler);
  return { signal: controller.signal, release: () => signals.forEach((s) => process.off(s, handler)) };
}

/**
 * Polls `probe` every `intervalMs` until it returns something other than
 * undefined; throws after `timeoutMs` or when `signal` aborts. Probe errors
 * count as "not yet" (the last one is reported on time-out).
 */
export async function pollUntil<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  options: { intervalMs: number; timeoutMs: number; signal?: AbortSignal },
): Promise<T> {
  const deadline = performance.now() + options.timeoutMs;
  let last: unknown;
  for (;;) {
    options.signal?.throwIfAborted();
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (performance.now() > deadline) {
      throw new Error(`timed out after ${options.timeoutMs} ms waiting for ${what}${last ? ` (last error: ${(last as Error).message})` : ''}`);
    }
    await new Promise((r) => setTimeout(r, options.intervalMs));
  }
}

/** Clean-up actions run in reverse order of registration; each one's failure is reported and the rest still run. */
export class CleanupStack {
  private readonly actions: Array<{ what: string; run: () => Promise<unknown> | unknown }> = [];

  defer(what: string, run: () => Promise<unknown> | unknown): void {
    this.actions.push({ what, run });
  }

  async run(): Promise<void> {
    while (this.actions.length > 0) {
      const action = this.actions.pop()!;
      try {
        await action.run();
      } catch (error) {
        process.stderr.write(`clean-up: ${action.what} failed: ${(error as Error).message}\n`);
      }
    }
  }
}
