import { API_VERSION, type NodeObject } from '../../../protocol/src/index.js';
import type { NodeRecord } from './node-record.js';

const iso = (ms: number) => new Date(ms).toISOString();

/** The Kubernetes-shaped Node of DESIGN.md §2 for a registry record. */
export function toNodeObject(record: NodeRecord): NodeObject {
  return {
    apiVersion: API_VERSION,
    kind: 'Node',
    metadata: { name: record.name, uid: record.uid, labels: record.labels, creationTimestamp: iso(record.createdAt) },
    spec: { unschedulable: record.unschedulable, taints: [] },
    status: {
      phase: record.phase,
      conditions: [
        {
          type: 'Ready',
          status: record.ready.status,
          reason: record.ready.reason,
          message: record.ready.message,
          ...(record.lastHeartbeatAt !== undefined ? { lastHeartbeatTime: iso(record.lastHeartbeatAt) } : {}),
          lastTransitionTime: iso(record.ready.transitionAt),
        },
      ],
      capacity: record.capacity,
      allocatable: record.allocatable,
      nodeInfo: record.info,
      ...(record.usage ? { usage: record.usage } : {}),
      ...(record.agent ? { agent: record.agent } : {}),
    },
  };
}
