import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeNode } from '../../../cli/src/format/describe.js';
import { formatFields } from '../../../cli/src/format/fields.js';
import { makeNode, NOW } from './fixtures.js';

function section(text: string, title: string): string {
  const start = text.indexOf(`\n${title}:\n`);
  assert.notEqual(start, -1, `missing section ${title}`);
  const body = text.slice(start + title.length + 3);
  const end = body.search(/\n[A-Z]/);
  return end === -1 ? body : body.slice(0, end + 1);
}

describe('describeNode', () => {
  it('describeNode prints every section in order', () => {
    const out = describeNode(makeNode({ withUsage: true }), NOW);
    const order = ['Name:', 'Labels:', 'CreationTimestamp:', 'Unschedulable:', 'Taints:', 'Conditions:', 'Capacity:', 'Allocatable:', 'System Info:', 'Usage:'];
    let last = -1;
    for (const heading of order) {
      const at = `\n${out}`.indexOf(`\n${heading}`);
      assert.ok(at > last, `${heading} missing or out of order`);
      last = at;
    }
  });

  it('describeNode lists labels one per line, aligned under the first', () => {
    const out = describeNode(makeNode({ labels: { zone: 'kitchen', app: 'sensors' } }), NOW);
    assert.match(out, /^Labels: {13}app=sensors\n {20}zone=kitchen\n/m);
  });

  it('describeNode shows the creation age and <none> for no taints', () => {
    const out = describeNode(makeNode(), NOW);
    assert.match(out, /^CreationTimestamp: {2}2024-05-29T12:00:00\.000Z \(3d ago\)$/m);
    assert.match(out, /^Taints: {13}<none>$/m);
    assert.match(out, /^Unschedulable: {6}false$/m);
  });

  it('describeNode renders taints as key=value:Effect', () => {
    const taints = [{ key: 'dedicated', value: 'camera', effect: 'NoSchedule' as const }, { key: 'maintenance', effect: 'NoExecute' as const }];
    const out = describeNode(makeNode({ taints, unschedulable: true }), NOW);
    assert.match(out, /^Taints: {13}dedicated=camera:NoSchedule\n {20}maintenance:NoExecute$/m);
    assert.match(out, /^Unschedulable: {6}true$/m);
  });

  it('describeNode prints conditions as a table with upper-case headers', () => {
    const conditions = section(describeNode(makeNode(), NOW), 'Conditions');
    const [header, row] = conditions.split('\n');
    assert.deepEqual(header?.trim().split(/\s{3,}/), ['TYPE', 'STATUS', 'LASTHEARTBEATTIME', 'LASTTRANSITIONTIME', 'REASON', 'MESSAGE']);
    assert.deepEqual(row?.trim().split(/\s{3,}/), ['Ready', 'True', '2024-06-01T11:59:55Z', '2024-05-29T12:00:00Z', 'AgentReady', 'agent is posting heartbeats']);
    assert.ok(header?.startsWith('  TYPE'));
  });

  it('describeNode formats capacity and allocatable with protocol quantities', () => {
    const out = describeNode(makeNode(), NOW);
    assert.equal(section(out, 'Capacity'), '  cpu:     4\n  memory:  4Gi\n  pids:    4096\n');
    assert.equal(section(out, 'Allocatable'), '  cpu:     3500m\n  memory:  3.5Gi\n  pids:    4000\n');
  });

  it('describeNode lists every nodeInfo field under System Info', () => {
    const info = section(describeNode(makeNode({ variant: 'v7' }), NOW), 'System Info');
    for (const expected of ['Hostname:', 'pi-kitchen', 'Architecture:', 'arm', 'Variant:', 'v7', 'Operating System:', 'linux', 'OS Image:', 'Raspbian GNU/Linux 12 (bookworm)', 'Kernel Version:', '6.6.31+rpt-rpi-v7', 'Cgroup Version:', 'v2', 'Container Runtime:', 'crun/1.14.4', 'Agent Version:', '0.1.0']) {
      assert.ok(info.includes(expected), `System Info lacks ${expected}`);
    }
  });

  it('describeNode shows node and agent usage when the node has reported it', () => {
    const usage = section(describeNode(makeNode({ withUsage: true }), NOW), 'Usage');
    assert.match(usage, /Node CPU: +350m \(10% of allocatable\)/);
    assert.match(usage, /Node Memory: +1\.2Gi \(34% of allocatable\)/);
    assert.match(usage, /Node Memory Available: +2\.3Gi/);
    assert.match(usage, /Agent CPU: +12m/);
    assert.match(usage, /Agent RSS: +40Mi/);
    assert.match(usage, /Messages Dropped: +3/);
  });

  it('describeNode omits the Usage section when there is no usage', () => {
    assert.ok(!describeNode(makeNode(), NOW).includes('Usage:'));
  });
});

describe('formatFields', () => {
  it('formatFields starts every value two columns after the longest key', () => {
    assert.equal(formatFields([['A', '1'], ['Longer', ['x', 'y']]], '  '), '  A:       1\n  Longer:  x\n           y\n');
  });
});
