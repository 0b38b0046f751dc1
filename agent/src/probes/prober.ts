import type { Logger } from 'pino';
import type { DesiredPod, ObservedPod } from '../reconcile/model.js';
import { runProbe } from './probe-actions.js';
import { type ProbeState, afterProbe, freshProbeState, probeDue } from './probe-state.js';

export interface ProberOptions {
  /** Desired pods with what is observed of them now. */
  pods: () => Array<{ pod: DesiredPod; observed: ObservedPod | undefined }>;
  exec: (containerId: string, argv: readonly string[], timeoutMs: number) => Promise<number>;
  /** Restarts a container whose liveness probe failed `failureThreshold` times in a row. */
  restart: (pod: DesiredPod, container: { name: string; id: string }) => Promise<void>;
  now: () => number;
  log: Logger;
  /** How often due probes are looked for (default 500 ms). */
  tickMs?: number;
}

/**
 * Runs liveness probes (exec, http, tcp) on running containers, offline too:
 * nothing here needs the hub. Bookkeeping is per container run, so a restarted
 * container starts over with its initial delay.
 */
export class Prober {
  private readonly states = new Map<string, ProbeState>();
  private readonly inFlight = new Set<string>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: ProberOptions) {}

  start(): void {
    this.timer = setInterval(() => this.tick(), this.options.tickMs ?? 500);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Starts every due probe; exposed for tests. */
  tick(): void {
    const now = this.options.now();
    const live = new Set<string>();
    for (const { pod, observed } of this.options.pods()) {
      for (const container of pod.spec.containers) {
        const probe = container.livenessProbe;
        const current = observed?.containers.find((c) => c.name === container.name);
        if (!probe || current?.state.status !== 'running') continue;
        const key = `${current.id}@${current.state.startedAt}`;
        live.add(key);
        const state = this.states.get(key) ?? freshProbeState(current.state.startedAt);
        this.states.set(key, state);
        if (this.inFlight.has(key) || !probeDue(state, probe, now)) continue;
        this.inFlight.add(key);
        const host = pod.spec.hostNetwork ? '127.0.0.1' : (observed?.podIP ?? '127.0.0.1');
        void runProbe(probe, { host, exec: (argv, timeoutMs) => this.options.exec(current.id, argv, timeoutMs) })
          .then(async (ok) => {
            const next = afterProbe(this.states.get(key) ?? state, probe, { ok, at: this.options.now() });
            this.states.set(key, next.state);
            if (!ok) this.options.log.warn({ pod: pod.name, container: container.name, failures: next.state.consecutiveFailures }, 'liveness probe failed');
            if (next.restart) {
              this.options.log.warn({ pod: pod.name, container: container.name }, 'liveness probe failed too often: restarting the container');
              this.states.delete(key);
              await this.options.restart(pod, { name: container.name, id: current.id });
            }
          })
          .catch((error: unknown) => this.options.log.error({ err: error }, 'probe failed to run'))
          .finally(() => this.inFlight.delete(key));
      }
    }
    for (const key of this.states.keys()) if (!live.has(key) && !this.inFlight.has(key)) this.states.delete(key);
  }
}
