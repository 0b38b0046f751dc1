import { spawn } from 'node:child_process';

/** How a command ended. `spawnError` is set (and `exitCode` null) when it could not start at all. */
export interface CommandResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  spawnError?: string;
  /** Killed with SIGKILL because it outlived `timeoutMs`. */
  timedOut?: boolean;
}

export interface CommandOptions {
  timeoutMs?: number;
  /** Output beyond this many characters per stream is dropped (the head of stdout, the tail of stderr are kept). */
  maxOutputChars?: number;
}

/** Runs a program without a shell, stdin from /dev/null. Never rejects: every outcome is a `CommandResult`. */
export type CommandRunner = (file: string, args: readonly string[], options?: CommandOptions) => Promise<CommandResult>;

const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** The environment runtimes and shims get: a PATH, nothing of the agent's own. */
export function runtimeEnv(): Record<string, string> {
  return { PATH: process.env.PATH ?? DEFAULT_PATH, LC_ALL: 'C' };
}

/** The real runner: `child_process.spawn`, output captured, SIGKILL on timeout. */
export const spawnCommand: CommandRunner = (file, args, options = {}) =>
  new Promise((resolve) => {
    const max = options.maxOutputChars ?? 1024 * 1024;
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    let settled = false;
    const child = spawn(file, [...args], { stdio: ['ignore', 'pipe', 'pipe'], env: runtimeEnv() });
    const timer = options.timeoutMs === undefined ? undefined : setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
      // What it started may still hold its stdout and stderr (runc exec hands them to the
      // process in the container), so 'close' could be far off: stop at its own exit.
      child.once('exit', (code, signal) => {
        child.stdout.destroy();
        child.stderr.destroy();
        finish({ exitCode: code, signal, stdout, stderr, timedOut });
      });
    }, options.timeoutMs);
    const finish = (result: CommandResult) => {
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      resolve(result);
    };
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      if (stdout.length < max) stdout = (stdout + chunk).slice(0, max);
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-max);
    });
    child.on('error', (error) => finish({ exitCode: null, signal: null, stdout, stderr, spawnError: error.message }));
    child.on('close', (code, signal) => finish({ exitCode: code, signal, stdout, stderr, ...(timedOut ? { timedOut } : {}) }));
  });

/** One line for an error message: the tool's last stderr line, else how it ended. */
export function describeFailure(what: string, result: CommandResult): string {
  if (result.spawnError) return `${what}: ${result.spawnError}`;
  if (result.timedOut) return `${what}: timed out`;
  const last = result.stderr.trim().split('\n').filter(Boolean).pop();
  const how = result.signal ? `killed by ${result.signal}` : `exit ${result.exitCode}`;
  return last ? `${what}: ${last} (${how})` : `${what}: ${how}`;
}
