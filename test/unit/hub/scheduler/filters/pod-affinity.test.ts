import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HOSTNAME_LABEL } from '../../../../../protocol/src/index.js';
import { podAffinity, podAntiAffinity } from '../../../../../hub/src/scheduler/filters/pod-affinity.js';
import { antiAffinity, node, passing, placed, pod, runFilter, snapshot } from '../fixtures.js';

const affinity = (matchLabels: Record<string, string>, topologyKey: string) => ({
  affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels }, topologyKey }] } },
});

const sites = () => [node('a', { labels: { site: 'berlin' } }), node('b', { labels: { site: 'berlin' } }), node('c', { labels: { site: 'paris' } }), node('d')];

test('PodAffinity admits nodes in the domain of a matching pod and rejects the others', () => {
  const s = snapshot(sites(), [placed(pod('db-1', { labels: { app: 'db' } }), 'a')]);
  const r = runFilter(podAffinity, pod('web', { labels: { app: 'web' }, spec: affinity({ app: 'db' }, 'site') }), s);
  assert.deepEqual(passing(r), ['a', 'b']);
  assert.deepEqual(r.c, [{ filter: 'PodAffinity', topologyKey: 'site', selector: 'app=db', domain: 'paris' }]);
});

test('PodAffinity rejects a node without the topology label', () => {
  const s = snapshot(sites(), [placed(pod('db-1', { labels: { app: 'db' } }), 'a')]);
  const r = runFilter(podAffinity, pod('web', { spec: affinity({ app: 'db' }, 'site') }), s);
  assert.deepEqual(r.d, [{ filter: 'PodAffinity', topologyKey: 'site', selector: 'app=db', missingLabel: true }]);
});

test('PodAffinity lets the first pod of a self-affine group go to any labelled node', () => {
  const s = snapshot(sites(), [placed(pod('other', { labels: { app: 'other' } }), 'a')]);
  const self = runFilter(podAffinity, pod('cache-1', { labels: { app: 'cache' }, spec: affinity({ app: 'cache' }, 'site') }), s);
  assert.deepEqual(passing(self), ['a', 'b', 'c'], 'no cache pod anywhere and it matches itself');
  const notSelf = runFilter(podAffinity, pod('web', { labels: { app: 'web' }, spec: affinity({ app: 'cache' }, 'site') }), s);
  assert.deepEqual(passing(notSelf), [], 'no cache pod anywhere, and it is not one');
});

test('PodAffinity does not count matching pods on nodes without the topology label', () => {
  const s = snapshot(sites(), [placed(pod('db-1', { labels: { app: 'db' } }), 'd')]);
  assert.deepEqual(passing(runFilter(podAffinity, pod('web', { spec: affinity({ app: 'db' }, 'site') }), s)), []);
});

test('PodAntiAffinity rejects the domain of a matching pod and names it', () => {
  const s = snapshot(sites(), [placed(pod('web-1', { labels: { app: 'web' } }), 'b')]);
  const r = runFilter(podAntiAffinity, pod('web-2', { labels: { app: 'web' }, spec: antiAffinity('app', 'web', 'site') }), s);
  assert.deepEqual(passing(r), ['c', 'd'], 'a node without the label is in no domain');
  assert.deepEqual(r.a, [{ filter: 'PodAntiAffinity', topologyKey: 'site', selector: 'app=web', conflictingPod: 'web-1', domain: 'berlin' }]);
});

test('PodAntiAffinity names the earliest conflicting pod of the domain', () => {
  const s = snapshot(sites(), [placed(pod('web-1', { labels: { app: 'web' } }), 'b'), placed(pod('web-0', { labels: { app: 'web' } }), 'a')]);
  const r = runFilter(podAntiAffinity, pod('web-2', { labels: { app: 'web' }, spec: antiAffinity('app', 'web', 'site') }), s);
  assert.equal(r.a?.[0]?.filter === 'PodAntiAffinity' && r.a[0].conflictingPod, 'web-1');
});

test('PodAntiAffinity is symmetric: a placed pod keeps matching pods out of its domain', () => {
  const loner = pod('loner', { labels: { app: 'loner' }, spec: antiAffinity('app', 'web') });
  const s = snapshot([node('a'), node('b')], [placed(loner, 'a')]);
  const r = runFilter(podAntiAffinity, pod('web-1', { labels: { app: 'web' } }), s);
  assert.deepEqual(r.a, [{ filter: 'PodAntiAffinity', topologyKey: HOSTNAME_LABEL, selector: 'app=web', conflictingPod: 'loner', domain: 'a', symmetric: true }]);
  assert.deepEqual(r.b, []);
  assert.deepEqual(passing(runFilter(podAntiAffinity, pod('db', { labels: { app: 'db' } }), s)), ['a', 'b'], 'a pod the rule does not match');
});

test('PodAntiAffinity with hostname keeps one pod of a group per node', () => {
  const group = (n: number) => pod(`web-${n}`, { labels: { app: 'web' }, spec: antiAffinity('app', 'web') });
  const s = snapshot([node('a'), node('b'), node('c')], [placed(group(1), 'a'), placed(group(2), 'c')]);
  assert.deepEqual(passing(runFilter(podAntiAffinity, group(3), s)), ['b']);
});

test('PodAntiAffinity does not apply to a pod without rules when no placed pod has any', () => {
  const s = snapshot([node('a')], [placed(pod('web-1', { labels: { app: 'web' } }), 'a')]);
  assert.deepEqual(passing(runFilter(podAntiAffinity, pod('web-2', { labels: { app: 'web' } }), s)), ['a']);
});
