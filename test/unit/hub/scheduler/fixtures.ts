import { HOSTNAME_LABEL, PodSpec, type PodSpecInput } from '../../../../protocol/src/index.js';
import type { FilterPlugin, ScorerPlugin } from '../../../../hub/src/scheduler/plugin.js';
import { preparePod } from '../../../../hub/src/scheduler/prepared-pod.js';
import { podRequests } from '../../../../hub/src/scheduler/requests.js';
import { SnapshotIndex } from '../../../../hub/src/scheduler/snapshot-index.js';
import { defaultSchedulerConfig } from '../../../../hub/src/scheduler/config.js';
import type { PlacedPod, PodToSchedule, Rejection, SchedulerConfig, SchedulerNode, Snapshot } from '../../../../hub/src/scheduler/types.js';

export const Mi = 2 ** 20;
export const Gi = 2 ** 30;

/** A Ready arm64 node with 1 cpu, 1Gi and 1000 pids, labelled with its hostname. */
export function node(name: string, overrides: Partial<SchedulerNode> = {}): SchedulerNode {
  const { labels, ...rest } = overrides;
  return {
    name,
    labels: { [HOSTNAME_LABEL]: name, ...labels },
    ready: true,
    unschedulable: false,
    taints: [],
    allocatable: { cpu: 1000, memory: Gi, pids: 1000 },
    architecture: 'arm64',
    ...rest,
  };
}

export interface PodOptions {
  labels?: Record<string, string>;
  /** Manifest-form requests of the one container (`{cpu: '250m', memory: '64Mi'}`). */
  requests?: Record<string, string | number>;
  limits?: Record<string, string | number>;
  /** Placement fields in manifest form, validated by the protocol's PodSpec schema. */
  spec?: Partial<PodSpecInput>;
  imagePlatforms?: PodToSchedule['imagePlatforms'];
}

/** A pod to schedule whose spec went through the PodSpec schema (defaults filled, quantities parsed). */
export function pod(name: string, options: PodOptions = {}): PodToSchedule {
  const spec = PodSpec.parse({
    containers: [{ name: 'app', image: 'busybox:1.36', resources: { requests: options.requests ?? {}, limits: options.limits ?? {} } }],
    ...options.spec,
  });
  return {
    name,
    labels: options.labels ?? {},
    spec,
    ...(options.imagePlatforms === undefined ? {} : { imagePlatforms: options.imagePlatforms }),
  };
}

/** `p` as already placed on `nodeName`. */
export function placed(p: PodToSchedule, nodeName: string): PlacedPod {
  return { name: p.name, nodeName, labels: p.labels, requests: podRequests(p.spec), ...(p.spec.affinity === undefined ? {} : { affinity: p.spec.affinity }) };
}

export function snapshot(nodes: SchedulerNode[], pods: PlacedPod[] = []): Snapshot {
  return { nodes, pods };
}

/** Hostname anti-affinity to pods with the same `key=value`. */
export function antiAffinity(key: string, value: string, topologyKey = HOSTNAME_LABEL): Partial<PodSpecInput> {
  return { affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { [key]: value } }, topologyKey }] } } };
}

/**
 * One filter on its own: each node's rejections (empty when it passes), by node
 * name. Also checks that the filter's batch form, when it has one, keeps exactly
 * the nodes the per-node form passes.
 */
export function runFilter(plugin: FilterPlugin, p: PodToSchedule, s: Snapshot): Record<string, Rejection[]> {
  const index = SnapshotIndex.of(s);
  const prepared = preparePod(p);
  const ctx = plugin.prepare(prepared, index);
  const out: Record<string, Rejection[]> = {};
  for (const n of index.nodes) {
    const r = ctx === undefined ? undefined : plugin.filter(prepared, n, ctx);
    out[n.name] = r === undefined ? [] : Array.isArray(r) ? [...(r as Rejection[])] : [r as Rejection];
  }
  if (ctx !== undefined && plugin.filterMany !== undefined) {
    const nodes = Int32Array.from(index.nodes, (n) => n.i);
    const kept = plugin.filterMany(prepared, ctx, nodes, nodes.length);
    const batch = [...nodes.subarray(0, kept)].map((i) => index.nodes[i]?.name);
    const single = index.nodes.filter((n) => out[n.name]?.length === 0).map((n) => n.name);
    if (JSON.stringify(batch) !== JSON.stringify(single)) throw new Error(`${plugin.name}: filterMany kept ${batch} but filter passes ${single}`);
  }
  return out;
}

/** Names of the nodes a filter passes. */
export function passing(results: Record<string, Rejection[]>): string[] {
  return Object.entries(results)
    .filter(([, r]) => r.length === 0)
    .map(([name]) => name);
}

/** One scorer on its own over every node of the snapshot: normalized scores by node name, or undefined when it does not apply. */
export function runScorer(plugin: ScorerPlugin, p: PodToSchedule, s: Snapshot, config: SchedulerConfig = defaultSchedulerConfig): Record<string, number> | undefined {
  const index = SnapshotIndex.of(s);
  const prepared = preparePod(p);
  const ctx = plugin.prepare(prepared, index, config);
  if (ctx === undefined) return undefined;
  const raw = Float64Array.from(index.nodes, (n) => plugin.score(prepared, n, ctx));
  if (plugin.scoreMany !== undefined) {
    const batch = new Float64Array(raw.length);
    plugin.scoreMany(prepared, ctx, Int32Array.from(index.nodes, (n) => n.i), batch);
    if (batch.some((v, k) => v !== raw[k])) throw new Error(`${plugin.name}: scoreMany differs from score`);
  }
  plugin.normalize(raw, ctx);
  return Object.fromEntries(index.nodes.map((n) => [n.name, raw[n.i] as number]));
}
