import type { PodAffinityTerm, Toleration } from '../../../protocol/src/index.js';
import { podRequests, type ScoringRequests, scoringRequests } from './requests.js';
import { type CompiledSelector, type CompiledTerm, compileLabelSelector, compileTerm, type LabelSet } from './selectors.js';
import type { PodRequests, PodToSchedule } from './types.js';

/** A pod affinity term compiled: whose pods, counted per value of which node label. */
export interface CompiledPodTerm {
  readonly selector: CompiledSelector;
  readonly topologyKey: string;
  /** Whether the pod being placed matches its own term (pod affinity's first-pod case, spread's self count). */
  readonly selfMatch: boolean;
}

export interface WeightedPodTerm extends CompiledPodTerm {
  readonly weight: number;
}

export interface CompiledSpread extends CompiledPodTerm {
  readonly maxSkew: number;
}

/**
 * A pod to schedule with its placement rules compiled, once per decision: selectors
 * parsed, requests summed. Filters and scorers read only this and the index.
 */
export interface PreparedPod {
  readonly source: PodToSchedule;
  readonly name: string;
  readonly labels: LabelSet;
  readonly requests: PodRequests;
  readonly scoringRequests: ScoringRequests;
  readonly nodeSelector: ReadonlyArray<readonly [string, string]>;
  /** Terms ORed; undefined when the pod has no required node affinity. */
  readonly requiredNodeAffinity: readonly CompiledTerm[] | undefined;
  readonly preferredNodeAffinity: ReadonlyArray<{ readonly weight: number; readonly term: CompiledTerm }>;
  readonly imagePlatforms: PodToSchedule['imagePlatforms'];
  readonly tolerations: readonly Toleration[];
  readonly podAffinity: readonly CompiledPodTerm[];
  readonly podAntiAffinity: readonly CompiledPodTerm[];
  readonly preferredPodAffinity: readonly WeightedPodTerm[];
  readonly preferredPodAntiAffinity: readonly WeightedPodTerm[];
  /** Topology spread constraints with `DoNotSchedule` (filter) and `ScheduleAnyway` (scorer). */
  readonly hardSpread: readonly CompiledSpread[];
  readonly softSpread: readonly CompiledSpread[];
}

function podTerm(term: PodAffinityTerm, labels: LabelSet): CompiledPodTerm {
  const selector = compileLabelSelector(term.labelSelector);
  return { selector, topologyKey: term.topologyKey, selfMatch: selector.matches(labels) };
}

export function preparePod(pod: PodToSchedule): PreparedPod {
  const { spec, labels } = pod;
  const affinity = spec.affinity;
  const requests = podRequests(spec);
  const required = affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  const weighted = (rules: { podAffinityTerm: PodAffinityTerm; weight: number }[] | undefined): WeightedPodTerm[] =>
    (rules ?? []).map((r) => ({ ...podTerm(r.podAffinityTerm, labels), weight: r.weight }));
  const spreads = (spec.topologySpreadConstraints ?? []).map((c) => ({
    ...podTerm({ labelSelector: c.labelSelector, topologyKey: c.topologyKey }, labels),
    maxSkew: c.maxSkew,
    hard: (c.whenUnsatisfiable ?? 'DoNotSchedule') === 'DoNotSchedule',
  }));
  return {
    source: pod,
    name: pod.name,
    labels,
    requests,
    scoringRequests: scoringRequests(requests),
    nodeSelector: Object.entries(spec.nodeSelector ?? {}),
    requiredNodeAffinity: required?.map(compileTerm),
    preferredNodeAffinity: (affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []).map((p) => ({ weight: p.weight, term: compileTerm(p.preference) })),
    imagePlatforms: pod.imagePlatforms,
    tolerations: spec.tolerations ?? [],
    podAffinity: (affinity?.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []).map((t) => podTerm(t, labels)),
    podAntiAffinity: (affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []).map((t) => podTerm(t, labels)),
    preferredPodAffinity: weighted(affinity?.podAffinity?.preferredDuringSchedulingIgnoredDuringExecution),
    preferredPodAntiAffinity: weighted(affinity?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution),
    hardSpread: spreads.filter((s) => s.hard),
    softSpread: spreads.filter((s) => !s.hard),
  };
}
