import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HOSTNAME_LABEL } from '../../../../../protocol/src/index.js';
import { nodeAffinityScorer } from '../../../../../hub/src/scheduler/scorers/node-affinity.js';
import { podAffinityScorer } from '../../../../../hub/src/scheduler/scorers/pod-affinity.js';
import { resourcesScorer } from '../../../../../hub/src/scheduler/scorers/resources.js';
import { taintsScorer } from '../../../../../hub/src/scheduler/scorers/taints.js';
import { topologySpreadScorer } from '../../../../../hub/src/scheduler/scorers/topology-spread.js';
import { Gi, node, placed, pod, runScorer, snapshot } from '../fixtures.js';

const alloc = { cpu: 1000, memory: Gi, pids: 100 };

test('resources scorer LeastAllocated averages the share of cpu and memory left after placing', () => {
  const s = snapshot([node('a', { allocatable: alloc }), node('b', { allocatable: alloc })], [placed(pod('old', { requests: { cpu: '500m', memory: '512Mi' } }), 'b')]);
  const scores = runScorer(resourcesScorer, pod('p', { requests: { cpu: '250m', memory: '256Mi' } }), s);
  assert.deepEqual(scores, { a: 75, b: 25 });
});

test('resources scorer MostAllocated scores the share used after placing', () => {
  const s = snapshot([node('a', { allocatable: alloc }), node('b', { allocatable: alloc })], [placed(pod('old', { requests: { cpu: '500m', memory: '512Mi' } }), 'b')]);
  const scores = runScorer(resourcesScorer, pod('p', { requests: { cpu: '250m', memory: '256Mi' } }), s, { resourceStrategy: 'MostAllocated', weights: {} });
  assert.deepEqual(scores, { a: 25, b: 75 });
});

test('resources scorer counts unrequested cpu and memory at the non-zero defaults', () => {
  // 100m of 1000m and 200Mi of 1Gi left after placing a best-effort pod on an empty node.
  const scores = runScorer(resourcesScorer, pod('p'), snapshot([node('a', { allocatable: alloc })]));
  assert.equal(scores?.a, (90 + (100 * (Gi - 200 * 2 ** 20)) / Gi) / 2);
});

test('resources scorer gives 0 for a resource the node has none of', () => {
  const scores = runScorer(resourcesScorer, pod('p', { requests: { cpu: '100m', memory: '1Mi' } }), snapshot([node('a', { allocatable: { cpu: 0, memory: 0, pids: 0 } })]));
  assert.deepEqual(scores, { a: 0 });
});

test('nodeAffinity scorer sums the weights of matching preferences, scaled to the best node', () => {
  const s = snapshot([node('a', { labels: { zone: 'z1', ssd: 'y' } }), node('b', { labels: { zone: 'z1' } }), node('c')]);
  const p = pod('p', {
    spec: {
      affinity: {
        nodeAffinity: {
          preferredDuringSchedulingIgnoredDuringExecution: [
            { weight: 30, preference: { matchExpressions: [{ key: 'zone', operator: 'In', values: ['z1'] }] } },
            { weight: 10, preference: { matchExpressions: [{ key: 'ssd', operator: 'Exists' }] } },
          ],
        },
      },
    },
  });
  assert.deepEqual(runScorer(nodeAffinityScorer, p, s), { a: 100, b: 75, c: 0 });
  assert.equal(runScorer(nodeAffinityScorer, pod('q'), s), undefined, 'no preferences: not scored');
});

test('podAffinity scorer adds affinity weights and subtracts anti-affinity weights of terms with matching pods in the domain', () => {
  const s = snapshot([node('a', { labels: { site: 's1' } }), node('b', { labels: { site: 's1' } }), node('c', { labels: { site: 's2' } }), node('d', { labels: { site: 's3' } })], [
    placed(pod('db', { labels: { app: 'db' } }), 'a'),
    placed(pod('web-1', { labels: { app: 'web' } }), 'c'),
    placed(pod('web-0', { labels: { app: 'web' } }), 'b'),
  ]);
  const p = pod('web-2', {
    labels: { app: 'web' },
    spec: {
      affinity: {
        podAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 50, podAffinityTerm: { labelSelector: { matchLabels: { app: 'db' } }, topologyKey: 'site' } }] },
        podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 20, podAffinityTerm: { labelSelector: { matchLabels: { app: 'web' } }, topologyKey: 'site' } }] },
      },
    },
  });
  // Raw: s1 (a, b) 50 − 20 = 30; s2 (c) −20; s3 (d) 0 → min–max over [−20, 30].
  assert.deepEqual(runScorer(podAffinityScorer, p, s), { a: 100, b: 100, c: 0, d: 40 });
});

test('topologySpread scorer prefers domains with fewer matching pods and gives 0 to nodes without the key', () => {
  const web = (name: string) => pod(name, { labels: { app: 'web' } });
  const s = snapshot([node('a', { labels: { zone: 'z1' } }), node('b', { labels: { zone: 'z2' } }), node('c', { labels: { zone: 'z3' } }), node('d')], [
    placed(web('w1'), 'a'),
    placed(web('w2'), 'a'),
    placed(web('w3'), 'b'),
  ]);
  const p = pod('w4', {
    labels: { app: 'web' },
    spec: { topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'zone', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: { app: 'web' } } }] },
  });
  assert.deepEqual(runScorer(topologySpreadScorer, p, s), { a: 0, b: 50, c: 100, d: 0 });
});

test('topologySpread scorer gives 100 everywhere when every domain is even', () => {
  const p = pod('w', {
    labels: { app: 'web' },
    spec: { topologySpreadConstraints: [{ maxSkew: 1, topologyKey: HOSTNAME_LABEL, whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: { app: 'web' } } }] },
  });
  assert.deepEqual(runScorer(topologySpreadScorer, p, snapshot([node('a'), node('b')])), { a: 100, b: 100 });
});

test('taints scorer prefers nodes with fewer untolerated PreferNoSchedule taints', () => {
  const s = snapshot([
    node('a'),
    node('b', { taints: [{ key: 'slow', effect: 'PreferNoSchedule' }] }),
    node('c', { taints: [{ key: 'slow', effect: 'PreferNoSchedule' }, { key: 'hot', effect: 'PreferNoSchedule' }] }),
  ]);
  assert.deepEqual(runScorer(taintsScorer, pod('p'), s), { a: 100, b: 50, c: 0 });
  const tolerant = pod('p', { spec: { tolerations: [{ key: 'slow', operator: 'Exists' }] } });
  assert.deepEqual(runScorer(taintsScorer, tolerant, s), { a: 100, b: 100, c: 0 });
  const wrongEffect = pod('p', { spec: { tolerations: [{ key: 'slow', operator: 'Exists', effect: 'NoSchedule' }] } });
  assert.deepEqual(runScorer(taintsScorer, wrongEffect, s), { a: 100, b: 50, c: 0 });
});
