import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileLabelSelector } from '../../../../hub/src/scheduler/selectors.js';
import { SnapshotIndex } from '../../../../hub/src/scheduler/snapshot-index.js';
import { antiAffinity, Mi, node, placed, pod, snapshot } from './fixtures.js';

test('SnapshotIndex orders nodes by name and finds them by name', () => {
  const index = SnapshotIndex.of(snapshot([node('pi-3'), node('pi-1'), node('pi-2')]));
  assert.deepEqual(
    index.nodes.map((n) => [n.name, n.i]),
    [
      ['pi-1', 0],
      ['pi-2', 1],
      ['pi-3', 2],
    ],
  );
  assert.equal(index.nodeIndex('pi-3'), 2);
  assert.equal(index.nodeIndex('nope'), undefined);
});

test('SnapshotIndex sums the requests of the pods on each node', () => {
  const index = SnapshotIndex.of(snapshot([node('a'), node('b')], [placed(pod('x', { requests: { cpu: '100m', memory: '10Mi' } }), 'a'), placed(pod('y', { requests: { cpu: '50m' } }), 'a')]));
  assert.deepEqual([index.usedCpu[0], index.usedMemory[0], index.usedCpu[1]], [150, 10 * Mi, 0]);
  assert.equal(index.freeCpu[0], 1000 - 150);
  index.add(placed(pod('z', { requests: { cpu: '1' } }), 'b'));
  assert.equal(index.usedCpu[1], 1000);
  assert.equal(index.version, 3);
});

test('SnapshotIndex label columns intern each node value, -1 for nodes without the label', () => {
  const index = SnapshotIndex.of(snapshot([node('a', { labels: { zone: 'z2' } }), node('b'), node('c', { labels: { zone: 'z1' } }), node('d', { labels: { zone: 'z2' } })]));
  const column = index.column('zone');
  assert.deepEqual([...column.ids].map((id) => (id === -1 ? undefined : column.values[id])), ['z2', undefined, 'z1', 'z2']);
  assert.equal(index.column('zone'), column, 'built once');
});

test('SnapshotIndex candidates come from the rarest anchor of a selector', () => {
  const pods = [
    placed(pod('w1', { labels: { app: 'web', tier: 'front' } }), 'a'),
    placed(pod('w2', { labels: { app: 'web', tier: 'back' } }), 'a'),
    placed(pod('d1', { labels: { app: 'db', tier: 'back' } }), 'a'),
  ];
  const index = SnapshotIndex.of(snapshot([node('a')], pods));
  const names = (s: Parameters<typeof compileLabelSelector>[0]) => index.candidates(compileLabelSelector(s)).map((r) => r.pod.name);
  assert.deepEqual(names({ matchLabels: { app: 'web', tier: 'front' } }), ['w1']);
  assert.deepEqual(names({ matchLabels: { app: 'db' } }), ['d1']);
  assert.deepEqual(names({ matchExpressions: [{ key: 'app', operator: 'In', values: ['web', 'db'] }] }).sort(), ['d1', 'w1', 'w2']);
  assert.deepEqual(names({ matchExpressions: [{ key: 'app', operator: 'NotIn', values: ['web'] }] }), ['w1', 'w2', 'd1'], 'no anchor: every pod');
  assert.deepEqual(names({ matchLabels: { app: 'cache' } }), []);
});

test('SnapshotIndex merges placed pods anti-affinity terms by selector and topology key', () => {
  const index = SnapshotIndex.of(
    snapshot(
      [node('a'), node('b'), node('c')],
      [
        placed(pod('w1', { labels: { app: 'web' }, spec: antiAffinity('app', 'web') }), 'a'),
        placed(pod('w2', { labels: { app: 'web' }, spec: antiAffinity('app', 'web') }), 'c'),
        placed(pod('w3', { labels: { app: 'web' }, spec: antiAffinity('app', 'web') }), 'a'),
      ],
    ),
  );
  const entries = [...index.antiAffinityEntries()];
  assert.equal(entries.length, 1);
  const [entry] = entries;
  assert.deepEqual(
    entry?.holders.map((r) => r?.pod.name),
    ['w1', undefined, 'w2'],
  );
});
