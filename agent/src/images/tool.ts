import { CorralError, type ErrorCode, type Result, err, ok } from '../../../protocol/src/index.js';
import type { Exec, ExecOptions, ExecResult } from './exec.js';

/** What a failed tool run leaves in a `CorralError`'s cause: enough to debug, no secrets (none go on argv). */
export interface ToolFailure {
  command: string;
  args: readonly string[];
  exitCode: number | null;
  signal: string | null;
  /** The tail of its stderr. */
  stderr: string;
}

/**
 * The useful part of a failed tool's stderr: skopeo's `level=fatal msg="…"` text, umoci's `⨯ …` line,
 * or else the last non-empty lines; at most `max` characters. Pure.
 */
export function toolErrorMessage(stderr: string, max = 500): string {
  const fatal = [...stderr.matchAll(/level=(?:fatal|error) msg="((?:[^"\\]|\\.)*)"/g)].pop();
  let text: string;
  if (fatal) {
    text = (fatal[1] as string).replace(/\\(["\\])/g, '$1');
  } else {
    const lines = stderr
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '');
    const marked = lines.filter((l) => l.startsWith('⨯')).pop();
    text = marked ? marked.replace(/^⨯\s*/, '') : lines.slice(-3).join(' | ');
  }
  text = text.trim();
  if (text === '') return 'no error output';
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** How a run that did not exit 0 is described: the tool's own words, or how it died. Pure. */
export function describeFailure(command: string, result: ExecResult): string {
  if (result.spawnError !== undefined) return `cannot run ${command}: ${result.spawnError}`;
  if (result.signal) return `${command} killed by ${result.signal}${result.stderr.trim() ? `: ${toolErrorMessage(result.stderr)}` : ''}`;
  return `${command} exited ${result.exitCode}: ${toolErrorMessage(result.stderr)}`;
}

export interface ToolRun extends ExecOptions {
  command: string;
  args: readonly string[];
  /** Error code of a failure. */
  code: ErrorCode;
  /** What was being done, prefixed to the message ("pull docker.io/library/busybox:1"). */
  what: string;
}

/** Runs a tool; a non-zero exit, a signal or a failed start becomes a `CorralError` carrying a `ToolFailure`. */
export async function runTool(exec: Exec, run: ToolRun): Promise<Result<ExecResult>> {
  const { command, args, code, what, ...execOptions } = run;
  const result = await exec(command, args, execOptions);
  if (result.exitCode === 0) return ok(result);
  const cause: ToolFailure = { command, args, exitCode: result.exitCode, signal: result.signal, stderr: result.stderr.slice(-4000) };
  return err(new CorralError(code, `${what}: ${describeFailure(command, result)}`, { cause }));
}
