import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyHeartbeat, applyStatus, durableRecord, expireHeartbeat, restoreRecord } from '../../../../hub/src/registry/node-record.js';
import { UID, heartbeat, offlineStatus, onlineStatus } from '../fixtures.js';

const GRACE = 15_000;

function registered(now = 10_000) {
  const record = applyStatus(undefined, 'pi-1', onlineStatus(), now);
  assert.ok(record);
  return record;
}

test('applyStatus registers an unknown node as Ready with its info, capacity and labels', () => {
  const record = registered(10_000);
  assert.equal(record.phase, 'Ready');
  assert.equal(record.ready.reason, 'AgentReady');
  assert.equal(record.ready.status, 'True');
  assert.equal(record.createdAt, 10_000);
  assert.equal(record.info.architecture, 'arm64');
  assert.deepEqual(record.labels, { site: 'lab' });
  assert.equal(record.allocatable.cpu, 3900);
});

test('applyStatus ignores an offline notice for a node it never saw', () => {
  assert.equal(applyStatus(undefined, 'pi-1', offlineStatus('connection-lost'), 10_000), undefined);
});

test('applyStatus turns a last will into NotReady with reason AgentDisconnected', () => {
  const next = applyStatus(registered(), 'pi-1', offlineStatus('connection-lost'), 11_000);
  assert.equal(next?.phase, 'NotReady');
  assert.equal(next?.ready.reason, 'AgentDisconnected');
  assert.equal(next?.ready.status, 'Unknown');
  assert.equal(next?.ready.transitionAt, 11_000);
  assert.equal(next?.online, false);
});

test('applyStatus turns a goodbye into NotReady with reason AgentShutdown', () => {
  const next = applyStatus(registered(), 'pi-1', offlineStatus('shutdown'), 11_000);
  assert.equal(next?.ready.reason, 'AgentShutdown');
  assert.equal(next?.ready.status, 'False');
});

test('applyStatus ignores a late last will from an older session than the node is on', () => {
  const online2 = applyStatus(registered(), 'pi-1', onlineStatus({ session: 1_000_002 }), 11_000);
  assert.ok(online2);
  assert.equal(applyStatus(online2, 'pi-1', offlineStatus('connection-lost', 1_000_001), 12_000), undefined);
});

test('applyStatus accepts a lower session number from a new identity (a re-flashed device)', () => {
  const fresh = applyStatus(registered(), 'pi-1', onlineStatus({ uid: '7d7c3f1e-5a2b-4c3d-8e9f-0a1b2c3d4e5f', session: 1_000_001 }), 20_000);
  assert.equal(fresh?.uid, '7d7c3f1e-5a2b-4c3d-8e9f-0a1b2c3d4e5f');
  assert.equal(fresh?.createdAt, 10_000, 'the node object itself keeps its age');
});

test('applyStatus brings a disconnected node back Ready and keeps its creation time', () => {
  const lost = applyStatus(registered(10_000), 'pi-1', offlineStatus('connection-lost'), 11_000);
  const back = applyStatus(lost, 'pi-1', onlineStatus({ session: 1_000_002 }), 12_000);
  assert.equal(back?.phase, 'Ready');
  assert.equal(back?.createdAt, 10_000);
  assert.equal(back?.ready.transitionAt, 12_000);
});

test('expireHeartbeat keeps a node Ready up to the grace period and marks it NotReady after', () => {
  const record = registered(10_000);
  assert.equal(expireHeartbeat(record, 10_000 + GRACE, GRACE), record);
  const expired = expireHeartbeat(record, 10_001 + GRACE, GRACE);
  assert.equal(expired.phase, 'NotReady');
  assert.equal(expired.ready.reason, 'HeartbeatTimeout');
});

test('applyHeartbeat refreshes liveness so expireHeartbeat counts from the last heartbeat', () => {
  const record = applyHeartbeat(registered(10_000), heartbeat(), 20_000);
  assert.equal(expireHeartbeat(record, 20_000 + GRACE, GRACE).phase, 'Ready');
  assert.deepEqual(record.usage, heartbeat().node);
});

test('applyHeartbeat revives a node that only went quiet, not one whose connection is known dead', () => {
  const quiet = expireHeartbeat(registered(10_000), 10_001 + GRACE, GRACE);
  assert.equal(applyHeartbeat(quiet, heartbeat(), 30_000).phase, 'Ready');
  const dead = applyStatus(registered(10_000), 'pi-1', offlineStatus('connection-lost'), 11_000);
  assert.ok(dead);
  assert.equal(applyHeartbeat(dead, heartbeat(), 12_000).phase, 'NotReady');
});

test('restoreRecord makes a Ready node unknown after a hub restart until it is heard from', () => {
  const record = applyHeartbeat(registered(10_000), heartbeat(), 11_000);
  const restored = restoreRecord(record, 50_000);
  assert.equal(restored.phase, 'NotReady');
  assert.equal(restored.ready.reason, 'HubRestarted');
  assert.equal(restored.usage, undefined);
  assert.equal(applyHeartbeat(restored, heartbeat(), 51_000).phase, 'Ready');
});

test('durableRecord leaves out heartbeat figures so heartbeats alone never change what is stored', () => {
  const record = registered(10_000);
  const beat = applyHeartbeat(record, heartbeat(), 11_000);
  assert.deepEqual(durableRecord(beat), durableRecord(record));
  assert.equal(durableRecord(record).uid, UID);
});

test('markLost shows a node NotReady for longer than the lost time as Lost, keeping its Ready condition', async () => {
  const { markLost } = await import('../../../../hub/src/registry/node-record.js');
  const quiet = expireHeartbeat(registered(10_000), 10_001 + GRACE, GRACE);
  assert.equal(markLost(quiet, quiet.ready.transitionAt + 30_000, 30_000), quiet);
  const lost = markLost(quiet, quiet.ready.transitionAt + 30_001, 30_000);
  assert.equal(lost.phase, 'Lost');
  assert.deepEqual(lost.ready, quiet.ready);
  assert.equal(markLost(registered(10_000), 10_000_000, 30_000).phase, 'Ready');
  assert.equal(applyHeartbeat(lost, heartbeat(), quiet.ready.transitionAt + 40_000).phase, 'Ready');
});
