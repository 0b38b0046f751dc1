import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { CronFixture } from './fixtures.js';

describe('CronJobController', () => {
  let f: CronFixture;
  afterEach(async () => {
    await f.stop();
  });

  it('puts an EveryNode job into the desired state of every matching node, suspended or not, and follows joins and label changes', async () => {
    f = new CronFixture();
    await f.startCron();
    await f.join('n1', { site: 'lab' });
    await f.join('n2', { site: 'home' });
    await f.applyCronJob('backup', { suspend: true }, { nodeSelector: { site: 'lab' } });
    assert.deepEqual([f.cronJobsOn('n1'), f.cronJobsOn('n2')], [['backup'], []]);
    assert.equal(f.sink.last('n1')?.message.cronJobs[0]?.spec.suspend, true);
    await f.join('n3', { site: 'lab' });
    assert.deepEqual(f.cronJobsOn('n3'), ['backup']);
    await f.join('n1', { site: 'home' });
    assert.deepEqual(f.cronJobsOn('n1'), []);
  });

  it('keeps an EveryNode job on a cordoned or silent node, like a DaemonSet', async () => {
    f = new CronFixture();
    await f.startCron();
    await f.join('n1');
    await f.registry.setUnschedulable('n1', true);
    await f.disconnect('n1');
    await f.applyCronJob('backup');
    await f.advance(120_000);
    assert.deepEqual(f.cronJobsOn('n1'), ['backup']);
  });

  it('a job change bumps the generation of its nodes once and keeps their pods; delete takes it out', async () => {
    f = new CronFixture();
    await f.startCron();
    await f.join('n1');
    await f.applyDaemonSet('metrics');
    await f.applyCronJob('backup');
    const before = f.sink.last('n1')!;
    assert.deepEqual([before.message.pods.length, before.message.cronJobs.length], [1, 1]);
    await f.applyCronJob('backup', { schedule: '0 3 * * *' });
    const after = f.sink.last('n1')!;
    assert.equal(after.generation, before.generation + 1);
    assert.deepEqual([after.message.pods.map((p) => p.name), after.message.cronJobs[0]?.spec.schedule], [before.message.pods.map((p) => p.name), '0 3 * * *']);
    await f.applyCronJob('backup', { schedule: '0 3 * * *' });
    assert.equal(f.sink.last('n1')!.generation, after.generation, 'an unchanged job publishes nothing');
    await f.cronJobs.delete('backup');
    await f.settle();
    assert.deepEqual([f.cronJobsOn('n1'), f.sink.last('n1')?.message.pods.length], [[], 1]);
  });

  it('places a OneNode job on exactly one node, stores it, and keeps it there across a controller restart', async () => {
    f = new CronFixture();
    await f.startCron();
    for (const n of ['n1', 'n2', 'n3']) await f.join(n);
    const record = await f.applyCronJob('report', { placement: { mode: 'OneNode' } });
    const placed = f.cronJobs.get('report')?.placement?.node;
    assert.ok(placed);
    assert.deepEqual(['n1', 'n2', 'n3'].filter((n) => f.cronJobsOn(n).includes('report')), [placed]);
    assert.equal((await f.cronCollection.get('report'))?.placement?.node, placed, 'the placement is in the store');
    assert.equal(f.cron.jobEvents('report').at(-1)?.reason, 'Scheduled');

    const again = new CronFixture({ cronCollection: f.cronCollection });
    try {
      for (const n of ['n3', 'n2', 'n1']) await again.join(n);
      await again.startCron();
      assert.equal(again.cronJobs.get('report')?.uid, record.uid);
      assert.deepEqual(['n1', 'n2', 'n3'].filter((n) => again.cronJobsOn(n).includes('report')), [placed]);
    } finally {
      await again.stop();
    }
  });

  it('moves a OneNode job off a node NotReady for 30 s; the node back, its desired state no longer has it', async () => {
    f = new CronFixture();
    await f.startCron();
    await f.join('n1');
    await f.applyCronJob('report', { placement: { mode: 'OneNode' } });
    await f.join('n2');
    assert.deepEqual([f.cronJobsOn('n1'), f.cronJobsOn('n2')], [['report'], []]);
    await f.disconnect('n1');
    await f.advance(29_000);
    assert.deepEqual(f.cronJobsOn('n1'), ['report'], 'not lost yet');
    await f.advance(1_000);
    assert.deepEqual([f.cronJobsOn('n1'), f.cronJobsOn('n2')], [[], ['report']]);
    assert.match(f.cron.jobEvents('report').at(-1)?.message ?? '', /^moved from node n1 \(NodeLost\) to node n2$/);
    await f.join('n1');
    assert.deepEqual([f.cronJobsOn('n1'), f.cronJobs.get('report')?.placement?.node], [[], 'n2']);
  });

  it('leaves a OneNode job unplaced while no node fits, with the decision, and places it when a node joins', async () => {
    f = new CronFixture();
    await f.startCron();
    await f.join('n1', { site: 'home' });
    const record = await f.applyCronJob('report', { placement: { mode: 'OneNode' } }, { nodeSelector: { site: 'lab' } });
    assert.equal(f.cronJobs.get('report')?.placement, undefined);
    assert.deepEqual(f.cron.unplaced(record)?.verdicts.map((v) => v.rejections.map((r) => r.filter)), [['NodeSelector']]);
    assert.equal(f.cron.jobEvents('report').at(-1)?.reason, 'FailedScheduling');
    await f.join('n2', { site: 'lab' });
    assert.deepEqual([f.cronJobs.get('report')?.placement?.node, f.cronJobsOn('n2')], ['n2', ['report']]);
    assert.equal(f.cron.unplaced(f.cronJobs.get('report')!), undefined);
  });
});
