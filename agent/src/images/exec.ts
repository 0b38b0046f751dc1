import { spawn } from 'node:child_process';

export interface ExecOptions {
  /** Called with each complete output line as the tool prints it (progress). */
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
  /** Aborting kills the process (SIGTERM, then SIGKILL after two seconds). */
  signal?: AbortSignal;
}

/** How a command ended. `spawnError` is set (and `exitCode` null) when it could not start at all. */
export interface ExecResult {
  exitCode: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  spawnError?: string;
}

/**
 * Runs a command to completion. Never rejects: every outcome, including "not installed" and
 * "aborted", is an `ExecResult`. The image store takes one of these, so tests can script the tools.
 */
export type Exec = (command: string, args: readonly string[], options?: ExecOptions) => Promise<ExecResult>;

const MAX_STDOUT = 4 * 1024 * 1024;
const MAX_STDERR = 64 * 1024;

/** Keeps the first `max` characters (stdout carries JSON we parse) or the last (stderr: the error is at the end). */
function append(buffer: string, chunk: string, max: number, keep: 'head' | 'tail'): string {
  const joined = buffer + chunk;
  if (joined.length <= max) return joined;
  return keep === 'head' ? joined.slice(0, max) : joined.slice(joined.length - max);
}

/** The real `Exec`: `child_process.spawn` without a shell, output captured and split into lines. */
export const spawnExec: Exec = (command, args, options = {}) =>
  new Promise((resolve) => {
    let stdout = '';
    let stderr = '';
    const partial = { stdout: '', stderr: '' };
    let settled = false;
    let killTimer: NodeJS.Timeout | undefined;
    const child = spawn(command, [...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LC_ALL: 'C' } });

    const onAbort = () => {
      child.kill('SIGTERM');
      killTimer = setTimeout(() => child.kill('SIGKILL'), 2000);
      killTimer.unref();
    };
    const finish = (result: ExecResult) => {
      if (settled) return;
      settled = true;
      options.signal?.removeEventListener('abort', onAbort);
      clearTimeout(killTimer);
      resolve(result);
    };
    /** Hands complete lines to `onLine`; `flush` also hands over a last line without a newline. */
    const lines = (stream: 'stdout' | 'stderr', text: string, flush: boolean) => {
      if (!options.onLine) return;
      const parts = (partial[stream] + text).split(/\r?\n|\r/);
      partial[stream] = flush ? '' : (parts.pop() ?? '');
      for (const line of parts) if (line !== '') options.onLine(line, stream);
    };

    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout = append(stdout, chunk, MAX_STDOUT, 'head');
      lines('stdout', chunk, false);
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr = append(stderr, chunk, MAX_STDERR, 'tail');
      lines('stderr', chunk, false);
    });
    child.once('error', (error) => finish({ exitCode: null, signal: null, stdout, stderr, spawnError: error.message }));
    child.once('close', (exitCode, signal) => {
      lines('stdout', '', true);
      lines('stderr', '', true);
      finish({ exitCode, signal, stdout, stderr });
    });
    if (options.signal?.aborted) onAbort();
    else options.signal?.addEventListener('abort', onAbort, { once: true });
  });
