import type { Daemon } from '../../test/support/daemons.js';

/** One pino line of a daemon's log (JSON on stderr): its wall-clock time and message, and the other fields. */
export interface LogEntry {
  time: number;
  msg: string;
  [field: string]: unknown;
}

/**
 * Keeps a daemon's JSON log lines as they arrive, so a benchmark can read when
 * the daemon did what (the lines carry `time`, Date.now() of the daemon, the same
 * clock as this process on the same machine). Unparsable lines are skipped.
 */
export class DaemonLog {
  private entries: LogEntry[] = [];
  private partial = '';

  constructor(daemon: Daemon) {
    daemon.proc.stderr?.on('data', (chunk: Buffer) => this.take(chunk.toString()));
  }

  private take(text: string): void {
    const lines = (this.partial + text).split('\n');
    this.partial = lines.pop() ?? '';
    for (const line of lines) {
      if (!line.startsWith('{')) continue;
      try {
        const entry = JSON.parse(line) as Partial<LogEntry>;
        if (typeof entry.time === 'number' && typeof entry.msg === 'string') this.entries.push(entry as LogEntry);
      } catch {
        // not a log line
      }
    }
    if (this.entries.length > 20_000) this.entries = this.entries.slice(-10_000);
  }

  /** The first entry at or after `since` (wall-clock ms) with message `msg` that `match` accepts. */
  find(msg: string, options: { since: number; match?: (entry: LogEntry) => boolean }): LogEntry | undefined {
    return this.entries.find((e) => e.time >= options.since && e.msg === msg && (options.match?.(e) ?? true));
  }
}
