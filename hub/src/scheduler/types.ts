import type { Affinity, PodSpec, ResourceList, Toleration, TopologySpreadConstraint } from '../../../protocol/src/index.js';

/**
 * The scheduler's world: an immutable snapshot of nodes and the pods already
 * placed. The scheduler only reads it and returns decisions; one writer commits.
 */
export interface NodeTaint {
  key: string;
  value?: string;
  effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
}

export interface SchedulerNode {
  name: string;
  /** Node labels, including `corral.io/hostname` = name. */
  labels: Readonly<Record<string, string>>;
  ready: boolean;
  unschedulable: boolean;
  taints: readonly NodeTaint[];
  allocatable: ResourceList;
  /** GOARCH architecture and ARM variant, for the image platform filter. */
  architecture: string;
  variant?: string;
}

/** Resource requests of a pod: the sum over its containers (requests, else limits), cpu millicores, memory bytes. */
export interface PodRequests {
  cpu: number;
  memory: number;
  pids: number;
}

/** A pod already placed (or being placed) as the scheduler needs to see it. */
export interface PlacedPod {
  name: string;
  nodeName: string;
  labels: Readonly<Record<string, string>>;
  requests: PodRequests;
  /** Its own anti-affinity, which binds new pods too (symmetry, as in Kubernetes). */
  affinity?: Affinity;
}

export interface Snapshot {
  nodes: readonly SchedulerNode[];
  pods: readonly PlacedPod[];
}

/** A pod to place. */
export interface PodToSchedule {
  name: string;
  labels: Readonly<Record<string, string>>;
  spec: Pick<PodSpec, 'containers' | 'nodeSelector' | 'affinity' | 'tolerations' | 'topologySpreadConstraints'>;
  /** Platforms its images offer (GOARCH architecture and optional variant); undefined when unknown (any node). */
  imagePlatforms?: ReadonlyArray<{ architecture: string; variant?: string }>;
}

/** Why a node was rejected — data, not a string (STYLE.md §4). */
export type Rejection =
  | { filter: 'NodeReady'; phase: 'NotReady' }
  | { filter: 'NodeUnschedulable' }
  | { filter: 'NodeResourcesFit'; resource: 'cpu' | 'memory' | 'pids'; requested: number; used: number; capacity: number }
  | { filter: 'NodeSelector'; key: string; wanted: string; actual: string | undefined }
  | { filter: 'NodeAffinity'; term: number; requirement: string }
  | { filter: 'ImagePlatform'; architecture: string; offered: string[] }
  | { filter: 'TaintToleration'; taint: NodeTaint }
  | {
      filter: 'PodAffinity';
      topologyKey: string;
      selector: string;
      /** The node's value of `topologyKey`, the domain searched (absent with `missingLabel`). */
      domain?: string;
      /** The node has no `topologyKey` label, so it is in no domain. */
      missingLabel?: true;
    }
  | {
      filter: 'PodAntiAffinity';
      topologyKey: string;
      selector: string;
      conflictingPod: string;
      /** The node's value of `topologyKey`, the domain `conflictingPod` is in. */
      domain?: string;
      /** The rule is `conflictingPod`'s own anti-affinity, which the new pod matches (symmetry). */
      symmetric?: true;
    }
  | {
      filter: 'PodTopologySpread';
      topologyKey: string;
      /** Skew the placement would create; 0 with `missingLabel`. */
      skew: number;
      maxSkew: number;
      domain?: string;
      /** The node has no `topologyKey` label (Kubernetes rejects such nodes). */
      missingLabel?: true;
    };

/** The scorers, by the names `SchedulerConfig.weights` uses. */
export type ScorerName = 'resources' | 'nodeAffinity' | 'podAffinity' | 'topologySpread' | 'taints';

export interface NodeScore {
  /** Each scorer's normalized score (0–100) before weighting. */
  scores: Readonly<Record<string, number>>;
  /** Weighted sum. */
  total: number;
}

export interface NodeVerdict {
  node: string;
  rejections: Rejection[];
  score?: NodeScore;
}

/** A placement decision with every node's reasons; `node` is undefined when no node fits (an expected outcome). */
export interface Decision {
  pod: string;
  node: string | undefined;
  verdicts: NodeVerdict[];
}

export interface SchedulerConfig {
  /** `LeastAllocated` spreads load; `MostAllocated` bin-packs to leave whole devices free. */
  resourceStrategy: 'LeastAllocated' | 'MostAllocated';
  /** Weight of each scorer in the total (names: resources, nodeAffinity, podAffinity, topologySpread, taints). */
  weights: Readonly<Record<string, number>>;
}

export type TopologySpread = TopologySpreadConstraint;
export type TolerationList = readonly Toleration[];
