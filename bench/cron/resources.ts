import { type IntervalHistogram, monitorEventLoopDelay } from 'node:perf_hooks';
import { sampleProc } from '../support/proc-sample.js';

/** The event-loop histogram's timer, ms; each sample is that timer's whole interval, so this much is subtracted. */
const LOOP_RESOLUTION_MS = 10;

const MiB = 1024 * 1024;

/** What this process used during a window. */
export interface Resources {
  /** user + system CPU time (process.cpuUsage: the main thread and libuv's pool, where LevelDB writes) as % of one core. */
  cpuPercent: number;
  /** process.memoryUsage().rss sampled every second: mean and max, MiB. */
  rssMeanMiB: number;
  rssMaxMiB: number;
  /** perf_hooks.monitorEventLoopDelay, ms beyond its 10 ms sampling timer (its samples are whole timer intervals). */
  loopDelayP99: number;
  loopDelayMax: number;
  /** /proc/self/io write_bytes: bytes this process caused to be written to storage, MiB per second. */
  diskWriteMiBps: number;
}

/**
 * Samples this process from `start()` until `stop()`. The event-loop histogram's own
 * timer and the one-second RSS sampler run in every window alike, baseline included.
 */
export class ResourceWindow {
  private readonly rss: number[] = [];
  private readonly sampler: NodeJS.Timeout;

  private constructor(
    private readonly began: number,
    private readonly cpu: NodeJS.CpuUsage,
    private readonly loop: IntervalHistogram,
    private readonly writeBytes: number,
  ) {
    this.sampler = setInterval(() => this.rss.push(process.memoryUsage.rss()), 1000);
  }

  static async start(): Promise<ResourceWindow> {
    const loop = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
    const writeBytes = (await sampleProc(process.pid))?.writeBytes ?? Number.NaN;
    loop.enable();
    return new ResourceWindow(performance.now(), process.cpuUsage(), loop, writeBytes);
  }

  /** Stops sampling without a result (an interrupted window); stop() does this too. */
  dispose(): void {
    this.loop.disable();
    clearInterval(this.sampler);
  }

  async stop(): Promise<Resources> {
    const cpu = process.cpuUsage(this.cpu);
    const seconds = (performance.now() - this.began) / 1000;
    this.dispose();
    const writeBytes = (await sampleProc(process.pid))?.writeBytes ?? Number.NaN;
    const rss = this.rss.length > 0 ? this.rss : [process.memoryUsage.rss()];
    return {
      cpuPercent: ((cpu.user + cpu.system) / 1e6 / seconds) * 100,
      rssMeanMiB: rss.reduce((s, x) => s + x, 0) / rss.length / MiB,
      rssMaxMiB: Math.max(...rss) / MiB,
      loopDelayP99: Math.max(0, this.loop.percentile(99) / 1e6 - LOOP_RESOLUTION_MS),
      loopDelayMax: Math.max(0, this.loop.max / 1e6 - LOOP_RESOLUTION_MS),
      diskWriteMiBps: (writeBytes - this.writeBytes) / MiB / seconds,
    };
  }
}
