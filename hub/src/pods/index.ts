export { DesiredPublisher, type DesiredSink, type EncodedDesired } from './desired-publisher.js';
export { type DesiredRejection, MAX_CRONJOBS_PER_NODE, MAX_PODS_PER_NODE, type NodeCronJob, desiredState, encodeDesired } from './desired-state.js';
export { type PodApiList, type PodApiObject, type PodApiStatus, toPodObject } from './pod-object.js';
export type { PodOwner, PodRecord } from './pod-record.js';
export { type BindPodRejection, type CreatePodRejection, type NewPod, type NodeDesiredRecord, PodStore } from './pod-store.js';
