import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HOSTNAME_LABEL, PodTemplate } from '../../../../protocol/src/index.js';
import { type DaemonSetRecord, type LabelledNode, type OwnedPod, eligibleNodes, nodeMatchesTemplate, planDaemonSet as planDaemonSetOf } from '../../../../hub/src/workloads/index.js';
import { daemonSet, owned, template } from './fixtures.js';

const planDaemonSet = (ds: DaemonSetRecord, nodes: LabelledNode[], pods: OwnedPod[], hash: string) => planDaemonSetOf(ds, { nodes, pods, hash });
const node = (name: string, labels: Record<string, string> = {}, taints: LabelledNode['taints'] = []): LabelledNode => ({ name, labels: { ...labels, [HOSTNAME_LABEL]: name }, taints });
const placement = (extra: Record<string, unknown>) => PodTemplate.parse(template({ app: 'x' }, extra));

test('nodeMatchesTemplate applies the nodeSelector, the required node affinity terms (OR of ANDs) and NoSchedule taints', () => {
  const pi = node('pi-1', { site: 'lab', gpu: '2' });
  assert.equal(nodeMatchesTemplate(pi, placement({})), true);
  assert.equal(nodeMatchesTemplate(pi, placement({ nodeSelector: { site: 'lab' } })), true);
  assert.equal(nodeMatchesTemplate(pi, placement({ nodeSelector: { site: 'barn' } })), false);
  const affinity = (terms: unknown[]) => placement({ affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms } } } });
  assert.equal(nodeMatchesTemplate(pi, affinity([{ matchExpressions: [{ key: 'site', operator: 'In', values: ['barn'] }] }, { matchExpressions: [{ key: 'gpu', operator: 'Gt', values: ['1'] }] }])), true);
  assert.equal(nodeMatchesTemplate(pi, affinity([{ matchExpressions: [{ key: 'gpu', operator: 'Lt', values: ['2'] }] }])), false);
  assert.equal(nodeMatchesTemplate(pi, affinity([{ matchExpressions: [{ key: 'site', operator: 'NotIn', values: ['lab'] }] }])), false);
  assert.equal(nodeMatchesTemplate(pi, affinity([{ matchExpressions: [{ key: 'camera', operator: 'DoesNotExist' }, { key: 'site', operator: 'Exists' }] }])), true);
  assert.equal(nodeMatchesTemplate(pi, affinity([{ matchExpressions: [{ key: HOSTNAME_LABEL, operator: 'In', values: ['pi-2'] }] }])), false);

  const tainted = node('pi-2', {}, [{ key: 'dedicated', value: 'cams', effect: 'NoSchedule' }]);
  assert.equal(nodeMatchesTemplate(tainted, placement({})), false);
  assert.equal(nodeMatchesTemplate(tainted, placement({ tolerations: [{ key: 'dedicated', value: 'cams' }] })), true);
  assert.equal(nodeMatchesTemplate(tainted, placement({ tolerations: [{ key: 'dedicated', value: 'other' }] })), false);
  assert.equal(nodeMatchesTemplate(tainted, placement({ tolerations: [{ operator: 'Exists' }] })), true);
  assert.equal(nodeMatchesTemplate(tainted, placement({ tolerations: [{ key: 'dedicated', operator: 'Exists', effect: 'NoExecute' }] })), false);
  assert.equal(nodeMatchesTemplate(node('pi-3', {}, [{ key: 'slow', effect: 'PreferNoSchedule' }]), placement({})), true);
});

test('planDaemonSet creates one pod bound to each eligible node that has none', () => {
  const ds = daemonSet('metrics', { template: template({ app: 'metrics' }, { nodeSelector: { site: 'lab' } }) });
  const nodes = [node('n1', { site: 'lab' }), node('n2', { site: 'lab' }), node('n3', { site: 'barn' })];
  assert.deepEqual(eligibleNodes(ds, nodes), ['n1', 'n2']);
  assert.deepEqual(planDaemonSet(ds, nodes, [owned('metrics-a', { nodeName: 'n1' })], 'h1'), [{ type: 'createPod', kind: 'DaemonSet', workload: 'metrics', hash: 'h1', nodeName: 'n2' }]);
});

test('planDaemonSet deletes the pod of a node that left or no longer matches, and duplicates on one node', () => {
  const ds = daemonSet('metrics', { template: template({ app: 'metrics' }, { nodeSelector: { site: 'lab' } }) });
  const nodes = [node('n1', { site: 'lab' }), node('n3', { site: 'barn' })];
  const pods = [owned('metrics-a', { nodeName: 'n1', createdAt: 2 }), owned('metrics-b', { nodeName: 'n1', createdAt: 1, hash: 'h0' }), owned('metrics-c', { nodeName: 'n3' }), owned('metrics-d', { nodeName: 'gone' })];
  const steps = planDaemonSet(ds, nodes, pods, 'h1');
  assert.deepEqual(
    steps.map((s) => (s.type === 'deletePod' ? `${s.pod}:${s.reason}` : s.type)),
    ['metrics-c:NodeNotEligible', 'metrics-d:NodeNotEligible', 'metrics-b:Duplicate'],
  );
});

test('planDaemonSet replaces old-template pods: not-ready ones at once, ready ones one node at a time', () => {
  const ds = daemonSet('metrics');
  const nodes = [node('n1'), node('n2'), node('n3')];
  const ready = [owned('m-1', { nodeName: 'n1', hash: 'h0' }), owned('m-2', { nodeName: 'n2', hash: 'h0' }), owned('m-3', { nodeName: 'n3', hash: 'h0', ready: false })];
  const steps = planDaemonSet(ds, nodes, ready, 'h1');
  const summary = steps.map((s) => (s.type === 'deletePod' ? `delete ${s.pod}` : `create on ${s.nodeName}`));
  // n3's pod was not available anyway, which uses the budget of one: no ready pod is touched yet.
  assert.deepEqual(summary, ['delete m-3', 'create on n3']);
  // Once n3's new pod is ready, one ready old pod is replaced.
  const next = planDaemonSet(ds, nodes, [ready[0]!, ready[1]!, owned('m-3b', { nodeName: 'n3', hash: 'h1' })], 'h1');
  assert.deepEqual(next.map((s) => (s.type === 'deletePod' ? `delete ${s.pod}` : `create on ${s.nodeName}`)), ['delete m-1', 'create on n1']);
});
