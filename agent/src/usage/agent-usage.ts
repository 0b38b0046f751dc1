import pidusage from 'pidusage';

/** The agent's own footprint (cpu in millicores, resident memory in bytes), measured with pidusage. */
export async function sampleAgentUsage(pid: number = process.pid): Promise<{ cpu: number; memory: number }> {
  try {
    const stat = await pidusage(pid);
    return { cpu: Math.round(stat.cpu * 10), memory: stat.memory };
  } catch {
    return { cpu: 0, memory: process.memoryUsage.rss() };
  }
}

/** Drops pidusage's per-pid history so nothing keeps the event loop alive at shutdown. */
export function stopAgentUsage(): void {
  pidusage.clear();
}
