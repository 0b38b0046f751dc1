import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { EventLog } from '../../../hub/src/events/event-log.js';
import { LevelStore } from '../../../hub/src/store/level-store.js';
import { tempDir } from '../../support/daemons.js';
import { CommandClient } from '../../../hub/src/command-client.js';
import type { Handlers } from '../../../hub/src/handlers/index.js';
import { dispatch } from '../../../hub/src/inbox.js';
import type { NodeRecord } from '../../../hub/src/registry/node-record.js';
import { NodeRegistry } from '../../../hub/src/registry/node-registry.js';
import { HubStats } from '../../../hub/src/stats.js';
import { MemoryCollection } from '../../../hub/src/store/memory-collection.js';
import { ErrorCode, decodeMessage, encodeMessage, nodeTopic } from '../../../protocol/src/index.js';
import { heartbeat, onlineStatus, silentLog } from './fixtures.js';
import { podStore, stateMessage } from './pods/fixtures.js';

let store: LevelStore;
let removeDir: () => Promise<void>;
before(async () => {
  const dir = await tempDir('corral-inbox-');
  removeDir = dir.remove;
  store = await LevelStore.open(dir.path);
});
after(async () => {
  await store.close();
  await removeDir();
});

function context() {
  const stats = new HubStats();
  const registry = new NodeRegistry(new MemoryCollection<NodeRecord>(), { graceMs: 15_000, now: () => 1_000, log: silentLog });
  const commands = new CommandClient(async () => {});
  const { store: pods, sink } = podStore();
  const events = new EventLog(store, { now: () => 1_000, log: silentLog });
  const published: Array<{ topic: string; payload: Uint8Array }> = [];
  const publish = async (topic: string, payload: Uint8Array) => {
    published.push({ topic, payload });
  };
  return { stats, registry, commands, pods, sink, events, publish, published, log: silentLog };
}

test('dispatch hands a valid status to the registry and counts it as received', async () => {
  const ctx = context();
  await dispatch(ctx, nodeTopic('pi-1', 'status'), encodeMessage('status', onlineStatus()));
  assert.equal(ctx.registry.get('pi-1')?.phase, 'Ready');
  assert.deepEqual(ctx.stats.snapshot().received, { status: 1 });
});

test('dispatch drops and counts a payload that does not decode, by error code', async () => {
  const ctx = context();
  await dispatch(ctx, nodeTopic('pi-1', 'status'), new Uint8Array([0xff, 0x00, 0x13]));
  await dispatch(ctx, nodeTopic('pi-1', 'heartbeat'), encodeMessage('status', onlineStatus()));
  const stats = ctx.stats.snapshot();
  assert.equal(stats.droppedTotal, 2);
  assert.equal(stats.dropped[ErrorCode.ProtocolMalformed], 1);
  assert.equal(stats.dropped[ErrorCode.ProtocolInvalid], 1);
  assert.equal(ctx.registry.list().length, 0);
});

test('dispatch drops and counts messages on unknown topics but ignores its own desired, cmd and ack echoes', async () => {
  const ctx = context();
  for (const topic of ['corral/v1/node/pi-1/bogus', 'corral/v1/node/PI_1/status', 'corral/v2/node/pi-1/status', 'corral/v1/node/pi-1/event']) {
    await dispatch(ctx, topic, new Uint8Array([1]));
  }
  await dispatch(ctx, nodeTopic('pi-1', 'cmd'), new Uint8Array([1]));
  await dispatch(ctx, nodeTopic('pi-1', 'desired'), new Uint8Array([1]));
  await dispatch(ctx, nodeTopic('pi-1', 'ack'), new Uint8Array([1]));
  assert.equal(ctx.stats.snapshot().dropped[ErrorCode.ProtocolUnknownTopic], 4);
  assert.equal(ctx.stats.snapshot().droppedTotal, 4);
});

test('dispatch counts a heartbeat from a node that never announced itself as dropped', async () => {
  const ctx = context();
  await dispatch(ctx, nodeTopic('ghost', 'heartbeat'), encodeMessage('heartbeat', heartbeat()));
  assert.equal(ctx.stats.snapshot().dropped[ErrorCode.NodeNotFound], 1);
});

test('dispatch survives a handler that throws', async () => {
  const ctx = context();
  const failing: Handlers = {
    status: async () => {
      throw new Error('boom');
    },
    heartbeat: async () => {},
    state: async () => {},
    reply: async () => {},
    events: async () => {},
  };
  await dispatch(ctx, nodeTopic('pi-1', 'status'), encodeMessage('status', onlineStatus()), failing);
  assert.equal(ctx.stats.snapshot().received.status, 1);
});

test('dispatch hands a state to the registry and its observed generation to the pod store', async () => {
  const ctx = context();
  await dispatch(ctx, nodeTopic('pi-1', 'status'), encodeMessage('status', onlineStatus()));
  await dispatch(ctx, nodeTopic('pi-1', 'state'), encodeMessage('state', stateMessage(4)));
  assert.equal(ctx.registry.observedState('pi-1')?.observedGeneration, 4);
  assert.equal(ctx.pods.generation('pi-1'), 5, 'a node ahead of the hub moves its desired generation past it');
  assert.equal(ctx.sink.last('pi-1')?.generation, 5);
});

test('dispatch stores the events of a registered node once and acknowledges every delivery', async () => {
  const ctx = context();
  await dispatch(ctx, nodeTopic('pi-1', 'status'), encodeMessage('status', onlineStatus()));
  const uid = '6f0e4c1e-3a52-4d0a-9d7e-2f7d8b8f9a10';
  const events = encodeMessage('events', { v: 1, ts: 1, uid, events: [1, 2].map((seq) => ({ seq, ts: seq, type: 'ContainerStarted' as const, priority: 'low' as const })) });
  await dispatch(ctx, nodeTopic('pi-1', 'events'), events);
  await dispatch(ctx, nodeTopic('pi-1', 'events'), events);
  assert.equal((await ctx.events.list({ node: 'pi-1' })).length, 2);
  const acks = ctx.published.filter((p) => p.topic === nodeTopic('pi-1', 'ack')).map((p) => decodeMessage('ack', p.payload));
  assert.deepEqual(acks.map((a) => (a.ok ? [a.value.uid, a.value.upTo] : a.error.code)), [[uid, 2], [uid, 2]]);
  await dispatch(ctx, nodeTopic('ghost', 'events'), events);
  assert.equal(ctx.stats.snapshot().dropped[ErrorCode.NodeNotFound], 1);
});
