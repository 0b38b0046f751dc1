import assert from 'node:assert/strict';
import { test } from 'node:test';
import { imagePlatform, nodeAffinity, nodeReady, nodeResourcesFit, nodeSelector, taintToleration } from '../../../../../hub/src/scheduler/filters/node.js';
import { toleratesTaint } from '../../../../../hub/src/scheduler/taints.js';
import { Gi, Mi, node, passing, placed, pod, runFilter, snapshot } from '../fixtures.js';

test('NodeReady rejects a NotReady node and a cordoned node with separate rejections', () => {
  const r = runFilter(nodeReady, pod('p'), snapshot([node('a'), node('b', { ready: false }), node('c', { unschedulable: true }), node('d', { ready: false, unschedulable: true })]));
  assert.deepEqual(r, {
    a: [],
    b: [{ filter: 'NodeReady', phase: 'NotReady' }],
    c: [{ filter: 'NodeUnschedulable' }],
    d: [{ filter: 'NodeReady', phase: 'NotReady' }, { filter: 'NodeUnschedulable' }],
  });
});

test('NodeResourcesFit rejects a node whose memory is exhausted, with requested, used and capacity', () => {
  const big = pod('old', { requests: { memory: '96Mi' } });
  const s = snapshot([node('a', { allocatable: { cpu: 1000, memory: 128 * Mi, pids: 100 } }), node('b')], [placed(big, 'a')]);
  const r = runFilter(nodeResourcesFit, pod('p', { requests: { memory: '64Mi' } }), s);
  assert.deepEqual(r.a, [{ filter: 'NodeResourcesFit', resource: 'memory', requested: 64 * Mi, used: 96 * Mi, capacity: 128 * Mi }]);
  assert.deepEqual(r.b, []);
});

test('NodeResourcesFit reports every resource that does not fit', () => {
  const s = snapshot([node('a', { allocatable: { cpu: 100, memory: Mi, pids: 5 } })]);
  const r = runFilter(nodeResourcesFit, pod('p', { requests: { cpu: '200m', memory: '2Mi' }, limits: { pids: 10 } }), s);
  assert.deepEqual(
    r.a?.map((x) => (x.filter === 'NodeResourcesFit' ? x.resource : '')),
    ['cpu', 'memory', 'pids'],
  );
});

test('NodeResourcesFit admits a request that exactly fills the node', () => {
  const s = snapshot([node('a', { allocatable: { cpu: 1000, memory: Gi, pids: 10 } })], [placed(pod('old', { requests: { cpu: '600m' } }), 'a')]);
  assert.deepEqual(passing(runFilter(nodeResourcesFit, pod('p', { requests: { cpu: '400m' } }), s)), ['a']);
  assert.deepEqual(passing(runFilter(nodeResourcesFit, pod('p', { requests: { cpu: '401m' } }), s)), []);
});

test('NodeResourcesFit does not check resources the pod does not request', () => {
  const s = snapshot([node('a', { allocatable: { cpu: 0, memory: 0, pids: 0 } })]);
  assert.deepEqual(passing(runFilter(nodeResourcesFit, pod('p'), s)), ['a']);
  assert.deepEqual(passing(runFilter(nodeResourcesFit, pod('p', { requests: { cpu: '1m' } }), s)), []);
});

test('NodeResourcesFit ignores pods placed on nodes outside the snapshot', () => {
  const s = snapshot([node('a', { allocatable: { cpu: 100, memory: Gi, pids: 10 } })], [placed(pod('ghost', { requests: { cpu: '100m' } }), 'gone')]);
  assert.deepEqual(passing(runFilter(nodeResourcesFit, pod('p', { requests: { cpu: '100m' } }), s)), ['a']);
});

test('NodeSelector needs every key=value and names the key that differs', () => {
  const s = snapshot([node('a', { labels: { site: 'berlin', disk: 'ssd' } }), node('b', { labels: { site: 'paris', disk: 'ssd' } }), node('c')]);
  const r = runFilter(nodeSelector, pod('p', { spec: { nodeSelector: { site: 'berlin', disk: 'ssd' } } }), s);
  assert.deepEqual(r.a, []);
  assert.deepEqual(r.b, [{ filter: 'NodeSelector', key: 'site', wanted: 'berlin', actual: 'paris' }]);
  assert.deepEqual(r.c, [
    { filter: 'NodeSelector', key: 'site', wanted: 'berlin', actual: undefined },
    { filter: 'NodeSelector', key: 'disk', wanted: 'ssd', actual: undefined },
  ]);
});

type Operator = 'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | 'Gt' | 'Lt';
const required = (...terms: Array<Array<{ key: string; operator: Operator; values?: string[] }>>) => ({
  affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms.map((matchExpressions) => ({ matchExpressions })) } } },
});

test('NodeAffinity ORs terms and ANDs expressions', () => {
  const s = snapshot([
    node('a', { labels: { zone: 'z1', gpu: 'yes' } }),
    node('b', { labels: { zone: 'z1' } }),
    node('c', { labels: { zone: 'z2' } }),
    node('d', { labels: { zone: 'z3', gpu: 'yes' } }),
  ]);
  const p = pod('p', {
    spec: required(
      [
        { key: 'zone', operator: 'In', values: ['z1'] },
        { key: 'gpu', operator: 'Exists' },
      ],
      [{ key: 'zone', operator: 'In', values: ['z2'] }],
    )
  });
  const r = runFilter(nodeAffinity, p, s);
  assert.deepEqual(passing(r), ['a', 'c']);
  assert.deepEqual(r.b, [
    { filter: 'NodeAffinity', term: 0, requirement: 'gpu' },
    { filter: 'NodeAffinity', term: 1, requirement: 'zone=z2' },
  ]);
  assert.deepEqual(r.d, [
    { filter: 'NodeAffinity', term: 0, requirement: 'zone=z1' },
    { filter: 'NodeAffinity', term: 1, requirement: 'zone=z2' },
  ]);
});

test('NodeAffinity supports NotIn, DoesNotExist, Gt and Lt', () => {
  const s = snapshot([node('a', { labels: { cores: '8', zone: 'z1' } }), node('b', { labels: { cores: '2' } }), node('c', { labels: { cores: '16', legacy: 'true' } }), node('d')]);
  const p = pod('p', {
    spec: required([
      { key: 'cores', operator: 'Gt', values: ['4'] },
      { key: 'cores', operator: 'Lt', values: ['12'] },
      { key: 'zone', operator: 'NotIn', values: ['z2'] },
      { key: 'legacy', operator: 'DoesNotExist' },
    ])
  });
  const r = runFilter(nodeAffinity, p, s);
  assert.deepEqual(passing(r), ['a']);
  assert.deepEqual(r.b, [{ filter: 'NodeAffinity', term: 0, requirement: 'cores>4' }]);
  assert.deepEqual(r.c, [{ filter: 'NodeAffinity', term: 0, requirement: 'cores<12' }]);
});

test('ImagePlatform admits the architecture offered, and checks the variant only when the image names one', () => {
  const s = snapshot([node('a'), node('b', { architecture: 'arm', variant: 'v7' }), node('c', { architecture: 'arm', variant: 'v6' }), node('d', { architecture: 'amd64' })]);
  const r = runFilter(imagePlatform, pod('p', { imagePlatforms: [{ architecture: 'arm64' }, { architecture: 'arm', variant: 'v7' }] }), s);
  assert.deepEqual(passing(r), ['a', 'b']);
  assert.deepEqual(r.c, [{ filter: 'ImagePlatform', architecture: 'arm/v6', offered: ['arm64', 'arm/v7'] }]);
  assert.deepEqual(r.d, [{ filter: 'ImagePlatform', architecture: 'amd64', offered: ['arm64', 'arm/v7'] }]);
  assert.deepEqual(passing(runFilter(imagePlatform, pod('p', { imagePlatforms: [{ architecture: 'arm' }] }), s)), ['b', 'c']);
});

test('ImagePlatform admits every node when the platforms are unknown', () => {
  const s = snapshot([node('a', { architecture: 'riscv64' })]);
  assert.deepEqual(passing(runFilter(imagePlatform, pod('p'), s)), ['a']);
});

test('TaintToleration rejects untolerated NoSchedule and NoExecute taints but not PreferNoSchedule', () => {
  const s = snapshot([
    node('a', { taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] }),
    node('b', { taints: [{ key: 'maintenance', effect: 'NoExecute' }] }),
    node('c', { taints: [{ key: 'slow', effect: 'PreferNoSchedule' }] }),
  ]);
  const r = runFilter(taintToleration, pod('p'), s);
  assert.deepEqual(r, {
    a: [{ filter: 'TaintToleration', taint: { key: 'dedicated', value: 'gpu', effect: 'NoSchedule' } }],
    b: [{ filter: 'TaintToleration', taint: { key: 'maintenance', effect: 'NoExecute' } }],
    c: [],
  });
  const tolerant = pod('p', { spec: { tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' }, { key: 'maintenance', operator: 'Exists' }] } });
  assert.deepEqual(passing(runFilter(taintToleration, tolerant, s)), ['a', 'b', 'c']);
});

test('toleratesTaint follows Kubernetes matching rules', () => {
  const taint = { key: 'k', value: 'v', effect: 'NoSchedule' } as const;
  assert.equal(toleratesTaint({ operator: 'Exists' }, taint), true, 'empty key + Exists tolerates everything');
  assert.equal(toleratesTaint({ operator: 'Exists', effect: 'NoExecute' }, taint), false, 'but only for its effect when given');
  assert.equal(toleratesTaint({ key: 'k', operator: 'Exists' }, taint), true, 'Exists ignores the value; empty effect matches all');
  assert.equal(toleratesTaint({ key: 'k', operator: 'Equal', value: 'v' }, taint), true);
  assert.equal(toleratesTaint({ key: 'k', operator: 'Equal', value: 'w' }, taint), false);
  assert.equal(toleratesTaint({ key: 'k', operator: 'Equal' }, { key: 'k', effect: 'NoSchedule' }), true, 'no value equals no value');
  assert.equal(toleratesTaint({ key: 'other', operator: 'Exists' }, taint), false);
  assert.equal(toleratesTaint({ key: 'k', operator: 'Equal', value: 'v', effect: 'NoSchedule' }, taint), true);
  assert.equal(toleratesTaint({ key: 'k', operator: 'Equal', value: 'v', effect: 'PreferNoSchedule' }, taint), false);
});
