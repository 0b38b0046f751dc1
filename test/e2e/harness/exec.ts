import { spawn } from 'node:child_process';

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end; never rejects (a spawn failure is code 127), so callers decide what a failure means. */
export function runCommand(command: string, args: readonly string[], options: { input?: string } = {}): Promise<CommandResult> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, CORRAL_HUB: undefined } });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.stdin.on('error', () => undefined);
    child.once('error', (error) => resolve({ code: 127, stdout: '', stderr: error.message }));
    child.once('close', (code, signal) => {
      resolve({ code: code ?? (signal ? 128 : 1), stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() });
    });
    child.stdin.end(options.input ?? '');
  });
}

/** Runs a command and throws (naming it and its stderr) unless it exits 0; for setup steps that must work. */
export async function runChecked(command: string, args: readonly string[], options: { input?: string } = {}): Promise<string> {
  const result = await runCommand(command, args, options);
  if (result.code !== 0) throw new Error(`${command} ${args.join(' ')} exited ${result.code}: ${result.stderr.trim() || result.stdout.trim()}`);
  return result.stdout;
}

/**
 * `command args…` inside the named network namespace, as `[program, argv]` for spawn.
 *
 * `nsenter --net` rather than `ip netns exec`: both exec the command (its PID is the daemon's), but
 * `ip netns exec` also unshares the mount namespace and remounts /sys, which hides /sys/fs/cgroup from
 * the agent and runc, and keeps the overlay and pod-netns mounts the agent makes out of the test's
 * sight (they would die with the agent instead of outliving it as on a real host). `nsenter --net`
 * switches the network namespace only, so a daemon sees the machine as a daemon on that host would.
 */
export function inNetns(ns: string, command: string, args: readonly string[]): [string, string[]] {
  return ['nsenter', [`--net=/var/run/netns/${ns}`, command, ...args]];
}

/** True when a TCP connection to `host:port` opens from inside `ns` (bash's /dev/tcp, 1 s limit). */
export async function tcpReachable(ns: string, host: string, port: number): Promise<boolean> {
  const [program, argv] = inNetns(ns, 'timeout', ['1', 'bash', '-c', `exec 3<>/dev/tcp/${host}/${port}`]);
  return (await runCommand(program, argv)).code === 0;
}
