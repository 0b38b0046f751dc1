/**
 * Crash-loop back-off, as the kubelet does it: after a container exits and is
 * to be restarted, wait 10 s, doubling with each consecutive crash up to 5 min;
 * a run that lasted 10 min forgives the history. Pure: time is an input.
 */
export interface CrashLoopPolicy {
  initialMs: number;
  maxMs: number;
  /** A run at least this long resets the back-off. */
  resetAfterMs: number;
}

export const crashLoopPolicy: CrashLoopPolicy = { initialMs: 10_000, maxMs: 300_000, resetAfterMs: 600_000 };

export interface RestartState {
  /** Times the container has been started again after exiting (shown as restartCount). */
  restarts: number;
  /** Consecutive exits since the last long run; drives the delay. */
  crashes: number;
  /** Not to be started again before this time (ms since the epoch). */
  notBefore: number;
}

export const freshRestartState: RestartState = { restarts: 0, crashes: 0, notBefore: 0 };

export function backoffDelayMs(crashes: number, policy: CrashLoopPolicy = crashLoopPolicy): number {
  if (crashes <= 0) return 0;
  return Math.min(policy.maxMs, policy.initialMs * 2 ** Math.min(crashes - 1, 30));
}

/** The state after a run that started at `startedAt` ended at `finishedAt`. */
export function afterExit(state: RestartState, run: { startedAt: number; finishedAt: number }, policy: CrashLoopPolicy = crashLoopPolicy): RestartState {
  const longRun = run.finishedAt - run.startedAt >= policy.resetAfterMs;
  const crashes = longRun ? 1 : state.crashes + 1;
  return { ...state, crashes, notBefore: run.finishedAt + backoffDelayMs(crashes, policy) };
}

/** The state once the container has been started again. */
export function afterRestart(state: RestartState): RestartState {
  return { ...state, restarts: state.restarts + 1 };
}
