export interface FailureLimiterOptions {
  /** Failures an address may have within `windowMs` before it is turned away. */
  maxFailures: number;
  windowMs: number;
  now: () => number;
  /** Addresses tracked at most; the oldest entries go first (a flood from many addresses cannot grow memory). */
  maxAddresses?: number;
}

interface Window {
  startedAt: number;
  failures: number;
}

/**
 * Counts failed attempts per source address in fixed windows, in memory only: after `maxFailures`
 * within `windowMs` an address is turned away until its window ends. For the open enrollment
 * route: bootstrap tokens are 256-bit, so this bounds the noise (log lines, hash work, disk
 * writes) of someone guessing, not their odds.
 */
export class FailureLimiter {
  private readonly windows = new Map<string, Window>();

  constructor(private readonly options: FailureLimiterOptions) {}

  /** Milliseconds until `address` may try again; 0 when it may now. */
  retryAfterMs(address: string): number {
    const window = this.current(address);
    if (!window || window.failures < this.options.maxFailures) return 0;
    return window.startedAt + this.options.windowMs - this.options.now();
  }

  fail(address: string): void {
    const window = this.current(address);
    if (window) {
      window.failures += 1;
      return;
    }
    this.windows.set(address, { startedAt: this.options.now(), failures: 1 });
    const max = this.options.maxAddresses ?? 10_000;
    for (const oldest of this.windows.keys()) {
      if (this.windows.size <= max) break;
      this.windows.delete(oldest);
    }
  }

  private current(address: string): Window | undefined {
    const window = this.windows.get(address);
    if (window && this.options.now() - window.startedAt >= this.options.windowMs) {
      this.windows.delete(address);
      return undefined;
    }
    return window;
  }
}
