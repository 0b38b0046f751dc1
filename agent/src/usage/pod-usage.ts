/** A pod's usage as heartbeats carry it: cpu in millicores, memory (working set) in bytes. */
export interface PodUsage {
  name: string;
  cpu: number;
  memory: number;
}

export interface PodCgroupSample {
  uid: string;
  name: string;
  cpuUsageNs: number;
  memoryWorkingSetBytes: number;
}

/**
 * Turns cumulative cgroup cpu time into millicores between two samples. Pure
 * apart from the previous samples it keeps; the clock is an input.
 */
export class PodUsageSampler {
  private previous = new Map<string, { cpuUsageNs: number; at: number }>();

  next(samples: readonly PodCgroupSample[], now: number): PodUsage[] {
    const current = new Map<string, { cpuUsageNs: number; at: number }>();
    const out = samples.map((s) => {
      current.set(s.uid, { cpuUsageNs: s.cpuUsageNs, at: now });
      const prev = this.previous.get(s.uid);
      const elapsedNs = prev ? (now - prev.at) * 1e6 : 0;
      const used = prev ? s.cpuUsageNs - prev.cpuUsageNs : 0;
      const cpu = elapsedNs > 0 && used > 0 ? Math.round((used / elapsedNs) * 1000) : 0;
      return { name: s.name, cpu, memory: s.memoryWorkingSetBytes };
    });
    this.previous = current;
    return out;
  }
}
