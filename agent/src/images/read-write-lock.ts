/**
 * A readers-writer lock for async work, granted in arrival order: a stream of readers cannot starve a
 * writer, nor a queued writer the readers behind it. The image store holds two: one over the layout's
 * index.json (which skopeo and umoci rewrite in place without locking), one over its blob directory
 * (which downloads fill and `umoci gc` sweeps).
 */
export class ReadWriteLock {
  private readers = 0;
  private writer = false;
  private readonly queue: Array<{ mode: 'shared' | 'exclusive'; grant: () => void }> = [];

  shared<T>(work: () => Promise<T>): Promise<T> {
    return this.run('shared', work);
  }

  exclusive<T>(work: () => Promise<T>): Promise<T> {
    return this.run('exclusive', work);
  }

  /** Runs `work` exclusively if nobody holds or awaits the lock right now; otherwise does not wait. */
  async tryExclusive<T>(work: () => Promise<T>): Promise<{ ran: true; value: T } | { ran: false }> {
    if (this.writer || this.readers > 0 || this.queue.length > 0) return { ran: false };
    this.writer = true;
    try {
      return { ran: true, value: await work() };
    } finally {
      this.writer = false;
      this.dispatch();
    }
  }

  /** Holders and waiters, for tests and diagnostics. */
  get state(): { readers: number; writer: boolean; waiting: number } {
    return { readers: this.readers, writer: this.writer, waiting: this.queue.length };
  }

  private async run<T>(mode: 'shared' | 'exclusive', work: () => Promise<T>): Promise<T> {
    await new Promise<void>((grant) => {
      this.queue.push({ mode, grant });
      this.dispatch();
    });
    try {
      return await work();
    } finally {
      if (mode === 'shared') this.readers -= 1;
      else this.writer = false;
      this.dispatch();
    }
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      const next = this.queue[0] as (typeof this.queue)[number];
      if (next.mode === 'exclusive') {
        if (this.writer || this.readers > 0) return;
        this.writer = true;
      } else {
        if (this.writer) return;
        this.readers += 1;
      }
      this.queue.shift();
      next.grant();
    }
  }
}
