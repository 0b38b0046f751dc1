import type { Probe } from '../../../protocol/src/index.js';

/** Liveness bookkeeping of one running container (per container id and start time). */
export interface ProbeState {
  /** When the container (this run of it) started. */
  startedAt: number;
  lastProbeAt: number | undefined;
  consecutiveFailures: number;
}

export function freshProbeState(startedAt: number): ProbeState {
  return { startedAt, lastProbeAt: undefined, consecutiveFailures: 0 };
}

/** Whether a probe is due: past the initial delay, and a period after the last one. Pure. */
export function probeDue(state: ProbeState, probe: Probe, now: number): boolean {
  if (now < state.startedAt + probe.initialDelaySeconds * 1000) return false;
  return state.lastProbeAt === undefined || now >= state.lastProbeAt + probe.periodSeconds * 1000;
}

/** The state after a probe; `restart` once `failureThreshold` probes in a row failed. Pure. */
export function afterProbe(state: ProbeState, probe: Probe, result: { ok: boolean; at: number }): { state: ProbeState; restart: boolean } {
  const consecutiveFailures = result.ok ? 0 : state.consecutiveFailures + 1;
  return { state: { ...state, lastProbeAt: result.at, consecutiveFailures }, restart: consecutiveFailures >= probe.failureThreshold };
}
