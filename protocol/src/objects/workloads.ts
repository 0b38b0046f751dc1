import { z } from 'zod';
import { Labels } from '../labels.js';
import { API_VERSION } from './node.js';
import { PodTemplate } from './pod.js';

/** What happens to a workload's pods when their node is lost: moved elsewhere, or kept for the node's return. */
export const OnNodeLost = z
  .union([
    z.enum(['reschedule', 'keep']).transform((policy) => ({ policy, lostAfterSeconds: 30 })),
    z.strictObject({ policy: z.enum(['reschedule', 'keep']), lostAfterSeconds: z.number().int().min(1).max(86_400).default(30) }),
  ]);
export type OnNodeLost = z.output<typeof OnNodeLost>;

/**
 * A pod that fences itself offline (`offline.stopAfterSeconds`) must stop before the hub starts its
 * replacement on another node (`onNodeLost.lostAfterSeconds` with policy `reschedule`).
 */
function checkOfflineFence(spec: { template: { offline?: { stopAfterSeconds: number } | undefined }; onNodeLost: OnNodeLost }, ctx: z.RefinementCtx): void {
  const stopAfter = spec.template.offline?.stopAfterSeconds;
  const { policy, lostAfterSeconds } = spec.onNodeLost;
  if (stopAfter === undefined || policy !== 'reschedule' || stopAfter < lostAfterSeconds) return;
  ctx.addIssue({
    code: 'custom',
    path: ['template', 'offline', 'stopAfterSeconds'],
    message: `must be less than spec.onNodeLost.lostAfterSeconds (${lostAfterSeconds}) so the pod stops before the hub starts a replacement`,
  });
}

const intOrPercent = z.union([z.number().int().nonnegative(), z.string().regex(/^\d{1,3}%$/, 'must be a whole number or a percentage like 25%')]);

const metadata = z.object({
  name: z.string().regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, 'must be a DNS label'),
  labels: Labels.default({}),
  uid: z.string().optional(),
  generation: z.number().int().nonnegative().optional(),
});

export const DeploymentSpec = z.strictObject({
  replicas: z.number().int().min(0).max(1000).default(1),
  template: PodTemplate,
  strategy: z
    .strictObject({
      type: z.enum(['RollingUpdate', 'Recreate']).default('RollingUpdate'),
      rollingUpdate: z.strictObject({ maxUnavailable: intOrPercent.default('25%'), maxSurge: intOrPercent.default('25%') }).default({ maxUnavailable: '25%', maxSurge: '25%' }),
    })
    .default({ type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } }),
  onNodeLost: OnNodeLost.default({ policy: 'reschedule', lostAfterSeconds: 30 }),
}).superRefine(checkOfflineFence);
export type DeploymentSpec = z.output<typeof DeploymentSpec>;

export const DeploymentObject = z.object({ apiVersion: z.literal(API_VERSION), kind: z.literal('Deployment'), metadata, spec: DeploymentSpec });
export type DeploymentObject = z.output<typeof DeploymentObject>;

export const DaemonSetSpec = z.strictObject({
  template: PodTemplate,
  /** Device-bound by nature: a DaemonSet's pod stays with its node. */
  onNodeLost: OnNodeLost.default({ policy: 'keep', lostAfterSeconds: 30 }),
}).superRefine(checkOfflineFence);
export type DaemonSetSpec = z.output<typeof DaemonSetSpec>;

export const DaemonSetObject = z.object({ apiVersion: z.literal(API_VERSION), kind: z.literal('DaemonSet'), metadata, spec: DaemonSetSpec });
export type DaemonSetObject = z.output<typeof DaemonSetObject>;

/** Resolves `25%` of `total` (rounded as Kubernetes does: up for surge, down for unavailable). */
export function resolveIntOrPercent(value: number | string, total: number, round: 'up' | 'down'): number {
  if (typeof value === 'number') return value;
  const percent = Number(value.slice(0, -1));
  const exact = (percent * total) / 100;
  return round === 'up' ? Math.ceil(exact) : Math.floor(exact);
}
