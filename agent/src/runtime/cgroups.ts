import type { OciResources } from './oci-config.js';

/**
 * Where Corral's cgroups live and what their files say, for cgroup v1 (one
 * hierarchy per controller) and v2 (one unified hierarchy). Pure: reading goes
 * through an injected `CgroupFileReader`, so v2 is unit-tested on fixtures on a v1 host.
 *
 * Layout, the same on both versions: `/<parent>/pod-<uid>/<container>` with
 * `parent` = `corral` by default. It is an absolute cgroupsPath, so runc and crun
 * put it under each hierarchy's root and not under the agent's own cgroup.
 */

export type CgroupVersion = 'v1' | 'v2';

export const CGROUP_MOUNT = '/sys/fs/cgroup';
export const DEFAULT_CGROUP_PARENT = 'corral';

export interface CgroupLocation {
  version: CgroupVersion;
  /** Absolute cgroup path, `/corral/pod-<uid>/<container>`. */
  path: string;
  /** Where the hierarchies are mounted (default /sys/fs/cgroup; tests point it at fixtures). */
  mountRoot?: string;
}

/** Answers a file's text, or undefined when it does not exist (the cgroup is gone). */
export type CgroupFileReader = (path: string) => Promise<string | undefined>;

/** A path component: anything but letters, digits, `.`, `_` and `-` becomes `_`. */
function component(text: string): string {
  const safe = text.replace(/[^A-Za-z0-9._-]/g, '_');
  return safe === '' || safe === '.' || safe === '..' ? '_' : safe;
}

export function podCgroupPath(podUid: string, parent: string = DEFAULT_CGROUP_PARENT): string {
  return `/${component(parent)}/pod-${component(podUid)}`;
}

export function containerCgroupPath(podPath: string, containerName: string): string {
  return `${podPath}/${component(containerName)}`;
}

/** The file of a controller for this cgroup: `<root>/<controller><path>/<file>` on v1, `<root><path>/<file>` on v2. */
export function cgroupFile(location: CgroupLocation, controller: string, file: string): string {
  const root = location.mountRoot ?? CGROUP_MOUNT;
  return location.version === 'v1' ? `${root}/${controller}${location.path}/${file}` : `${root}${location.path}/${file}`;
}

/**
 * The directories that make up one cgroup: one per mounted v1 hierarchy (pass
 * what is under the mount root: `cpu`, `memory`, `systemd`, `unified`, …), one on v2.
 */
export function cgroupDirs(location: CgroupLocation, hierarchies: readonly string[]): string[] {
  const root = location.mountRoot ?? CGROUP_MOUNT;
  return location.version === 'v1' ? hierarchies.map((h) => `${root}/${h}${location.path}`) : [`${root}${location.path}`];
}

export interface UsageFiles {
  /** v1 cpuacct.usage (ns); v2 cpu.stat (`usage_usec`). */
  cpu: string;
  /** v1 memory.usage_in_bytes; v2 memory.current. */
  memory: string;
  memoryStat: string;
  /** v1 memory.oom_control (`oom_kill`, kernel ≥ 4.13); v2 memory.events (`oom_kill`, `max`). */
  oom: string;
  /** v1 memory.failcnt: how often usage hit the limit; v2 reads `max` from memory.events instead. */
  limitHits: string | undefined;
  pids: string;
}

export function usageFiles(location: CgroupLocation): UsageFiles {
  if (location.version === 'v1') {
    return {
      cpu: cgroupFile(location, 'cpuacct', 'cpuacct.usage'),
      memory: cgroupFile(location, 'memory', 'memory.usage_in_bytes'),
      memoryStat: cgroupFile(location, 'memory', 'memory.stat'),
      oom: cgroupFile(location, 'memory', 'memory.oom_control'),
      limitHits: cgroupFile(location, 'memory', 'memory.failcnt'),
      pids: cgroupFile(location, 'pids', 'pids.current'),
    };
  }
  return {
    cpu: cgroupFile(location, '', 'cpu.stat'),
    memory: cgroupFile(location, '', 'memory.current'),
    memoryStat: cgroupFile(location, '', 'memory.stat'),
    oom: cgroupFile(location, '', 'memory.events'),
    limitHits: undefined,
    pids: cgroupFile(location, '', 'pids.current'),
  };
}

/** `key value` lines (cpu.stat, memory.stat, memory.events, memory.oom_control) → numbers. */
export function parseFlatKeyed(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const [key, value, extra] = line.trim().split(/\s+/);
    if (key && value !== undefined && extra === undefined && /^-?[0-9]+$/.test(value)) out.set(key, Number(value));
  }
  return out;
}

function parseSingle(text: string | undefined): number | undefined {
  const trimmed = text?.trim();
  return trimmed !== undefined && /^[0-9]+$/.test(trimmed) ? Number(trimmed) : undefined;
}

export interface CgroupUsage {
  /** CPU time used by the cgroup since it was made, in nanoseconds. */
  cpuUsageNs: number;
  memoryBytes: number;
  /** What Kubernetes calls the working set: usage less inactive file cache. */
  memoryWorkingSetBytes: number;
  /** Processes the kernel's OOM killer killed in this cgroup; undefined when the kernel does not count them (v1 before 4.13). */
  oomKills: number | undefined;
  /** Times usage hit the memory limit (v1 memory.failcnt, v2 memory.events `max`); a hint when `oomKills` is unknown. */
  memoryLimitHits: number | undefined;
  pids: number | undefined;
}

/** Parses what `usageFiles` names; pure, for fixtures and for the reader below. */
export function parseUsage(version: CgroupVersion, texts: { cpu?: string; memory?: string; memoryStat?: string; oom?: string; limitHits?: string; pids?: string }): CgroupUsage {
  const stat = parseFlatKeyed(texts.memoryStat ?? '');
  const oom = parseFlatKeyed(texts.oom ?? '');
  const memoryBytes = parseSingle(texts.memory) ?? 0;
  const inactiveFile = (version === 'v1' ? stat.get('total_inactive_file') : stat.get('inactive_file')) ?? 0;
  const cpuUsageNs = version === 'v1' ? (parseSingle(texts.cpu) ?? 0) : (parseFlatKeyed(texts.cpu ?? '').get('usage_usec') ?? 0) * 1000;
  return {
    cpuUsageNs,
    memoryBytes,
    memoryWorkingSetBytes: Math.max(0, memoryBytes - inactiveFile),
    oomKills: oom.get('oom_kill'),
    memoryLimitHits: version === 'v1' ? parseSingle(texts.limitHits) : oom.get('max'),
    pids: parseSingle(texts.pids),
  };
}

/** Reads a cgroup's usage; undefined when the cgroup does not exist (never made, or already deleted). */
export async function readCgroupUsage(read: CgroupFileReader, location: CgroupLocation): Promise<CgroupUsage | undefined> {
  const files = usageFiles(location);
  const [cpu, memory, memoryStat, oom, limitHits, pids] = await Promise.all([
    read(files.cpu),
    read(files.memory),
    read(files.memoryStat),
    read(files.oom),
    files.limitHits === undefined ? Promise.resolve(undefined) : read(files.limitHits),
    read(files.pids),
  ]);
  if (memory === undefined && cpu === undefined) return undefined;
  return parseUsage(location.version, { cpu, memory, memoryStat, oom, limitHits, pids });
}

/** A limit file and what it must contain for given OCI resources (what runc and crun write). */
export interface LimitFile {
  file: string;
  expected: string;
}

/** runc's and crun's cpu.shares → cpu.weight conversion for v2. */
export function sharesToWeight(shares: number): number {
  return shares === 0 ? 0 : 1 + Math.floor(((shares - 2) * 9999) / 262_142);
}

export function cpuLimitFiles(location: CgroupLocation, cpu: OciResources['cpu']): LimitFile[] {
  if (!cpu) return [];
  const out: LimitFile[] = [];
  if (location.version === 'v1') {
    if (cpu.quota !== undefined) out.push({ file: cgroupFile(location, 'cpu', 'cpu.cfs_quota_us'), expected: String(cpu.quota) });
    if (cpu.period !== undefined) out.push({ file: cgroupFile(location, 'cpu', 'cpu.cfs_period_us'), expected: String(cpu.period) });
    if (cpu.shares !== undefined) out.push({ file: cgroupFile(location, 'cpu', 'cpu.shares'), expected: String(cpu.shares) });
    return out;
  }
  if (cpu.quota !== undefined) out.push({ file: cgroupFile(location, '', 'cpu.max'), expected: `${cpu.quota} ${cpu.period ?? 100_000}` });
  if (cpu.shares !== undefined) out.push({ file: cgroupFile(location, '', 'cpu.weight'), expected: String(sharesToWeight(cpu.shares)) });
  return out;
}

const PAGE = 4096;

export function memoryLimitFiles(location: CgroupLocation, memory: OciResources['memory']): LimitFile[] {
  if (memory?.limit === undefined) return [];
  if (location.version === 'v1') {
    // The kernel rounds v1 limits down to whole pages.
    const pages = (bytes: number) => String(Math.floor(bytes / PAGE) * PAGE);
    const out = [{ file: cgroupFile(location, 'memory', 'memory.limit_in_bytes'), expected: pages(memory.limit) }];
    if (memory.swap !== undefined) out.push({ file: cgroupFile(location, 'memory', 'memory.memsw.limit_in_bytes'), expected: pages(memory.swap) });
    return out;
  }
  const out = [{ file: cgroupFile(location, '', 'memory.max'), expected: String(memory.limit) }];
  // v2 limits swap on its own: OCI's memory+swap less the memory limit.
  if (memory.swap !== undefined) out.push({ file: cgroupFile(location, '', 'memory.swap.max'), expected: String(memory.swap - memory.limit) });
  return out;
}

export function pidsLimitFiles(location: CgroupLocation, pids: OciResources['pids']): LimitFile[] {
  if (!pids) return [];
  return [{ file: cgroupFile(location, location.version === 'v1' ? 'pids' : '', 'pids.max'), expected: String(pids.limit) }];
}
