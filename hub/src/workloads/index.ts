export { DAEMONSET_MAX_UNAVAILABLE, eligibleNodes, planDaemonSet } from './daemonset-plan.js';
export { planDeployment, rollingBudget } from './deployment-plan.js';
export { type DrainPlan, planDrain } from './drain.js';
export { type LabelledNode, nodeMatchesTemplate } from './node-match.js';
export { type BoundPod, type NodeReadiness, isLostFor, planNodeLoss } from './node-loss.js';
export { type NodeView, isPodReady, podsByOwner, toLabelledNode, toOwnedPod } from './owned-pods.js';
export { OWNER_LABEL, TEMPLATE_HASH_LABEL, newOwnedPod, podName, templateHash } from './pod-naming.js';
export { type Placement, type ScheduleFn, buildSnapshot, placePending, toSchedulerNode } from './snapshot.js';
export type { DeleteReason, OwnedPod, WorkloadStep } from './steps.js';
export { type WorkloadControllerOptions, type WorkloadEvent, WorkloadController } from './workload-controller.js';
export {
  type DaemonSetApiObject,
  type DeploymentApiObject,
  type WorkloadApiObject,
  daemonSetStatus,
  deploymentStatus,
  toDaemonSetObject,
  toDeploymentObject,
} from './workload-object.js';
export { type ApplyAction, type DaemonSetRecord, type DeploymentRecord, type WantedWorkload, type WorkloadKind, type WorkloadRecord, applyWorkload } from './workload-record.js';
export { WorkloadStore } from './workload-store.js';
