import type { ApiDaemonSet, ApiDeployment } from '../workload-object.js';
import { age } from './age.js';
import { formatTable } from './table.js';

/** Columns of `corral get deployments` and `get daemonsets`, as kubectl shows them; `-o wide` appends IMAGES. */
export const DEPLOYMENT_COLUMNS = ['NAME', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'AGE'] as const;
export const DAEMONSET_COLUMNS = ['NAME', 'DESIRED', 'CURRENT', 'READY', 'AGE'] as const;

const images = (w: ApiDeployment | ApiDaemonSet) => w.spec.template.containers.map((c) => c.image).join(',');

/** One `get deployments` row: READY is ready pods over desired replicas. */
export function deploymentRow(d: ApiDeployment, now: number, wide = false): string[] {
  const row = [d.metadata.name, `${d.status.readyReplicas}/${d.spec.replicas}`, String(d.status.updatedReplicas), String(d.status.availableReplicas), age(d.metadata.creationTimestamp, now)];
  if (wide) row.push(images(d));
  return row;
}

export function daemonSetRow(ds: ApiDaemonSet, now: number, wide = false): string[] {
  const { desiredNumberScheduled, currentNumberScheduled, numberReady } = ds.status;
  const row = [ds.metadata.name, String(desiredNumberScheduled), String(currentNumberScheduled), String(numberReady), age(ds.metadata.creationTimestamp, now)];
  if (wide) row.push(images(ds));
  return row;
}

export function formatDeploymentTable(items: readonly ApiDeployment[], now: number, wide = false): string {
  return formatTable(wide ? [...DEPLOYMENT_COLUMNS, 'IMAGES'] : [...DEPLOYMENT_COLUMNS], items.map((d) => deploymentRow(d, now, wide)));
}

export function formatDaemonSetTable(items: readonly ApiDaemonSet[], now: number, wide = false): string {
  return formatTable(wide ? [...DAEMONSET_COLUMNS, 'IMAGES'] : [...DAEMONSET_COLUMNS], items.map((d) => daemonSetRow(d, now, wide)));
}
