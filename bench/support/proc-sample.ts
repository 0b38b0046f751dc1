import { execFile } from 'node:child_process';
import { lstat, readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);

/** What /proc says about one process at one moment. */
export interface ProcSample {
  /** VmRSS, KiB. */
  rssKiB: number;
  /** utime + stime, clock ticks. */
  cpuTicks: number;
  /** cutime + cstime: children it has waited for (runc, perl, mount…), clock ticks. */
  childTicks: number;
  /** /proc/PID/io: bytes it caused to be written to storage (page cache dirtied by its writes). */
  writeBytes: number;
  /** /proc/PID/io: bytes passed to write(2) and friends, any fd (files, sockets, pipes). */
  wchar: number;
  /** /proc/PID/io: write system calls. */
  syscw: number;
}

/** USER_HZ, the unit of /proc/PID/stat times. */
export async function clockTicksPerSecond(): Promise<number> {
  const { stdout } = await exec('getconf', ['CLK_TCK']);
  return Number(stdout.trim()) || 100;
}

/** A sample of `pid`, or undefined when it is gone. */
export async function sampleProc(pid: number): Promise<ProcSample | undefined> {
  try {
    const [status, stat, io] = await Promise.all([readFile(`/proc/${pid}/status`, 'utf8'), readFile(`/proc/${pid}/stat`, 'utf8'), readFile(`/proc/${pid}/io`, 'utf8')]);
    // Fields after the command name, which is in parentheses and may hold spaces: index 0 is field 3 (state).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ').map(Number);
    const ioField = (name: string) => Number(new RegExp(`^${name}:\\s*(\\d+)$`, 'm').exec(io)?.[1] ?? Number.NaN);
    return {
      rssKiB: Number(/^VmRSS:\s*(\d+)\s*kB$/m.exec(status)?.[1] ?? Number.NaN),
      cpuTicks: fields[11]! + fields[12]!,
      childTicks: fields[13]! + fields[14]!,
      writeBytes: ioField('write_bytes'),
      wchar: ioField('wchar'),
      syscw: ioField('syscw'),
    };
  } catch {
    return undefined;
  }
}

/**
 * Proportional set size, KiB (/proc/PID/smaps_rollup): resident memory with each shared page
 * divided among the processes mapping it — what N copies of one program really cost.
 */
export async function pssKiB(pid: number): Promise<number | undefined> {
  const text = await readFile(`/proc/${pid}/smaps_rollup`, 'utf8').catch(() => undefined);
  const value = text && /^Pss:\s*(\d+)\s*kB$/m.exec(text)?.[1];
  return value ? Number(value) : undefined;
}

/** Processes whose command line starts with `prefix` (e.g. the agent's perl shims, `corral-shim <dir>`). */
export async function pidsByCommandLine(prefix: string): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.startsWith(prefix)) pids.push(Number(entry));
  }
  return pids;
}

/** Size and modification time of every regular file below `dir`, not descending into directories named in `skip`. */
export async function fileSnapshot(dir: string, skip: ReadonlySet<string>): Promise<Map<string, { size: number; mtimeMs: number }>> {
  const files = new Map<string, { size: number; mtimeMs: number }>();
  const walk = async (path: string): Promise<void> => {
    for (const entry of await readdir(path, { withFileTypes: true }).catch(() => [])) {
      const full = join(path, entry.name);
      if (entry.isDirectory()) {
        if (!skip.has(entry.name)) await walk(full);
      } else if (entry.isFile()) {
        const s = await lstat(full).catch(() => undefined);
        if (s) files.set(full, { size: s.size, mtimeMs: s.mtimeMs });
      }
    }
  };
  await walk(dir);
  return files;
}
