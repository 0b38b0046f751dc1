import type { Logger } from 'pino';

export interface ControlLoopOptions {
  /** Subscriptions that ask for a pass on change; each returns its unsubscribe. */
  sources: ReadonlyArray<{ onChange(listener: () => void): () => void }>;
  log: Logger;
  /** Names the loop in the log line of a failed pass. */
  what: string;
}

/**
 * A controller's driver: `reconcileOnce` on every change of its sources and on a tick, one at a time, again
 * until a pass ran with nothing asked meanwhile (changes during a pass are coalesced into one more pass).
 */
export abstract class ControlLoop {
  private readonly unsubscribe: Array<() => void> = [];
  private running: Promise<void> | undefined;
  private dirty = false;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly loop: ControlLoopOptions) {}

  /** One reconcile pass. */
  protected abstract reconcileOnce(): Promise<void>;

  /** Subscribes, passes once, then on every change and every `tickMs` (default 1000; 0: no tick, for tests). */
  start(options: { tickMs?: number } = {}): void {
    const kick = () => this.kick();
    for (const source of this.loop.sources) this.unsubscribe.push(source.onChange(kick));
    const tickMs = options.tickMs ?? 1000;
    if (tickMs > 0) {
      this.timer = setInterval(kick, tickMs);
      this.timer.unref();
    }
    this.kick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    for (const off of this.unsubscribe.splice(0)) off();
    await this.running;
  }

  /** Asks for a pass; coalesced with one that is running. */
  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.dirty = true;
      return;
    }
    this.running = (async () => {
      do {
        this.dirty = false;
        try {
          await this.reconcileOnce();
        } catch (error) {
          this.loop.log.error({ err: error }, `${this.loop.what} reconcile failed`);
        }
      } while (this.dirty && !this.stopped);
    })().finally(() => {
      this.running = undefined;
    });
  }

  /** Resolves once no pass is running or asked for (tests and shutdown). */
  async settled(): Promise<void> {
    while (this.running) await this.running;
  }
}
