import { formatCpu, formatMemory } from '../../../protocol/src/index.js';
import type { Decision, NodeTaint, NodeVerdict, Rejection } from './types.js';

function quantity(resource: 'cpu' | 'memory' | 'pids', value: number): string {
  return resource === 'cpu' ? formatCpu(value) : resource === 'memory' ? formatMemory(value) : String(value);
}

function taintText(t: NodeTaint): string {
  return `${t.key}${t.value === undefined ? '' : `=${t.value}`}:${t.effect}`;
}

/** One rejection in words (the data stays in the decision). */
export function rejectionText(r: Rejection): string {
  switch (r.filter) {
    case 'NodeReady':
      return 'NodeReady: node is NotReady';
    case 'NodeUnschedulable':
      return 'NodeUnschedulable: node is cordoned';
    case 'NodeResourcesFit':
      return `Insufficient ${r.resource}: requested ${quantity(r.resource, r.requested)}, used ${quantity(r.resource, r.used)} of ${quantity(r.resource, r.capacity)}`;
    case 'NodeSelector':
      return `NodeSelector: wants ${r.key}=${r.wanted}, node has ${r.actual === undefined ? `no label ${r.key}` : `${r.key}=${r.actual}`}`;
    case 'NodeAffinity':
      return `NodeAffinity: term ${r.term} needs ${r.requirement}`;
    case 'ImagePlatform':
      return `ImagePlatform: node is ${r.architecture}, image offers ${r.offered.join(', ')}`;
    case 'TaintToleration':
      return `TaintToleration: taint ${taintText(r.taint)} not tolerated`;
    case 'PodAffinity':
      return r.missingLabel ? `PodAffinity: node has no label ${r.topologyKey}` : `PodAffinity: no pod with ${r.selector} in ${r.topologyKey}=${r.domain ?? '?'}`;
    case 'PodAntiAffinity':
      return r.symmetric
        ? `PodAntiAffinity: pod ${r.conflictingPod} in ${r.topologyKey}=${r.domain ?? '?'} keeps away pods with ${r.selector}`
        : `PodAntiAffinity: pod ${r.conflictingPod} with ${r.selector} already in ${r.topologyKey}=${r.domain ?? '?'}`;
    case 'PodTopologySpread':
      return r.missingLabel
        ? `PodTopologySpread: node has no label ${r.topologyKey}`
        : `PodTopologySpread: skew ${r.skew} in ${r.topologyKey}=${r.domain ?? '?'} exceeds maxSkew ${r.maxSkew}`;
  }
}

const byTotal = (a: NodeVerdict, b: NodeVerdict): number =>
  (b.score?.total ?? 0) - (a.score?.total ?? 0) || (a.node < b.node ? -1 : a.node > b.node ? 1 : 0);

/**
 * A decision as `corral explain pod NAME` prints it: a summary, the nodes that fit
 * best first (`pi-1: score 274 (resources 74, nodeAffinity 100) (chosen)`), then
 * each rejection (`pi-2: rejected: Insufficient memory: requested 64Mi, used 96Mi of 128Mi`).
 */
export function explainDecision(decision: Decision): string[] {
  const verdicts = decision.verdicts;
  const fitting = verdicts.filter((v) => v.rejections.length === 0).sort(byTotal);
  const rejected = verdicts.filter((v) => v.rejections.length > 0).sort((a, b) => (a.node < b.node ? -1 : a.node > b.node ? 1 : 0));
  const counts = new Map<string, number>();
  for (const v of rejected) for (const f of new Set(v.rejections.map((r) => r.filter))) counts.set(f, (counts.get(f) ?? 0) + 1);
  const why = [...counts]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([f, n]) => `${n} ${f}`).join(', ');
  const lines = [
    decision.node === undefined
      ? `pod ${decision.pod}: no node fits (0 of ${verdicts.length} nodes${why ? `; rejected by ${why}` : ''})`
      : `pod ${decision.pod}: scheduled on ${decision.node} (${fitting.length} of ${verdicts.length} nodes fit${why ? `; rejected by ${why}` : ''})`,
  ];
  for (const v of fitting) {
    const scores = Object.entries(v.score?.scores ?? {}).map(([name, s]) => `${name} ${Math.round(s)}`);
    const total = `score ${Math.round(v.score?.total ?? 0)}${scores.length > 0 ? ` (${scores.join(', ')})` : ''}`;
    lines.push(`${v.node}: ${total}${v.node === decision.node ? ' (chosen)' : ''}`);
  }
  for (const v of rejected) for (const r of v.rejections) lines.push(`${v.node}: rejected: ${rejectionText(r)}`);
  return lines;
}
