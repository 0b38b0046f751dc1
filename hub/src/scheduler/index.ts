/** The scheduler: a pure library over an immutable snapshot (DESIGN.md §5, STYLE.md §3–4). */
export { DEFAULT_WEIGHTS, defaultSchedulerConfig } from './config.js';
export { explainDecision } from './explain.js';
export { NON_ZERO_REQUESTS, podRequests } from './requests.js';
export { schedule, scheduleAll, scheduleOnIndex } from './schedule.js';
export { SnapshotIndex } from './snapshot-index.js';
export type * from './types.js';
