import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TOPIC_ROOT, allNodesFilter, isNodeName, nodeTopic, parseTopic, topicKinds } from '../../../protocol/src/topics.js';

test('nodeTopic builds corral/v1/node/{node}/{kind}', () => {
  assert.equal(nodeTopic('edge-rpi-07', 'heartbeat'), 'corral/v1/node/edge-rpi-07/heartbeat');
  assert.equal(TOPIC_ROOT, 'corral/v1');
});

test('parseTopic returns the node and kind nodeTopic was given, for every kind', () => {
  for (const kind of topicKinds) {
    for (const node of ['a', 'edge-1', '0', 'x'.repeat(63), 'a-b-c-9']) {
      assert.deepEqual(parseTopic(nodeTopic(node, kind)), { node, kind });
    }
  }
});

test('allNodesFilter puts the single-level wildcard in the node segment', () => {
  assert.equal(allNodesFilter('status'), 'corral/v1/node/+/status');
  assert.equal(parseTopic(allNodesFilter('status')), undefined);
});

test('parseTopic rejects a wrong root', () => {
  for (const topic of ['corral/v2/node/edge-1/status', 'other/v1/node/edge-1/status', 'Corral/v1/node/edge-1/status', 'corral/v1/nodes/edge-1/status']) {
    assert.equal(parseTopic(topic), undefined, topic);
  }
});

test('parseTopic rejects a wrong segment count', () => {
  for (const topic of ['', 'corral', 'corral/v1/node/edge-1', 'corral/v1/node/edge-1/status/extra', '/corral/v1/node/edge-1/status', 'corral/v1/node/edge-1/status/']) {
    assert.equal(parseTopic(topic), undefined, JSON.stringify(topic));
  }
});

test('parseTopic rejects node names that are not DNS-1123 labels', () => {
  for (const node of ['Edge-1', 'EDGE', '+', '#', 'a+b', 'a#', '', '-edge', 'edge-', 'edge_1', 'edge.1', 'édge', 'x'.repeat(64)]) {
    assert.equal(parseTopic(`corral/v1/node/${node}/status`), undefined, node);
  }
});

test('parseTopic rejects unknown kinds', () => {
  for (const kind of ['bogus', 'Status', 'status ', '', '+', '#', 'toString', '__proto__', 'constructor']) {
    assert.equal(parseTopic(`corral/v1/node/edge-1/${kind}`), undefined, kind);
  }
});

test('nodeTopic throws a TypeError for an invalid node name', () => {
  for (const node of ['Edge', '+', '#', 'a/b', '', 'x'.repeat(64)]) {
    assert.throws(() => nodeTopic(node, 'status'), TypeError, node);
  }
});

test('isNodeName accepts DNS-1123 labels of 1 to 63 characters', () => {
  assert.equal(isNodeName('a'), true);
  assert.equal(isNodeName('x'.repeat(63)), true);
  assert.equal(isNodeName('x'.repeat(64)), false);
  assert.equal(isNodeName('edge-rpi-07'), true);
  assert.equal(isNodeName('edge\n'), false);
});
