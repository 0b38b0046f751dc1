import { z } from 'zod';
import { Labels } from '../labels.js';

/** Placement fields of a pod spec (DESIGN.md §2), shaped like Kubernetes' so its users feel at home. */

const labelKey = z.string().min(1).max(317);

export const NodeSelectorRequirement = z
  .strictObject({
    key: labelKey,
    operator: z.enum(['In', 'NotIn', 'Exists', 'DoesNotExist', 'Gt', 'Lt']),
    values: z.array(z.string().max(63)).default([]),
  })
  .superRefine((r, ctx) => {
    const n = r.values.length;
    if ((r.operator === 'In' || r.operator === 'NotIn') && n === 0) ctx.addIssue({ code: 'custom', path: ['values'], message: `${r.operator} needs at least one value` });
    if ((r.operator === 'Exists' || r.operator === 'DoesNotExist') && n > 0) ctx.addIssue({ code: 'custom', path: ['values'], message: `${r.operator} takes no values` });
    if ((r.operator === 'Gt' || r.operator === 'Lt') && (n !== 1 || !/^-?\d+$/.test(r.values[0] ?? ''))) {
      ctx.addIssue({ code: 'custom', path: ['values'], message: `${r.operator} needs exactly one integer value` });
    }
  });
export type NodeSelectorRequirement = z.output<typeof NodeSelectorRequirement>;

/** The requirements of one term must all hold (AND); terms are alternatives (OR). */
export const NodeSelectorTerm = z.strictObject({ matchExpressions: z.array(NodeSelectorRequirement).default([]) });
export type NodeSelectorTerm = z.output<typeof NodeSelectorTerm>;

const weight = z.number().int().min(1).max(100);

export const NodeAffinity = z.strictObject({
  requiredDuringSchedulingIgnoredDuringExecution: z.strictObject({ nodeSelectorTerms: z.array(NodeSelectorTerm).min(1) }).optional(),
  preferredDuringSchedulingIgnoredDuringExecution: z.array(z.strictObject({ weight, preference: NodeSelectorTerm })).default([]),
});

export const LabelSelector = z.strictObject({
  matchLabels: Labels.default({}),
  matchExpressions: z
    .array(
      z
        .strictObject({ key: labelKey, operator: z.enum(['In', 'NotIn', 'Exists', 'DoesNotExist']), values: z.array(z.string().max(63)).default([]) })
        .refine((r) => (r.operator === 'In' || r.operator === 'NotIn' ? r.values.length > 0 : r.values.length === 0), 'In/NotIn need values; Exists/DoesNotExist take none'),
    )
    .default([]),
});
export type LabelSelector = z.output<typeof LabelSelector>;

/** Pods matching `labelSelector`, counted per value of the node label `topologyKey` (`corral.io/hostname`, `site`, …). */
export const PodAffinityTerm = z.strictObject({ labelSelector: LabelSelector, topologyKey: labelKey });
export type PodAffinityTerm = z.output<typeof PodAffinityTerm>;

const PodAffinityRules = z.strictObject({
  requiredDuringSchedulingIgnoredDuringExecution: z.array(PodAffinityTerm).default([]),
  preferredDuringSchedulingIgnoredDuringExecution: z.array(z.strictObject({ weight, podAffinityTerm: PodAffinityTerm })).default([]),
});

export const Affinity = z.strictObject({
  nodeAffinity: NodeAffinity.optional(),
  podAffinity: PodAffinityRules.optional(),
  podAntiAffinity: PodAffinityRules.optional(),
});
export type Affinity = z.output<typeof Affinity>;

export const TaintEffect = z.enum(['NoSchedule', 'PreferNoSchedule', 'NoExecute']);

export const Toleration = z
  .strictObject({
    key: labelKey.optional(),
    operator: z.enum(['Equal', 'Exists']).default('Equal'),
    value: z.string().max(63).optional(),
    effect: TaintEffect.optional(),
    tolerationSeconds: z.number().int().nonnegative().optional(),
  })
  .refine((t) => t.operator === 'Equal' || t.value === undefined, 'operator Exists takes no value')
  .refine((t) => t.key !== undefined || t.operator === 'Exists', 'an empty key needs operator Exists');
export type Toleration = z.output<typeof Toleration>;

export const TopologySpreadConstraint = z.strictObject({
  maxSkew: z.number().int().min(1),
  topologyKey: labelKey,
  whenUnsatisfiable: z.enum(['DoNotSchedule', 'ScheduleAnyway']).default('DoNotSchedule'),
  labelSelector: LabelSelector,
});
export type TopologySpreadConstraint = z.output<typeof TopologySpreadConstraint>;

/** The node label every node has: its name. */
export const HOSTNAME_LABEL = 'corral.io/hostname';

/** Fields added to a pod spec for placement. */
export const placementFields = {
  nodeSelector: Labels.default({}),
  affinity: Affinity.optional(),
  tolerations: z.array(Toleration).default([]),
  topologySpreadConstraints: z.array(TopologySpreadConstraint).default([]),
};
