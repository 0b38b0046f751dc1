import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ReadWriteLock } from '../../../../agent/src/images/read-write-lock.js';

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

const tick = () => new Promise<void>((r) => setImmediate(r));

test('ReadWriteLock lets readers overlap', async () => {
  const lock = new ReadWriteLock();
  const gate = deferred();
  const a = lock.shared(() => gate.promise);
  const b = lock.shared(() => gate.promise);
  await tick();
  assert.deepEqual(lock.state, { readers: 2, writer: false, waiting: 0 });
  gate.resolve();
  await Promise.all([a, b]);
  assert.deepEqual(lock.state, { readers: 0, writer: false, waiting: 0 });
});

test('ReadWriteLock runs a writer alone and in arrival order', async () => {
  const lock = new ReadWriteLock();
  const order: string[] = [];
  const gate = deferred();
  const r1 = lock.shared(async () => {
    order.push('r1 start');
    await gate.promise;
    order.push('r1 end');
  });
  const w = lock.exclusive(async () => {
    order.push('w');
  });
  const r2 = lock.shared(async () => {
    order.push('r2');
  });
  await tick();
  assert.deepEqual(order, ['r1 start'], 'the writer waits for r1, and r2 waits behind the writer');
  assert.deepEqual(lock.state, { readers: 1, writer: false, waiting: 2 });
  gate.resolve();
  await Promise.all([r1, w, r2]);
  assert.deepEqual(order, ['r1 start', 'r1 end', 'w', 'r2']);
});

test('ReadWriteLock releases the lock when the work throws', async () => {
  const lock = new ReadWriteLock();
  await assert.rejects(lock.exclusive(async () => Promise.reject(new Error('boom'))), /boom/);
  assert.equal(await lock.exclusive(async () => 'next'), 'next');
  assert.deepEqual(lock.state, { readers: 0, writer: false, waiting: 0 });
});

test('ReadWriteLock.tryExclusive runs only when the lock is free and never waits', async () => {
  const lock = new ReadWriteLock();
  assert.deepEqual(await lock.tryExclusive(async () => 1), { ran: true, value: 1 });
  const gate = deferred();
  const reader = lock.shared(() => gate.promise);
  await tick();
  assert.deepEqual(await lock.tryExclusive(async () => 2), { ran: false });
  gate.resolve();
  await reader;
  let readerRan = false;
  let queued: Promise<void> | undefined;
  const during = await lock.tryExclusive(async () => {
    queued = lock.shared(async () => {
      readerRan = true;
    });
    await tick();
    return readerRan;
  });
  assert.deepEqual(during, { ran: true, value: false }, 'a reader waits while tryExclusive holds the lock');
  await queued;
  assert.equal(readerRan, true);
});
