import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import pino from 'pino';
import { type CronJobState, CronRunner } from '../../../../agent/src/cron/cron-runner.js';
import { Outbox } from '../../../../agent/src/outbox/outbox.js';
import { AgentStore } from '../../../../agent/src/state/store.js';
import { CronJobSpec, type CronJobSpecInput, type DesiredCronJobEntry, type PodStatus } from '../../../../protocol/src/index.js';
import { tempDir } from '../../../support/daemons.js';

const log = pino({ level: 'silent' });
const dirs: Array<() => Promise<void>> = [];
after(async () => {
  for (const remove of dirs) await remove();
});

const T0 = Date.parse('2026-05-01T12:00:00Z');

function job(spec: Partial<CronJobSpecInput> = {}, name = 'backup'): DesiredCronJobEntry {
  return { uid: `uid-${name}`, name, spec: CronJobSpec.parse({ schedule: '*/10 * * * * *', template: { containers: [{ name: 'main', image: 'busybox', command: ['true'] }] }, ...spec }) };
}

/** A runner on a real LevelDB, with a clock and a timer the test drives. */
async function harness(path?: string) {
  const dir = path ?? (await tempDir('corral-cron-')).path;
  if (!path) dirs.push(async () => void 0);
  const store = await AgentStore.open(dir);
  const outbox = await Outbox.open(store, { maxBytes: 1 << 20, now: () => clock.now });
  const clock = { now: T0 + 500 };
  const fires = new Map<string, (at: number) => void>();
  let changes = 0;
  const runner = await CronRunner.open({
    store,
    outbox,
    now: () => clock.now,
    log,
    logTail: async (pod) => [`last line of ${pod.name}`],
    onPodsChanged: () => void (changes += 1),
    startTimer: (expression, _tz, fire) => {
      fires.set(expression, fire);
      return { stop: () => fires.delete(expression) };
    },
  });
  const tick = async (expression: string, at: number) => {
    clock.now = at + 3;
    fires.get(expression)?.(at);
    await runner.setJobs(current); // a no-op for unchanged jobs; waits for the queue
  };
  let current: DesiredCronJobEntry[] = [];
  return {
    dir,
    store,
    outbox,
    clock,
    runner,
    fires,
    changes: () => changes,
    tick,
    async setJobs(jobs: DesiredCronJobEntry[]) {
      current = jobs;
      await runner.setJobs(jobs);
    },
    events: () => outbox.peek(1000, 1 << 30).filter((e) => e.type === 'CronRun').map((e) => e.run!),
    async close() {
      await runner.stop();
      await store.close();
    },
  };
}

const ended = (uid: string, phase: 'Succeeded' | 'Failed', exitCode: number): PodStatus => ({
  name: 'x',
  uid,
  phase,
  containerStatuses: [{ name: 'main', image: 'busybox', ready: false, restartCount: 0, state: { terminated: { exitCode, reason: exitCode === 0 ? 'Completed' : 'Error', finishedAt: T0 + 20_000 } } }],
});

describe('CronRunner', () => {
  it('a tick starts a run pod; its end becomes a record in LevelDB and one CronRun event', async () => {
    const h = await harness();
    const j = job();
    await h.setJobs([j]);
    assert.deepEqual(h.runner.pods(), [], 'a new job has no past to catch up');
    await h.tick(j.spec.schedule, T0 + 10_000);
    const [pod] = h.runner.pods();
    assert.equal(pod?.name, `backup-${(T0 + 10_000) / 1000}`);
    assert.equal(pod?.spec.restartPolicy, 'Never');
    await h.runner.observe([ended(pod!.uid, 'Failed', 3)]);
    assert.deepEqual(h.runner.pods(), []);
    const [record] = h.events();
    assert.equal(record?.status, 'Failed');
    assert.equal(record?.exitCode, 3);
    assert.deepEqual(record?.logTail, [`last line of ${pod!.name}`]);
    const states = await h.store.entries<CronJobState>('cron');
    assert.equal(states[0]?.[1].history.length, 1);
    assert.equal(states[0]?.[1].lastScheduledAt, T0 + 10_000);
    await h.runner.observe([ended(pod!.uid, 'Failed', 3)]);
    assert.equal(h.events().length, 1, 'an end seen twice is recorded once');
    await h.close();
  });

  it('Forbid skips a tick while a run is going; Replace ends the old run as Failed/Replaced', async () => {
    const forbid = await harness();
    const j = job({ concurrencyPolicy: 'Forbid' });
    await forbid.setJobs([j]);
    await forbid.tick(j.spec.schedule, T0 + 10_000);
    await forbid.tick(j.spec.schedule, T0 + 20_000);
    assert.equal(forbid.runner.pods().length, 1);
    assert.equal(await forbid.runner.trigger('backup').then((r) => r.started), false, 'a manual run obeys Forbid too');
    await forbid.close();

    const replace = await harness();
    const r = job({ concurrencyPolicy: 'Replace' });
    await replace.setJobs([r]);
    await replace.tick(r.spec.schedule, T0 + 10_000);
    await replace.tick(r.spec.schedule, T0 + 20_000);
    assert.deepEqual(replace.runner.pods().map((p) => p.name), [`backup-${(T0 + 20_000) / 1000}`]);
    assert.deepEqual(replace.events().map((e) => [e.status, e.reason]), [['Failed', 'Replaced']]);
    await replace.close();
  });

  it('Allow runs overlapping ticks side by side', async () => {
    const h = await harness();
    const j = job();
    await h.setJobs([j]);
    await h.tick(j.spec.schedule, T0 + 10_000);
    await h.tick(j.spec.schedule, T0 + 20_000);
    assert.equal(h.runner.pods().length, 2);
    await h.close();
  });

  it('a run past activeDeadlineSeconds leaves the pod set and is recorded DeadlineExceeded', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const h = await harness();
    const j = job({ activeDeadlineSeconds: 5 });
    await h.setJobs([j]);
    await h.tick(j.spec.schedule, T0 + 10_000);
    assert.equal(h.runner.pods().length, 1);
    h.clock.now += 5_000;
    t.mock.timers.tick(5_000);
    await h.runner.setJobs([j]);
    assert.deepEqual(h.runner.pods(), []);
    assert.deepEqual(h.events().map((e) => e.status), ['DeadlineExceeded']);
    await h.close();
  });

  it('never fires a tick twice, even across a restart; after 10 s down it starts one catch-up run', async () => {
    const first = await harness();
    const j = job({ startingDeadlineSeconds: 30 });
    await first.setJobs([j]);
    await first.tick(j.spec.schedule, T0 + 10_000);
    await first.runner.observe([ended(first.runner.pods()[0]!.uid, 'Succeeded', 0)]);
    await first.close();

    const second = await harness(first.dir);
    second.clock.now = T0 + 10_400; // restarted at once: the 10 s tick was handled
    await second.setJobs([j]);
    assert.deepEqual(second.runner.pods(), []);
    await second.tick(j.spec.schedule, T0 + 10_000);
    assert.deepEqual(second.runner.pods(), [], 'a repeated tick is ignored');
    await second.close();

    const third = await harness(first.dir);
    third.clock.now = T0 + 41_000; // down from 10 s to 41 s: ticks at 20, 30, 40 passed
    await third.setJobs([j]);
    assert.deepEqual(third.runner.pods().map((p) => p.name), [`backup-${(T0 + 40_000) / 1000}`], 'one run, for the newest tick');
    // The outbox still holds the first run's record (no hub acknowledged it), then the two missed ticks.
    assert.deepEqual(third.events().map((e) => [e.status, e.scheduledAt - T0]), [['Succeeded', 10_000], ['Missed', 30_000], ['Missed', 20_000]]);
    await third.close();
  });

  it('suspend stops scheduled runs but a manual trigger still runs; a removed job stops its runs', async () => {
    const h = await harness();
    const j = job({ suspend: true });
    await h.setJobs([j]);
    assert.equal(h.fires.size, 0, 'no timer while suspended');
    const manual = await h.runner.trigger('backup');
    assert.equal(manual.started, true);
    assert.match(manual.run, /^backup-m\d+$/);
    assert.equal(h.runner.pods().length, 1);
    await h.setJobs([]);
    assert.deepEqual(h.runner.pods(), []);
    assert.deepEqual(await h.store.entries('cron'), []);
    await assert.rejects(h.runner.trigger('backup'), /not on this node/);
    await h.close();
  });

  it('a tick fired after its starting deadline (an overloaded agent) is recorded Missed, not run', async () => {
    const h = await harness();
    const j = job({ startingDeadlineSeconds: 5 });
    await h.setJobs([j]);
    h.clock.now = T0 + 10_000 + 6_000;
    h.fires.get(j.spec.schedule)?.(T0 + 10_000);
    await h.runner.setJobs([j]);
    assert.deepEqual(h.runner.pods(), []);
    assert.deepEqual(h.events().map((e) => [e.status, e.reason]), [['Missed', 'StartingDeadlineExceeded']]);
    await h.close();
  });

  it('after stop, queued steps are dropped and nothing touches the closed store', async () => {
    const h = await harness();
    const j = job();
    await h.setJobs([j]);
    h.fires.get(j.spec.schedule)?.(T0 + 10_000);
    await h.runner.stop();
    await h.store.close();
    await assert.rejects(h.runner.trigger('backup'), /stopping/);
  });
});
