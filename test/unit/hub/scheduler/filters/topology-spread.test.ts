import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HOSTNAME_LABEL } from '../../../../../protocol/src/index.js';
import { podTopologySpread } from '../../../../../hub/src/scheduler/filters/topology-spread.js';
import { node, passing, placed, pod, runFilter, snapshot } from '../fixtures.js';

const spread = (topologyKey: string, maxSkew = 1, extra: object = {}) => ({
  topologySpreadConstraints: [{ maxSkew, topologyKey, whenUnsatisfiable: 'DoNotSchedule' as const, labelSelector: { matchLabels: { app: 'web' } } }],
  ...extra,
});
const web = (name: string, spec: object = {}) => pod(name, { labels: { app: 'web' }, spec });
const zones = () => [node('a', { labels: { zone: 'z1' } }), node('b', { labels: { zone: 'z1' } }), node('c', { labels: { zone: 'z2' } }), node('d', { labels: { zone: 'z3' } })];

test('PodTopologySpread rejects a domain where placing would exceed maxSkew', () => {
  // z1: 2 pods, z2: 1, z3: 0 → min 0; placing in z1 gives skew 3, z2 gives 2, z3 gives 1.
  const s = snapshot(zones(), [placed(web('w1'), 'a'), placed(web('w2'), 'b'), placed(web('w3'), 'c')]);
  const r = runFilter(podTopologySpread, web('w4', spread('zone')), s);
  assert.deepEqual(passing(r), ['d']);
  assert.deepEqual(r.a, [{ filter: 'PodTopologySpread', topologyKey: 'zone', skew: 3, maxSkew: 1, domain: 'z1' }]);
  assert.deepEqual(r.c, [{ filter: 'PodTopologySpread', topologyKey: 'zone', skew: 2, maxSkew: 1, domain: 'z2' }]);
});

test('PodTopologySpread allows every domain while the skew stays within maxSkew', () => {
  const s = snapshot(zones(), [placed(web('w1'), 'a')]);
  assert.deepEqual(passing(runFilter(podTopologySpread, web('w2', spread('zone', 2)), s)), ['a', 'b', 'c', 'd']);
});

test('PodTopologySpread rejects a node without the topology key', () => {
  const r = runFilter(podTopologySpread, web('w1', spread('zone')), snapshot([...zones(), node('e')]));
  assert.deepEqual(r.e, [{ filter: 'PodTopologySpread', topologyKey: 'zone', skew: 0, maxSkew: 1, missingLabel: true }]);
});

test('PodTopologySpread counts only pods matching its selector', () => {
  const s = snapshot(zones(), [placed(pod('db', { labels: { app: 'db' } }), 'a'), placed(pod('db2', { labels: { app: 'db' } }), 'a')]);
  assert.deepEqual(passing(runFilter(podTopologySpread, web('w1', spread('zone')), s)), ['a', 'b', 'c', 'd']);
});

test('PodTopologySpread does not count itself when it does not match its own selector', () => {
  // z1 has 1 web pod, others 0: a non-matching pod adds nothing, so z1's skew is 1.
  const s = snapshot(zones(), [placed(web('w1'), 'a')]);
  assert.deepEqual(passing(runFilter(podTopologySpread, pod('other', { spec: spread('zone') }), s)), ['a', 'b', 'c', 'd']);
});

test('PodTopologySpread takes the minimum over domains of nodes the pod may use', () => {
  // The pod requires z1 or z2: z3 (0 pods) does not count for the minimum, so min is 1 (z2).
  const s = snapshot(zones(), [placed(web('w1'), 'a'), placed(web('w2'), 'c')]);
  const required = {
    affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In' as const, values: ['z1', 'z2'] }] }] } } },
  };
  assert.deepEqual(passing(runFilter(podTopologySpread, web('w3', spread('zone', 1, required)), s)), ['a', 'b', 'c', 'd']);
  assert.deepEqual(passing(runFilter(podTopologySpread, web('w3', spread('zone')), s)), ['d']);
});

test('PodTopologySpread over hostnames spreads one per node first', () => {
  const s = snapshot([node('a'), node('b'), node('c')], [placed(web('w1'), 'a'), placed(web('w2'), 'b')]);
  assert.deepEqual(passing(runFilter(podTopologySpread, web('w3', spread(HOSTNAME_LABEL)), s)), ['c']);
});
