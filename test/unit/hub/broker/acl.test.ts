import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { agentToHubKinds, hubToAgentKinds, nodeTopic, topicKinds } from '../../../../protocol/src/index.js';
import { type BrokerIdentity, HUB_USERNAME, agentClientId, allowClientId, allowPublish, allowSubscribe, allowWill, identityOfUsername } from '../../../../hub/src/broker/acl.js';
import { HUB_MQTT_USERNAME } from '../../../../hub/src/security/hub-mqtt-identity.js';

const hub: BrokerIdentity = { kind: 'hub' };
const a: BrokerIdentity = { kind: 'node', name: 'pi-a' };

test('a node publishes its own status, heartbeat, state, events and reply', () => {
  for (const kind of agentToHubKinds) assert.equal(allowPublish(a, nodeTopic('pi-a', kind)), true, kind);
});

test("a node publishes nothing on another node's topics", () => {
  for (const kind of topicKinds) assert.equal(allowPublish(a, nodeTopic('pi-b', kind)), false, kind);
});

test('a node publishes no desired state, command or ack, not even its own', () => {
  for (const kind of hubToAgentKinds) assert.equal(allowPublish(a, nodeTopic('pi-a', kind)), false, kind);
});

test('a node publishes nothing outside its node topics', () => {
  for (const topic of ['corral/v1/node/pi-a', 'corral/v1/node/pi-a/status/x', 'corral/v2/node/pi-a/status', 'corral/v1/node/pi-a/unknown', '$SYS/broker/x', 'other/topic', '', 'corral/v1/node/PI-A/status']) {
    assert.equal(allowPublish(a, topic), false, topic);
  }
});

test('a node subscribes exactly to its own desired, cmd and ack topics', () => {
  for (const kind of hubToAgentKinds) assert.equal(allowSubscribe(a, nodeTopic('pi-a', kind)), true, kind);
  for (const kind of agentToHubKinds) assert.equal(allowSubscribe(a, nodeTopic('pi-a', kind)), false, kind);
  for (const kind of hubToAgentKinds) assert.equal(allowSubscribe(a, nodeTopic('pi-b', kind)), false, `pi-b ${kind}`);
});

test('a node subscribes to no wildcard filter, even one that covers only its own topics', () => {
  for (const filter of ['corral/#', '#', '+/#', 'corral/v1/node/+/desired', 'corral/v1/node/pi-a/#', 'corral/v1/node/pi-a/+', 'corral/v1/+/pi-a/desired', '$SYS/#']) {
    assert.equal(allowSubscribe(a, filter), false, filter);
  }
});

test('the hub publishes desired, cmd, ack and status of any node, and no reports', () => {
  for (const node of ['pi-a', 'pi-b', 'x']) {
    for (const kind of [...hubToAgentKinds, 'status' as const]) assert.equal(allowPublish(hub, nodeTopic(node, kind)), true, `${node} ${kind}`);
    for (const kind of ['heartbeat', 'state', 'events', 'reply'] as const) assert.equal(allowPublish(hub, nodeTopic(node, kind)), false, `${node} ${kind}`);
  }
  assert.equal(allowPublish(hub, '$SYS/x'), false);
  assert.equal(allowPublish(hub, 'corral/v1/node/Bad_Name/desired'), false);
});

test('the hub subscribes to anything under corral/ and nothing else', () => {
  for (const filter of ['corral/#', 'corral/v1/node/+/status', 'corral/v1/node/pi-a/desired']) assert.equal(allowSubscribe(hub, filter), true, filter);
  for (const filter of ['#', '+/#', '$SYS/#', 'other/#', 'corral', 'corral/a#', 'corral/#/x', 'corral/a+', '']) assert.equal(allowSubscribe(hub, filter), false, filter);
});

test("a node's last will may only be its own status", () => {
  assert.equal(allowWill(a, nodeTopic('pi-a', 'status')), true);
  assert.equal(allowWill(a, nodeTopic('pi-a', 'heartbeat')), false);
  assert.equal(allowWill(a, nodeTopic('pi-b', 'status')), false);
  assert.equal(allowWill(hub, nodeTopic('pi-b', 'desired')), true);
});

test('client ids: a node connects as corral-agent-<name>, the hub as corral-hub-<suffix>', () => {
  assert.equal(allowClientId(a, agentClientId('pi-a')), true);
  assert.equal(allowClientId(a, agentClientId('pi-b')), false);
  assert.equal(allowClientId(a, 'pi-a'), false);
  assert.equal(allowClientId(a, 'corral-hub-1'), false);
  assert.equal(allowClientId(hub, 'corral-hub-1234'), true);
  assert.equal(allowClientId(hub, 'corral-hub-'), false);
  assert.equal(allowClientId(hub, agentClientId('pi-a')), false);
});

test('usernames name the hub or a node; anything else is nobody', () => {
  assert.equal(HUB_USERNAME, HUB_MQTT_USERNAME);
  assert.deepEqual(identityOfUsername('corral-hub'), hub);
  assert.deepEqual(identityOfUsername('pi-a'), a);
  for (const name of ['', 'PI', 'a/b', 'a+', '#', 'x'.repeat(64)]) assert.equal(identityOfUsername(name), undefined, name);
});

// Property: over random identities and topics, a node may publish a topic iff it is one of its
// own agent→hub topics, subscribe iff it is exactly one of its own hub→agent topics, and the
// hub may never publish a node's reports.
const nodeName = fc.stringMatching(/^[a-z0-9]([-a-z0-9]{0,6}[a-z0-9])?$/);
const level = fc.oneof(fc.constantFrom('corral', 'v1', 'node', '+', '#', '', '$SYS', ...topicKinds), nodeName, fc.string({ maxLength: 6 }));
const randomTopic = fc.oneof(
  fc.array(level, { minLength: 1, maxLength: 7 }).map((levels) => levels.join('/')),
  fc.tuple(nodeName, fc.constantFrom(...topicKinds)).map(([n, kind]) => `corral/v1/node/${n}/${kind}`),
);
const identity: fc.Arbitrary<BrokerIdentity> = fc.oneof(fc.constant(hub), nodeName.map((name): BrokerIdentity => ({ kind: 'node', name })));

test('property: a node reaches only its own topics, the hub never writes reports', () => {
  fc.assert(
    fc.property(identity, randomTopic, (who, topic) => {
      const levels = topic.split('/');
      const own = who.kind === 'node' && levels.length === 5 && levels.slice(0, 4).join('/') === `corral/v1/node/${who.name}`;
      const kind = levels[4] ?? '';
      if (who.kind === 'node') {
        assert.equal(allowPublish(who, topic), own && (agentToHubKinds as readonly string[]).includes(kind));
        assert.equal(allowSubscribe(who, topic), own && (hubToAgentKinds as readonly string[]).includes(kind));
        if (allowWill(who, topic)) assert.equal(allowPublish(who, topic), true);
      } else {
        if (allowPublish(who, topic)) assert.ok(['desired', 'cmd', 'ack', 'status'].includes(kind) && !topic.includes('+') && !topic.includes('#'));
        if (allowSubscribe(who, topic)) assert.ok(topic.startsWith('corral/'));
      }
    }),
    { numRuns: 5000 },
  );
});

test("property: no node's rules ever grant another node's topic", () => {
  fc.assert(
    fc.property(nodeName, nodeName, fc.constantFrom(...topicKinds), (self, other, kind) => {
      fc.pre(self !== other);
      const topic = nodeTopic(other, kind);
      const who: BrokerIdentity = { kind: 'node', name: self };
      assert.equal(allowPublish(who, topic), false);
      assert.equal(allowSubscribe(who, topic), false);
      assert.equal(allowWill(who, topic), false);
      assert.equal(allowClientId(who, agentClientId(other)), false);
    }),
  );
});
