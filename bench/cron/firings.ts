import { type Summary, median, summarize } from '../support/stats.js';

/**
 * Every firing of a run of the benchmark: the tick it was for (the scheduled
 * whole second) and when it was seen (wall-clock ms, Date.now()). Append-only;
 * one log per subject and size.
 */
export class FiringLog {
  private readonly scheduled: number[] = [];
  private readonly seen: number[] = [];

  record(scheduledAt: number, seenAt: number): void {
    this.scheduled.push(scheduledAt);
    this.seen.push(seenAt);
  }

  /** How many firings have a tick in [from, to). */
  countTicks(from: number, to: number): number {
    let count = 0;
    for (const at of this.scheduled) if (at >= from && at < to) count += 1;
    return count;
  }

  /** Lateness (seen − scheduled, ms) of the firings seen in [from, to), whatever their tick. */
  lateness(from: number, to: number): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.seen.length; i += 1) {
      const at = this.seen[i]!;
      if (at >= from && at < to) out.push(at - this.scheduled[i]!);
    }
    return out;
  }


  /** How many firings were seen in [from, to), whatever their tick. */
  countSeen(from: number, to: number): number {
    let count = 0;
    for (const at of this.seen) if (at >= from && at < to) count += 1;
    return count;
  }
}

/** A measurement window, wall-clock ms: ticks from the first whole second at or after `from`, up to `to` (excluded). */
export interface Window {
  from: number;
  to: number;
}

/** The ticks of an every-second schedule inside `window`. */
export function ticksIn(window: Window): number {
  const first = Math.ceil(window.from / 1000) * 1000;
  return Math.max(0, Math.ceil((window.to - first) / 1000));
}

export interface FiringStats {
  /** `jobs` × ticks in the window. */
  expected: number;
  /** Ticks in the window that fired (were seen) at all, by the end of the drain after the window. */
  fired: number;
  /** expected − fired. */
  missing: number;
  /** Firings seen during the window (any tick) per second: what the path kept up with. */
  ratePerSecond: number;
  /**
   * Of the firings seen during the window (any tick: counted by when they happened, so a
   * backlog's oldest ticks are in, and ticks never started cannot flatter it).
   */
  lateness: Summary;
  /** Median lateness of the firings seen in the window's first and last `edgeMs`: a backlog shows as growth. */
  firstP50: number;
  lastP50: number;
}

/** What `log` says about `window` for `jobs` every-second jobs. Pure. */
export function firingStats(log: FiringLog, jobs: number, window: Window, edgeMs = 5000): FiringStats {
  const first = Math.ceil(window.from / 1000) * 1000;
  const expected = jobs * ticksIn(window);
  const fired = log.countTicks(first, window.to);
  return {
    expected,
    fired,
    missing: expected - fired,
    ratePerSecond: log.countSeen(window.from, window.to) / ((window.to - window.from) / 1000),
    lateness: summarize(log.lateness(window.from, window.to)),
    firstP50: median(log.lateness(window.from, window.from + edgeMs)),
    lastP50: median(log.lateness(window.to - edgeMs, window.to)),
  };
}
