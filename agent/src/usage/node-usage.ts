import { readFile } from 'node:fs/promises';
import { parseMeminfo } from '../node-info.js';

export interface CpuTimes {
  busy: number;
  total: number;
}

/** Aggregate `cpu` line of /proc/stat → busy and total jiffies (iowait counts as idle). */
export function parseProcStat(text: string): CpuTimes | undefined {
  const line = text.split('\n').find((l) => l.startsWith('cpu '));
  if (!line) return undefined;
  const fields = line.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal (guest and guest_nice are already in user/nice)
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = fields;
  const total = user + nice + system + idle + iowait + irq + softirq + steal;
  return { busy: total - idle - iowait, total };
}

/** Millicores in use between two samples, over `cpus` cores. */
export function cpuMillicores(prev: CpuTimes, cur: CpuTimes, cpus: number): number {
  const total = cur.total - prev.total;
  if (total <= 0) return 0;
  const millicores = Math.round(((cur.busy - prev.busy) / total) * cpus * 1000);
  // Counters can step back (hotplug, a VM migrated); never report the impossible.
  return Math.min(cpus * 1000, Math.max(0, millicores));
}

/** Samples node-wide cpu and memory from /proc; cpu is the average since the previous sample. */
export class NodeUsageSampler {
  private prev: CpuTimes | undefined;

  constructor(
    private readonly cpus: number,
    private readonly root = '',
  ) {}

  async sample(): Promise<{ cpu: number; memory: number; memoryAvailable: number }> {
    const [stat, meminfo] = await Promise.all([
      readFile(`${this.root}/proc/stat`, 'utf8').catch(() => ''),
      readFile(`${this.root}/proc/meminfo`, 'utf8').catch(() => ''),
    ]);
    const cur = parseProcStat(stat);
    const cpu = cur && this.prev ? cpuMillicores(this.prev, cur, this.cpus) : 0;
    if (cur) this.prev = cur;
    const mem = parseMeminfo(meminfo);
    return { cpu, memory: Math.max(0, mem.total - mem.available), memoryAvailable: mem.available };
  }
}
