import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import pino from 'pino';
import { Outbox } from '../../../../agent/src/outbox/outbox.js';
import { OutboxSender } from '../../../../agent/src/outbox/sender.js';
import { AgentStore } from '../../../../agent/src/state/store.js';
import type { AgentEvent } from '../../../../protocol/src/index.js';
import { tempDir } from '../../../support/daemons.js';

const log = pino({ level: 'silent' });

describe('OutboxSender', () => {
  let store: AgentStore;
  let remove: () => Promise<void>;
  let outbox: Outbox;
  let sent: number[][];
  let sender: OutboxSender;

  beforeEach(async () => {
    const dir = await tempDir('corral-sender-');
    remove = dir.remove;
    store = await AgentStore.open(dir.path);
    outbox = await Outbox.open(store, { maxBytes: 1 << 20, now: () => 1 });
    sent = [];
    sender = new OutboxSender({ outbox, log, ackTimeoutMs: 1000, batchSize: 2, publish: async (events: AgentEvent[]) => void sent.push(events.map((e) => e.seq)) });
    outbox.onAppended = () => sender.notify();
    mock.timers.enable({ apis: ['setTimeout'] });
  });

  afterEach(async () => {
    mock.timers.reset();
    sender.stop();
    await store.close();
    await remove();
  });

  const append = (n: number) => outbox.append(Array.from({ length: n }, () => ({ type: 'ContainerStarted' as const, priority: 'low' as const })));

  it('sends nothing while the link is down, then the oldest batch; one batch in flight', async () => {
    await append(3);
    assert.deepEqual(sent, []);
    sender.linkUp();
    assert.deepEqual(sent, [[1, 2]]);
    await append(1);
    assert.deepEqual(sent, [[1, 2]], 'waits for the ack');
  });

  it('an ack forgets the events and sends the next batch', async () => {
    await append(3);
    sender.linkUp();
    await sender.acknowledged(2);
    assert.deepEqual(sent, [[1, 2], [3]]);
    assert.equal(outbox.pending, 1);
    await sender.acknowledged(3);
    assert.equal(outbox.pending, 0);
    assert.equal(sent.length, 2);
  });

  it('resends the batch when the ack does not come, waiting longer each time', async () => {
    await append(1);
    sender.linkUp();
    mock.timers.tick(999);
    assert.equal(sent.length, 1);
    mock.timers.tick(1);
    assert.deepEqual(sent, [[1], [1]]);
    mock.timers.tick(1999);
    assert.equal(sent.length, 2, 'the second wait is twice as long');
    mock.timers.tick(1);
    assert.equal(sent.length, 3);
  });

  it('resends from the oldest unacknowledged event after a reconnect', async () => {
    await append(2);
    sender.linkUp();
    sender.linkDown();
    sender.linkUp();
    assert.deepEqual(sent, [[1, 2], [1, 2]]);
  });

  it('a stale ack forgets what it covers but keeps waiting for the batch in flight', async () => {
    await append(3);
    sender.linkUp();
    await sender.acknowledged(1);
    assert.equal(outbox.pending, 2);
    assert.equal(sent.length, 1);
  });
});
