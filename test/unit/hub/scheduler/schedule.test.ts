import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HOSTNAME_LABEL } from '../../../../protocol/src/index.js';
import { judge } from '../../../../hub/src/scheduler/evaluate.js';
import { defaultSchedulerConfig, schedule, scheduleAll, scheduleOnIndex, SnapshotIndex } from '../../../../hub/src/scheduler/index.js';
import { preparePod } from '../../../../hub/src/scheduler/prepared-pod.js';
import { antiAffinity, Gi, node, placed, pod, snapshot } from './fixtures.js';

const small = { cpu: 1000, memory: Gi, pids: 100 };

test('schedule picks the node with the highest weighted score', () => {
  const s = snapshot([node('a', { allocatable: small }), node('b', { allocatable: small })], [placed(pod('old', { requests: { cpu: '500m', memory: '512Mi' } }), 'a')]);
  const d = schedule(pod('p', { requests: { cpu: '100m', memory: '64Mi' } }), s, defaultSchedulerConfig);
  assert.equal(d.node, 'b');
  assert.equal(d.pod, 'p');
});

test('schedule breaks ties by node name whatever the order of the snapshot', () => {
  const d = schedule(pod('p'), snapshot([node('c'), node('a'), node('b')]));
  assert.equal(d.node, 'a');
  assert.deepEqual(
    d.verdicts.map((v) => v.node),
    ['a', 'b', 'c'],
  );
});

test('schedule gives every node a verdict: its rejections, or its scores', () => {
  const s = snapshot([node('a'), node('b', { ready: false }), node('c', { labels: { zone: 'z1' } })]);
  const d = schedule(pod('p', { requests: { cpu: '100m' } }), s);
  const byNode = Object.fromEntries(d.verdicts.map((v) => [v.node, v]));
  assert.deepEqual(byNode.b, { node: 'b', rejections: [{ filter: 'NodeReady', phase: 'NotReady' }] });
  assert.equal(byNode.a?.rejections.length, 0);
  assert.deepEqual(Object.keys(byNode.a?.score?.scores ?? {}), ['resources']);
  assert.equal(byNode.a?.score?.total, byNode.a?.score?.scores.resources);
});

test('schedule returns no node, with every rejection, when no node fits', () => {
  const s = snapshot([node('a', { allocatable: { cpu: 100, memory: Gi, pids: 10 } }), node('b', { unschedulable: true })]);
  const d = schedule(pod('p', { requests: { cpu: '200m' } }), s);
  assert.equal(d.node, undefined);
  assert.deepEqual(d.verdicts, [
    { node: 'a', rejections: [{ filter: 'NodeResourcesFit', resource: 'cpu', requested: 200, used: 0, capacity: 100 }] },
    { node: 'b', rejections: [{ filter: 'NodeUnschedulable' }] },
  ]);
});

test('schedule over an empty snapshot finds no node', () => {
  const d = schedule(pod('p'), snapshot([]));
  assert.equal(d.node, undefined);
  assert.deepEqual(d.verdicts, []);
});

test('schedule weighs scorers by the configured weights', () => {
  // a is emptier (resources prefer it); b matches the preference (nodeAffinity prefers it).
  const s = snapshot([node('a', { allocatable: { cpu: 4000, memory: 4 * Gi, pids: 100 } }), node('b', { labels: { ssd: 'y' } })]);
  const p = pod('p', {
    requests: { cpu: '500m', memory: '512Mi' },
    spec: { affinity: { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 1, preference: { matchExpressions: [{ key: 'ssd', operator: 'Exists' }] } }] } } },
  });
  assert.equal(schedule(p, s).node, 'b');
  assert.equal(schedule(p, s, { resourceStrategy: 'LeastAllocated', weights: { nodeAffinity: 0 } }).node, 'a');
  const d = schedule(p, s, { resourceStrategy: 'LeastAllocated', weights: { nodeAffinity: 0 } });
  assert.deepEqual(Object.keys(d.verdicts[0]?.score?.scores ?? {}), ['resources'], 'a weight of 0 leaves the scorer out');
});

test('schedule verdict totals are the weighted sums of the scores', () => {
  const s = snapshot([node('a', { labels: { ssd: 'y' } }), node('b')]);
  const p = pod('p', {
    spec: { affinity: { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 5, preference: { matchExpressions: [{ key: 'ssd', operator: 'Exists' }] } }] } } },
  });
  for (const v of schedule(p, s, { resourceStrategy: 'LeastAllocated', weights: { resources: 3, nodeAffinity: 2 } }).verdicts) {
    const { scores, total } = v.score ?? { scores: {}, total: NaN };
    assert.equal(total, 3 * (scores.resources ?? NaN) + 2 * (scores.nodeAffinity ?? NaN));
  }
});

test('scheduleAll places pods one after another, each seeing those placed before', () => {
  const web = (n: number) => pod(`web-${n}`, { labels: { app: 'web' }, spec: antiAffinity('app', 'web') });
  const s = snapshot([node('a'), node('b')]);
  const { decisions, snapshot: after } = scheduleAll([web(1), web(2), web(3)], s);
  assert.deepEqual(
    decisions.map((d) => d.node),
    ['a', 'b', undefined],
  );
  assert.deepEqual(
    after.pods.map((p) => [p.name, p.nodeName]),
    [
      ['web-1', 'a'],
      ['web-2', 'b'],
    ],
  );
  assert.equal(decisions[2]?.verdicts.every((v) => v.rejections.some((r) => r.filter === 'PodAntiAffinity')), true);
});

test('scheduleAll leaves the snapshot it is given untouched', () => {
  const s = snapshot([node('a')], [placed(pod('old'), 'a')]);
  const before = structuredClone(s);
  const { snapshot: after } = scheduleAll([pod('p1'), pod('p2')], s);
  assert.deepEqual(s, before);
  assert.equal(after.pods.length, 3);
  assert.equal(after.nodes, s.nodes);
});

test('scheduleAll decisions carry the verdicts of the state each pod was decided in', () => {
  const s = snapshot([node('a'), node('b')]);
  const pods = [1, 2, 3].map((n) => pod(`p${n}`, { labels: { app: 'x' }, requests: { cpu: '300m' }, spec: antiAffinity('app', 'x', 'zone') }));
  const { decisions } = scheduleAll(pods, s);
  let world = s;
  for (const [k, d] of decisions.entries()) {
    const alone = schedule(pods[k] as (typeof pods)[number], world);
    assert.deepEqual(JSON.parse(JSON.stringify(d)), JSON.parse(JSON.stringify(alone)), `decision ${k}`);
    if (d.node !== undefined) world = { nodes: world.nodes, pods: [...world.pods, placed(pods[k] as (typeof pods)[number], d.node)] };
  }
});

test('decision verdicts agree with the node chosen', () => {
  const s = snapshot([node('a', { labels: { zone: 'z1' } }), node('b', { labels: { zone: 'z2' } }), node('c', { ready: false })], [placed(pod('x', { requests: { cpu: '300m' } }), 'a')]);
  const d = schedule(pod('p', { requests: { cpu: '100m' } }), s);
  const scored = d.verdicts.filter((v) => v.score !== undefined);
  const top = Math.max(...scored.map((v) => v.score?.total ?? -Infinity));
  assert.equal(d.node, scored.find((v) => v.score?.total === top)?.node);
  assert.equal(judge(preparePod(pod('p', { requests: { cpu: '100m' } })), SnapshotIndex.of(s)).chosen, SnapshotIndex.of(s).nodeIndex(d.node ?? ''));
});

test('scheduleOnIndex decides in the index state of the moment, even after the index grows', () => {
  const index = SnapshotIndex.of(snapshot([node('a'), node('b')]));
  const web = (n: number) => pod(`web-${n}`, { labels: { app: 'web' }, spec: antiAffinity('app', 'web', HOSTNAME_LABEL) });
  const first = scheduleOnIndex(web(1), index);
  index.add(placed(web(1), first.node ?? ''));
  const second = scheduleOnIndex(web(2), index);
  assert.deepEqual([first.node, second.node], ['a', 'b']);
  assert.equal(
    first.verdicts.every((v) => v.rejections.length === 0),
    true,
    'read after web-1 was added, still the verdicts of before',
  );
});
