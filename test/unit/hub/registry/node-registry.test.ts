import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { NodeRecord } from '../../../../hub/src/registry/node-record.js';
import { NodeRegistry } from '../../../../hub/src/registry/node-registry.js';
import { MemoryCollection } from '../../../../hub/src/store/memory-collection.js';
import { heartbeat, offlineStatus, onlineStatus, silentLog } from '../fixtures.js';

class CountingCollection extends MemoryCollection<NodeRecord> {
  puts = 0;
  override async put(key: string, value: NodeRecord): Promise<void> {
    this.puts += 1;
    await super.put(key, value);
  }
}

function setup(graceMs = 15_000) {
  const clock = { now: 1_000 };
  const store = new CountingCollection();
  const registry = new NodeRegistry(store, { graceMs, now: () => clock.now, log: silentLog });
  return { clock, store, registry };
}

test('NodeRegistry writes a node once on registration and never for heartbeats', async () => {
  const { clock, store, registry } = setup();
  await registry.onStatus('pi-1', onlineStatus());
  assert.equal(store.puts, 1);
  for (let i = 1; i <= 100; i += 1) {
    clock.now += 1000;
    assert.equal(await registry.onHeartbeat('pi-1', heartbeat(i)), true);
  }
  await registry.sweep();
  assert.equal(store.puts, 1);
  assert.equal(registry.get('pi-1')?.usage?.cpu, 250);
});

test('NodeRegistry writes on a phase transition found by a sweep', async () => {
  const { clock, store, registry } = setup(5_000);
  await registry.onStatus('pi-1', onlineStatus());
  clock.now += 5_001;
  await registry.sweep();
  assert.equal(registry.get('pi-1')?.phase, 'NotReady');
  assert.equal(store.puts, 2);
  assert.equal((await store.get('pi-1'))?.ready.reason, 'HeartbeatTimeout');
});

test('NodeRegistry reports a heartbeat or state from an unknown node as not handled', async () => {
  const { registry } = setup();
  assert.equal(await registry.onHeartbeat('ghost', heartbeat()), false);
  assert.equal(registry.onState('ghost', { v: 1, ts: 1, observedGeneration: 0, pods: [] }), false);
  assert.equal(registry.list().length, 0);
});

test('NodeRegistry applies messages in arrival order even when not awaited', async () => {
  const { registry } = setup();
  void registry.onStatus('pi-1', onlineStatus());
  void registry.onStatus('pi-1', offlineStatus('connection-lost'));
  void registry.onStatus('pi-1', onlineStatus({ session: 1_000_002 }));
  await registry.flush();
  assert.equal(registry.get('pi-1')?.phase, 'Ready');
});

test('NodeRegistry reloads its nodes from the store as not yet heard from', async () => {
  const { store, registry } = setup();
  await registry.onStatus('pi-1', onlineStatus());
  await registry.onStatus('pi-2', onlineStatus({ uid: '1e2d3c4b-5a69-4e55-9a3e-0b6a4f0e3c1d' }));
  await registry.onStatus('pi-2', offlineStatus('shutdown', 1_000_001, '1e2d3c4b-5a69-4e55-9a3e-0b6a4f0e3c1d'));
  const reloaded = new NodeRegistry(store, { graceMs: 15_000, now: () => 99_000, log: silentLog });
  await reloaded.load();
  assert.deepEqual(reloaded.list().map((n) => [n.name, n.phase, n.ready.reason]), [
    ['pi-1', 'NotReady', 'HubRestarted'],
    ['pi-2', 'NotReady', 'AgentShutdown'],
  ]);
  assert.equal(reloaded.get('pi-1')?.createdAt, 1_000);
});

test('NodeRegistry cordons and uncordons a node, writes it, and tells listeners of durable changes only', async () => {
  const { clock, store, registry } = setup(5_000);
  const changed: string[] = [];
  registry.onChange((name) => changed.push(name));
  await registry.onStatus('pi-1', onlineStatus());
  assert.deepEqual(changed, ['pi-1']);
  await registry.onHeartbeat('pi-1', heartbeat(1));
  assert.deepEqual(changed, ['pi-1'], 'a heartbeat is no change');
  assert.equal(await registry.setUnschedulable('pi-1', true), true);
  assert.equal(registry.get('pi-1')?.unschedulable, true);
  assert.equal((await store.get('pi-1'))?.unschedulable, true);
  await registry.setUnschedulable('pi-1', true);
  assert.deepEqual(changed, ['pi-1', 'pi-1'], 'cordoning twice changes nothing the second time');
  await registry.onStatus('pi-1', onlineStatus({ session: 1_000_002 }));
  assert.equal(registry.get('pi-1')?.unschedulable, true, 'a new agent session keeps the cordon');
  await registry.setUnschedulable('pi-1', false);
  assert.equal(registry.get('pi-1')?.unschedulable, false);
  assert.equal(await registry.setUnschedulable('pi-9', true), false);
  clock.now += 5_001;
  await registry.sweep();
  assert.equal(changed.at(-1), 'pi-1');
  assert.equal(registry.get('pi-1')?.phase, 'NotReady');
});
