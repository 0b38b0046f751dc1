import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { type EventInput, Outbox } from '../../../../agent/src/outbox/outbox.js';
import { AgentStore, type StoreOp } from '../../../../agent/src/state/store.js';
import { tempDir } from '../../../support/daemons.js';

const dirs: Array<() => Promise<void>> = [];
after(async () => {
  for (const remove of dirs) await remove();
});

async function openStore(): Promise<{ store: AgentStore; path: string }> {
  const dir = await tempDir('corral-outbox-');
  dirs.push(dir.remove);
  return { store: await AgentStore.open(dir.path), path: dir.path };
}

const exit = (container: string, priority: 'high' | 'low' = 'low'): EventInput => ({ type: 'ContainerExited', priority, pod: 'web', podUid: 'u1', container, reason: 'Error', exitCode: 1 });
const now = () => 1_700_000_000_000;

describe('Outbox', () => {
  it('numbers events from 1 in write order and keeps them across a reopen', async () => {
    const { store, path } = await openStore();
    const outbox = await Outbox.open(store, { maxBytes: 1 << 20, now });
    const [a, b] = await Promise.all([outbox.append([exit('a')]), outbox.append([exit('b'), exit('c')])]);
    assert.deepEqual([...(a ?? []), ...(b ?? [])].map((e) => [e.seq, e.container]), [[1, 'a'], [2, 'b'], [3, 'c']]);
    await store.close();
    const reopened = await Outbox.open(await AgentStore.open(path), { maxBytes: 1 << 20, now });
    assert.deepEqual(reopened.peek(10, 1 << 20).map((e) => e.seq), [1, 2, 3]);
    assert.equal(reopened.nextSeq, 4);
  });

  it('never reuses a number, even when every event was acknowledged before a restart', async () => {
    const { store, path } = await openStore();
    const outbox = await Outbox.open(store, { maxBytes: 1 << 20, now });
    await outbox.append([exit('a'), exit('b')]);
    assert.equal(await outbox.acknowledge(2), 2);
    assert.equal(outbox.pending, 0);
    await store.close();
    const store2 = await AgentStore.open(path);
    const reopened = await Outbox.open(store2, { maxBytes: 1 << 20, now });
    const [next] = await reopened.append([exit('c')]);
    assert.equal(next?.seq, 3);
    await store2.close();
  });

  it('writes the events and the state change they describe in one batch', async () => {
    const { store } = await openStore();
    const outbox = await Outbox.open(store, { maxBytes: 1 << 20, now });
    const records: StoreOp = { sublevel: 'pods', type: 'put', key: 'u1', value: { a: { restart: { count: 1 } } } };
    await outbox.append([exit('a')], [records]);
    assert.deepEqual((await store.loadPodRecords()).get('u1'), { a: { restart: { count: 1 } } });
  });

  it('changes nothing when the write fails (disk full): no event, no number used', async () => {
    const { store } = await openStore();
    let failNext = false;
    const failing = {
      batch: async (ops: readonly StoreOp[], options: { sync: boolean }) => {
        if (failNext) {
          failNext = false;
          throw Object.assign(new Error('No space left on device'), { code: 'ENOSPC' });
        }
        await store.batch(ops, options);
      },
      entries: store.entries.bind(store),
      getMeta: store.getMeta.bind(store),
    };
    const outbox = await Outbox.open(failing, { maxBytes: 1 << 20, now });
    await outbox.append([exit('a')]);
    failNext = true;
    await assert.rejects(outbox.append([exit('b')], [{ sublevel: 'pods', type: 'put', key: 'u2', value: {} }]), /No space/);
    assert.equal(outbox.pending, 1);
    assert.equal((await store.loadPodRecords()).has('u2'), false);
    const [c] = await outbox.append([exit('c')]);
    assert.equal(c?.seq, 2);
  });

  it('when full, drops the oldest low-priority events first and reports how many', async () => {
    const { store } = await openStore();
    const outbox = await Outbox.open(store, { maxBytes: 16 * 1024, now });
    await outbox.append([exit('first-high', 'high')]);
    for (let i = 0; i < 200; i += 1) await outbox.append([exit(`c${i}`)]);
    assert.ok(outbox.pendingBytes <= 16 * 1024, `bounded: ${outbox.pendingBytes}`);
    assert.ok(outbox.dropped > 0);
    const kept = outbox.peek(1000, 1 << 20);
    assert.equal(kept[0]?.container, 'first-high', 'the high event outlives newer low ones');
    const reports = kept.filter((e) => e.type === 'EventsDropped');
    assert.equal(reports.reduce((sum, e) => sum + (e.count ?? 0), 0), outbox.dropped);
    assert.ok(reports.every((e) => e.priority === 'high'));
    const lows = kept.filter((e) => e.type === 'ContainerExited' && e.priority === 'low').map((e) => e.container);
    assert.equal(lows.at(-1), 'c199', 'the newest event is kept');
  });

  it('drops high-priority events too rather than grow past its bound', async () => {
    const { store } = await openStore();
    const outbox = await Outbox.open(store, { maxBytes: 16 * 1024, now });
    for (let i = 0; i < 300; i += 1) await outbox.append([exit(`h${i}`, 'high')]);
    assert.ok(outbox.pendingBytes <= 16 * 1024);
    assert.ok(outbox.dropped > 0);
  });

  it('peek returns the oldest events within the count and size bounds, at least one', async () => {
    const { store } = await openStore();
    const outbox = await Outbox.open(store, { maxBytes: 1 << 20, now });
    await outbox.append([exit('a'), exit('b'), exit('c')]);
    assert.deepEqual(outbox.peek(2, 1 << 20).map((e) => e.seq), [1, 2]);
    assert.deepEqual(outbox.peek(10, 1).map((e) => e.seq), [1]);
  });

  it('refuses a bound too small to be useful', async () => {
    const { store } = await openStore();
    await assert.rejects(Outbox.open(store, { maxBytes: 1000, now }), RangeError);
  });
});
