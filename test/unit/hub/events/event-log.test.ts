import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, describe, it } from 'node:test';
import fc from 'fast-check';
import pino from 'pino';
import { EventLog } from '../../../../hub/src/events/event-log.js';
import { LevelStore } from '../../../../hub/src/store/level-store.js';
import { type AgentEvent, type EventsMessage, PROTOCOL_VERSION } from '../../../../protocol/src/index.js';
import { tempDir } from '../../../support/daemons.js';

const log = pino({ level: 'silent' });
const dirs: Array<() => Promise<void>> = [];
after(async () => {
  for (const remove of dirs) await remove();
});

async function open(): Promise<{ store: LevelStore; path: string }> {
  const dir = await tempDir('corral-eventlog-');
  dirs.push(dir.remove);
  return { store: await LevelStore.open(dir.path), path: dir.path };
}

const event = (seq: number, pod = 'web'): AgentEvent => ({ seq, ts: seq, type: 'ContainerExited', priority: 'low', pod, container: 'c', reason: 'Error', exitCode: 1 });
const message = (uid: string, seqs: number[], pod?: string): EventsMessage => ({ v: PROTOCOL_VERSION, ts: 1, uid, events: seqs.map((s) => event(s, pod)) });

describe('EventLog', () => {
  it('stores each sequence number once and acknowledges cumulatively', async () => {
    const { store } = await open();
    const events = new EventLog(store, { now: () => 5, log });
    const uid = randomUUID();
    assert.deepEqual(await events.receive('pi-1', message(uid, [1, 2])), { upTo: 2, accepted: 2, duplicates: 0 });
    assert.deepEqual(await events.receive('pi-1', message(uid, [1, 2, 3])), { upTo: 3, accepted: 1, duplicates: 2 });
    assert.deepEqual(await events.receive('pi-1', message(uid, [2])), { upTo: 3, accepted: 0, duplicates: 1 });
    assert.deepEqual((await events.list({ node: 'pi-1' })).map((e) => e.seq), [3, 2, 1]);
    assert.equal(events.cursor('pi-1')?.duplicates, 3);
    await store.close();
  });

  it('keeps exactly-once across a hub restart', async () => {
    const { store, path } = await open();
    const uid = randomUUID();
    const first = new EventLog(store, { now: () => 5, log });
    await first.receive('pi-1', message(uid, [1, 2]));
    await store.close();
    const store2 = await LevelStore.open(path);
    const second = new EventLog(store2, { now: () => 6, log });
    await second.load();
    assert.deepEqual(await second.receive('pi-1', message(uid, [2, 3])), { upTo: 3, accepted: 1, duplicates: 1 });
    assert.deepEqual((await second.list({ node: 'pi-1' })).map((e) => e.seq).sort(), [1, 2, 3]);
    await store2.close();
  });

  it('counts numbers that never came (discarded by a full outbox)', async () => {
    const { store } = await open();
    const events = new EventLog(store, { now: () => 5, log });
    const uid = randomUUID();
    await events.receive('pi-1', message(uid, [1, 5, 6]));
    assert.equal(events.cursor('pi-1')?.missing, 3);
    await store.close();
  });

  it('starts numbers again for a node with a new identity (wiped data dir)', async () => {
    const { store } = await open();
    const events = new EventLog(store, { now: () => 5, log });
    await events.receive('pi-1', message(randomUUID(), [1, 2, 3]));
    const fresh = randomUUID();
    assert.deepEqual(await events.receive('pi-1', message(fresh, [1])), { upTo: 1, accepted: 1, duplicates: 0 });
    assert.equal(events.cursor('pi-1')?.uid, fresh);
    assert.equal((await events.list({ node: 'pi-1' })).length, 4);
    await store.close();
  });

  it('keeps the newest events per node and filters by pod', async () => {
    const { store } = await open();
    const events = new EventLog(store, { now: () => 5, log, retainPerNode: 3 });
    const uid = randomUUID();
    await events.receive('pi-1', message(uid, [1, 2], 'a'));
    await events.receive('pi-1', message(uid, [3, 4], 'b'));
    assert.deepEqual((await events.list({ node: 'pi-1' })).map((e) => e.seq), [4, 3, 2]);
    assert.deepEqual((await events.list({ pod: 'b' })).map((e) => e.seq), [4, 3]);
    await store.close();
  });

  it('property: whatever the redeliveries and their order, each number is stored once', async () => {
    const { store } = await open();
    let node = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.integer({ min: 1, max: 30 }), fc.integer({ min: 1, max: 5 })), { minLength: 1, maxLength: 20 }), async (batches) => {
        const name = `n-${(node += 1)}`;
        const events = new EventLog(store, { now: () => 5, log });
        const uid = randomUUID();
        const seen = new Set<number>();
        let max = 0;
        for (const [from, length] of batches) {
          const seqs = Array.from({ length }, (_, i) => from + i);
          await events.receive(name, message(uid, seqs));
          for (const s of seqs) if (s > max) seen.add(s);
          max = Math.max(max, ...seqs);
        }
        const stored = (await events.list({ node: name, limit: 10_000 })).map((e) => e.seq);
        assert.equal(new Set(stored).size, stored.length, 'no duplicates');
        assert.deepEqual([...stored].sort((a, b) => a - b), [...seen].sort((a, b) => a - b));
      }),
      { numRuns: 60 },
    );
    await store.close();
  });
});
