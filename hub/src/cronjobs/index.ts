export { type CronJobControllerOptions, type CronJobEvent, CronJobController } from './cronjob-controller.js';
export { type CronJobApiObject, type CronJobApiStatus, type CronJobNodeStatus, type RunStatusSummary, runSummary, toCronJobObject } from './cronjob-object.js';
export { type CronJobPlacement, type CronJobRecord, type WantedCronJob, applyCronJob } from './cronjob-record.js';
export { CronJobStore } from './cronjob-store.js';
export { LastRuns, type RunSummary } from './last-runs.js';
export { nextRunAt } from './next-run.js';
export { type CronJobNode, ONE_NODE_LOST, type OneNodePlan, type PlacementReason, everyNodePlacement, nodeAssignments, planOneNode, planOneNodeJobs } from './placement.js';
export { type HistoryLimits, type RunItem, runHistory } from './run-history.js';
