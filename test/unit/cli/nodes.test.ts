import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatLabels, formatNodeTable, nodeRow } from '../../../cli/src/format/nodes.js';
import { makeNode, NOW } from './fixtures.js';

describe('nodeRow', () => {
  it('nodeRow shows name, phase, arch, allocatable cpu and memory, age and sorted labels', () => {
    const row = nodeRow(makeNode({ labels: { zone: 'kitchen', app: 'sensors' } }), NOW);
    assert.deepEqual(row, ['pi-kitchen', 'Ready', 'arm', '3500m', '3.5Gi', '3d', 'app=sensors,zone=kitchen']);
  });

  it('nodeRow shows <none> for a node without labels', () => {
    assert.equal(nodeRow(makeNode({ labels: {} }), NOW)[6], '<none>');
  });

  it('nodeRow appends SchedulingDisabled to the status of an unschedulable node', () => {
    assert.equal(nodeRow(makeNode({ unschedulable: true }), NOW)[1], 'Ready,SchedulingDisabled');
    assert.equal(nodeRow(makeNode({ unschedulable: true, phase: 'Lost' }), NOW)[1], 'Lost,SchedulingDisabled');
  });

  it('nodeRow joins architecture and variant with a slash', () => {
    assert.equal(nodeRow(makeNode({ architecture: 'arm', variant: 'v7' }), NOW)[2], 'arm/v7');
    assert.equal(nodeRow(makeNode({ architecture: 'amd64' }), NOW)[2], 'amd64');
  });

  it('nodeRow in wide mode adds os image, kernel, cgroup, runtime and agent version', () => {
    const row = nodeRow(makeNode(), NOW, true);
    assert.deepEqual(row.slice(7), ['Raspbian GNU/Linux 12 (bookworm)', '6.6.31+rpt-rpi-v7', 'v2', 'crun/1.14.4', '0.1.0']);
  });
});

describe('formatLabels', () => {
  it('formatLabels sorts keys and keeps empty values', () => {
    assert.equal(formatLabels({ b: '2', a: '', 'x.io/c': '3' }), 'a=,b=2,x.io/c=3');
  });
});

describe('formatNodeTable', () => {
  it('formatNodeTable prints the header and one aligned line per node', () => {
    const out = formatNodeTable([makeNode({ name: 'a' }), makeNode({ name: 'long-node-name', labels: {} })], NOW);
    const lines = out.trimEnd().split('\n');
    assert.equal(lines.length, 3);
    assert.match(lines[0] ?? '', /^NAME {13}STATUS {3}ARCH {3}CPU {5}MEMORY {3}AGE {3}LABELS$/);
    const statusColumn = (lines[0] ?? '').indexOf('STATUS');
    for (const line of lines.slice(1)) assert.equal(line.indexOf('Ready'), statusColumn);
  });

  it('formatNodeTable in wide mode has the extra headers after LABELS', () => {
    const header = formatNodeTable([makeNode()], NOW, true).split('\n')[0] ?? '';
    assert.deepEqual(header.split(/\s{3,}/), [
      'NAME', 'STATUS', 'ARCH', 'CPU', 'MEMORY', 'AGE', 'LABELS', 'OS-IMAGE', 'KERNEL', 'CGROUP', 'RUNTIME', 'AGENT-VERSION',
    ]);
  });
});
