import { spawn } from 'node:child_process';

/** How a command ended. `spawnError` is set (and `exitCode` null) when it could not start at all. */
export interface CommandResult {
  exitCode: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  spawnError?: string;
  /** Killed because it outlived `timeoutMs` or wrote more than `maxOutputBytes`. */
  killed?: 'timeout' | 'output';
}

export interface CommandOptions {
  /** Written to stdin, which is then closed. Without it stdin is /dev/null. */
  input?: string;
  /** The complete environment of the command (nothing is inherited). */
  env?: Record<string, string>;
  timeoutMs?: number;
  maxOutputBytes?: number;
}

/** Runs a program without a shell. Never rejects: every failure is in the result. */
export type CommandRunner = (file: string, args: ReadonlyArray<string>, options?: CommandOptions) => Promise<CommandResult>;

export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** The real runner: `child_process.spawn`, output captured, SIGKILL on timeout. */
export const spawnCommand: CommandRunner = (file, args, options = {}) =>
  new Promise((resolve) => {
    const timeoutMs = options.timeoutMs ?? 30_000;
    const maxOutput = options.maxOutputBytes ?? 4 * 1024 * 1024;
    const env = options.env ?? { PATH: process.env.PATH ?? DEFAULT_PATH, LC_ALL: 'C' };
    let stdout = '';
    let stderr = '';
    let size = 0;
    let killed: CommandResult['killed'];
    let settled = false;
    const finish = (result: CommandResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(killed === undefined ? result : { ...result, killed });
    };
    let child: ReturnType<typeof spawn>;
    try {
      child = spawn(file, [...args], { stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'], env });
    } catch (error) {
      resolve({ exitCode: null, signal: null, stdout: '', stderr: '', spawnError: error instanceof Error ? error.message : String(error) });
      return;
    }
    const kill = (why: 'timeout' | 'output') => {
      killed ??= why;
      child.kill('SIGKILL');
    };
    const timer = setTimeout(() => kill('timeout'), timeoutMs);
    const collect = (append: (s: string) => void) => (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxOutput) kill('output');
      else append(chunk.toString('utf8'));
    };
    child.stdout?.on('data', collect((s) => (stdout += s)));
    child.stderr?.on('data', collect((s) => (stderr += s)));
    if (options.input !== undefined && child.stdin) {
      // A program that exits without reading its stdin makes the write fail with EPIPE; the exit status tells the story.
      child.stdin.on('error', () => undefined);
      child.stdin.end(options.input);
    }
    child.once('error', (error) => finish({ exitCode: null, signal: null, stdout, stderr, spawnError: error.message }));
    child.once('close', (exitCode, signal) => finish({ exitCode, signal, stdout, stderr }));
  });

/** `iptables: …` — the first stderr line or the exit status, for error messages. */
export function describeFailure(command: string, result: CommandResult): string {
  if (result.spawnError !== undefined) return `cannot run ${command}: ${result.spawnError}`;
  if (result.killed === 'timeout') return `${command} timed out and was killed`;
  if (result.killed === 'output') return `${command} wrote too much output and was killed`;
  const detail = result.stderr.trim().split('\n').slice(0, 3).join('; ') || result.stdout.trim().split('\n')[0] || '';
  const status = result.exitCode === null ? `signal ${result.signal ?? '?'}` : `exit ${result.exitCode}`;
  return `${command} failed (${status})${detail === '' ? '' : `: ${detail}`}`;
}
