import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import pino from 'pino';
import { DEFAULT_RETAIN_PER_NODE, EventLog, type StoredEvent } from '../../../../hub/src/events/event-log.js';
import { LevelStore } from '../../../../hub/src/store/level-store.js';
import { type AgentEvent, PROTOCOL_VERSION } from '../../../../protocol/src/index.js';
import { tempDir } from '../../../support/daemons.js';

const log = pino({ level: 'silent' });

test('EventLog keeps 5000 events per node by default: cron runs add up', () => {
  assert.equal(DEFAULT_RETAIN_PER_NODE, 5000);
});

test('EventLog.list filters by type and by CronJob, and onStored hears each newly stored batch once', async () => {
  const dir = await tempDir('eventlog-filters');
  const store = await LevelStore.open(dir.path);
  try {
    const events = new EventLog(store, { now: () => 5, log });
    const heard: Array<[string, number[]]> = [];
    events.onStored((node, stored: readonly StoredEvent[]) => heard.push([node, stored.map((e) => e.seq)]));
    const run = (seq: number, job: string): AgentEvent => ({ seq, ts: seq, type: 'CronRun', priority: 'low', run: { job, jobUid: 'u', run: `${job}-${seq}`, scheduledAt: seq, status: 'Succeeded' } });
    const exit: AgentEvent = { seq: 3, ts: 3, type: 'ContainerExited', priority: 'low', pod: 'web', exitCode: 0 };
    const uid = randomUUID();
    await events.receive('pi-1', { v: PROTOCOL_VERSION, ts: 1, uid, events: [run(1, 'backup'), run(2, 'report'), exit, run(4, 'backup')] });
    await events.receive('pi-1', { v: PROTOCOL_VERSION, ts: 1, uid, events: [run(4, 'backup')] });
    assert.deepEqual((await events.list({ type: 'CronRun' })).map((e) => e.seq), [4, 2, 1]);
    assert.deepEqual((await events.list({ job: 'backup', limit: 1 })).map((e) => e.seq), [4]);
    assert.deepEqual((await events.list({ job: 'backup', node: 'pi-2' })).map((e) => e.seq), []);
    assert.deepEqual(heard, [['pi-1', [1, 2, 3, 4]]], 'a redelivered event is not heard again');
  } finally {
    await store.close();
    await dir.remove();
  }
});
