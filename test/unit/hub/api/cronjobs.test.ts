import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { createApi } from '../../../../hub/src/api/server.js';
import { CommandClient } from '../../../../hub/src/command-client.js';
import { LastRuns } from '../../../../hub/src/cronjobs/index.js';
import { EventLog } from '../../../../hub/src/events/event-log.js';
import { HubStats } from '../../../../hub/src/stats.js';
import { LevelStore } from '../../../../hub/src/store/level-store.js';
import { ApiStatus, CronJobObject, ErrorCode, type EventsMessage, PROTOCOL_VERSION, type RunRecord, decodeMessage } from '../../../../protocol/src/index.js';
import { tempDir } from '../../../support/daemons.js';
import { silentLog } from '../fixtures.js';
import { template } from '../workloads/fixtures.js';
import { CronFixture } from '../cronjobs/fixtures.js';

const cronJob = (name: string, spec: Record<string, unknown> = {}) => ({ apiVersion: 'corral/v1', kind: 'CronJob', metadata: { name }, spec: { schedule: '* * * * *', template: template({ app: name }), ...spec } });
const json = <T>(body: string) => JSON.parse(body) as T;

describe('cronjob routes of the HTTP API', () => {
  let app: FastifyInstance;
  let f: CronFixture;
  let store: LevelStore;
  let events: EventLog;
  let remove: () => Promise<void>;
  /** What each node answers to `trigger` (none: it stays silent). */
  const answers = new Map<string, (job: string) => { run: string; started: boolean; reason?: string }>();
  /** Nodes that answer `trigger` with this agent error code. */
  const refusals = new Map<string, string>();
  const lastRuns = new LastRuns();
  const uid = randomUUID();
  let seq = 0;

  const runs = async (node: string, list: Array<Partial<RunRecord> & Pick<RunRecord, 'status' | 'scheduledAt'>>) => {
    const message: EventsMessage = {
      v: PROTOCOL_VERSION,
      ts: 1,
      uid,
      events: list.map((r) => ({ seq: ++seq, ts: r.scheduledAt, type: 'CronRun', priority: 'low', run: { job: 'backup', jobUid: 'x', run: `backup-${r.scheduledAt / 1000}`, ...r } })),
    };
    await events.receive(node, message);
  };
  const apply = async (items: unknown[]) => {
    const res = await app.inject({ method: 'POST', url: '/api/v1/apply', payload: { kind: 'List', items } });
    await f.settle();
    return res;
  };

  before(async () => {
    const dir = await tempDir('cronjob-api');
    remove = dir.remove;
    store = await LevelStore.open(dir.path);
    events = new EventLog(store, { now: () => f.clock.now, log: silentLog });
    events.onStored((node, stored) => lastRuns.record(node, stored));
    f = new CronFixture();
    await f.startCron();
    for (const n of ['n1', 'n2']) await f.join(n, { site: 'lab' });
    await f.join('n3', { site: 'home' });
    let commands: CommandClient | undefined;
    commands = new CommandClient(async (topic, payload) => {
      const decoded = decodeMessage('cmd', payload);
      const node = topic.split('/')[3] as string;
      const answer = answers.get(node);
      const refusal = refusals.get(node);
      if (!decoded.ok || decoded.value.op !== 'trigger') return;
      const { id, job } = decoded.value;
      if (refusal !== undefined) setImmediate(() => commands?.settle(node, { v: PROTOCOL_VERSION, id, ts: 1, ok: false, error: { code: refusal, message: `cron job ${job} is not on this node` } }));
      else if (answer) setImmediate(() => commands?.settle(node, { v: PROTOCOL_VERSION, id, ts: 1, ok: true, result: answer(job) }));
    });
    app = createApi({
      registry: f.registry,
      stats: new HubStats(),
      commands,
      pods: f.pods,
      events,
      startedAt: 0,
      now: () => f.clock.now,
      workloads: { store: f.workloads, controller: f.controller },
      cronJobs: { store: f.cronJobs, controller: f.cron, lastRuns, triggerTimeoutMs: 100 },
    });
    await app.ready();
  });
  after(async () => {
    await app.close();
    await f.stop();
    await store.close();
    await remove();
  });

  it('POST /api/v1/apply creates a CronJob, then reports it unchanged, then configured with a new generation', async () => {
    const every = cronJob('backup', { template: { ...template({ app: 'backup' }), nodeSelector: { site: 'lab' } } });
    assert.deepEqual(json<{ results: unknown[] }>((await apply([every])).body).results, [{ kind: 'CronJob', name: 'backup', action: 'created' }]);
    assert.deepEqual(json<{ results: unknown[] }>((await apply([every])).body).results, [{ kind: 'CronJob', name: 'backup', action: 'unchanged' }]);
    const suspended = { ...every, spec: { ...every.spec, suspend: true } };
    assert.deepEqual(json<{ results: unknown[] }>((await apply([suspended])).body).results, [{ kind: 'CronJob', name: 'backup', action: 'configured' }]);
    assert.equal(f.cronJobs.get('backup')?.generation, 2);
    await apply([every]);
    assert.deepEqual([f.cronJobsOn('n1'), f.cronJobsOn('n2'), f.cronJobsOn('n3')], [['backup'], ['backup'], []]);
  });

  it('POST /api/v1/apply refuses an invalid CronJob naming the field', async () => {
    const res = await apply([cronJob('bad', { schedule: '61 * * * *' }), cronJob('worse', { template: { ...template(), restartPolicy: 'Always' } })]);
    assert.equal(res.statusCode, 400);
    const body = json<{ details: { causes: Array<{ field: string; message: string }> } }>(res.body);
    assert.deepEqual(body.details.causes.map((c) => c.field), ['items[0].spec.schedule', 'items[1].spec.template.restartPolicy']);
    assert.match(body.details.causes[0]?.message ?? '', /is not a cron schedule/);
    assert.equal(f.cronJobs.get('bad'), undefined);
  });

  it('GET /api/v1/cronjobs/NAME serves the spec in manifest form with each node and its next run; null when suspended', async () => {
    const before = Date.now();
    const res = await app.inject('/api/v1/cronjobs/backup');
    assert.equal(res.statusCode, 200);
    const body = json<{ status: { nodes: Array<{ name: string; nextRunAt: string | null }> } }>(res.body);
    assert.equal(CronJobObject.parse(body).spec.template.containers[0]?.resources.requests.cpu, 100);
    assert.deepEqual(body.status.nodes.map((n) => n.name), ['n1', 'n2']);
    const next = Date.parse(body.status.nodes[0]?.nextRunAt ?? '');
    assert.ok(next > before && next <= Date.now() + 60_000, `next run ${body.status.nodes[0]?.nextRunAt} is within the minute`);
    await apply([cronJob('paused', { suspend: true })]);
    const paused = json<{ status: { nodes: Array<{ nextRunAt: string | null }> } }>((await app.inject('/api/v1/cronjobs/paused')).body);
    assert.deepEqual(paused.status.nodes.map((n) => n.nextRunAt), [null, null, null]);
    const list = json<{ items: Array<{ metadata: { name: string } }> }>((await app.inject('/api/v1/cronjobs')).body);
    assert.deepEqual(list.items.map((j) => j.metadata.name), ['backup', 'paused']);
    assert.equal(ApiStatus.parse(json((await app.inject('/api/v1/cronjobs/nope')).body)).reason, 'NotFound');
  });

  it('a OneNode job no node fits says why, and cannot be triggered', async () => {
    await apply([cronJob('report', { placement: { mode: 'OneNode' }, template: { ...template(), nodeSelector: { site: 'mars' } } })]);
    const body = json<{ status: { nodes: unknown[]; message: string; unschedulable: string[] } }>((await app.inject('/api/v1/cronjobs/report')).body);
    assert.deepEqual(body.status.nodes, []);
    assert.match(body.status.message, /no node fits/);
    assert.ok(body.status.unschedulable.length > 0);
    const trigger = await app.inject({ method: 'POST', url: '/api/v1/cronjobs/report/trigger' });
    assert.deepEqual([trigger.statusCode, ApiStatus.parse(json(trigger.body)).reason], [409, 'Conflict']);
  });

  it('GET /api/v1/cronjobs/NAME/runs is the CronRun events of the job, newest first, history limits applied per node', async () => {
    const MIN = 60_000;
    await runs('n1', [
      { status: 'Succeeded', scheduledAt: 1 * MIN, exitCode: 0 },
      { status: 'Failed', scheduledAt: 2 * MIN, exitCode: 1 },
      { status: 'Succeeded', scheduledAt: 3 * MIN, exitCode: 0 },
      { status: 'Succeeded', scheduledAt: 4 * MIN, exitCode: 0 },
      { status: 'Missed', scheduledAt: 5 * MIN, reason: 'NodeOff' },
      { status: 'Succeeded', scheduledAt: 6 * MIN, exitCode: 0, logTail: ['done'] },
    ]);
    await runs('n2', [{ status: 'DeadlineExceeded', scheduledAt: 2 * MIN }]);
    const res = json<{ kind: string; items: Array<{ node: string; run: string; status: string }> }>((await app.inject('/api/v1/cronjobs/backup/runs')).body);
    assert.equal(res.kind, 'RunList');
    assert.deepEqual(res.items.map((r) => `${r.node}/${r.status}/${r.run}`), ['n1/Succeeded/backup-360', 'n1/Missed/backup-300', 'n1/Succeeded/backup-240', 'n1/Succeeded/backup-180', 'n2/DeadlineExceeded/backup-120']);
    const n2 = json<{ items: unknown[] }>((await app.inject('/api/v1/cronjobs/backup/runs?node=n2')).body);
    assert.equal(n2.items.length, 1);
    assert.equal(json<{ items: unknown[] }>((await app.inject('/api/v1/cronjobs/backup/runs?limit=2')).body).items.length, 2);
    assert.equal((await app.inject('/api/v1/cronjobs/backup/runs?limit=0')).statusCode, 400);
    const job = json<{ status: { lastRun: { run: string; node: string }; nodes: Array<{ lastRun?: { run: string } }> } }>((await app.inject('/api/v1/cronjobs/backup')).body);
    assert.deepEqual([job.status.lastRun.node, job.status.lastRun.run, job.status.nodes.map((n) => n.lastRun?.run)], ['n1', 'backup-360', ['backup-360', 'backup-120']]);
  });

  it('POST /api/v1/cronjobs/NAME/trigger asks every node of the job, or one; a silent node is a 504 of its own', async () => {
    answers.set('n1', (job) => ({ run: `${job}-m1`, started: true }));
    answers.set('n2', () => ({ run: 'backup-m1', started: false, reason: 'Forbid: backup-360 is running' }));
    const both = await app.inject({ method: 'POST', url: '/api/v1/cronjobs/backup/trigger' });
    assert.equal(both.statusCode, 200);
    assert.deepEqual(json<{ results: unknown[] }>(both.body).results, [
      { node: 'n1', run: 'backup-m1', started: true },
      { node: 'n2', run: 'backup-m1', started: false, reason: 'Forbid: backup-360 is running' },
    ]);
    const one = json<{ results: Array<{ node: string }> }>((await app.inject({ method: 'POST', url: '/api/v1/cronjobs/backup/trigger?node=n1' })).body);
    assert.deepEqual(one.results.map((r) => r.node), ['n1']);
    const elsewhere = await app.inject({ method: 'POST', url: '/api/v1/cronjobs/backup/trigger?node=n3' });
    assert.equal(elsewhere.statusCode, 400);
    assert.match(ApiStatus.parse(json(elsewhere.body)).message, /does not run on node n3 \(it runs on n1, n2\)/);

    answers.delete('n2');
    const partial = json<{ results: Array<{ node: string; error?: { code: number; reason: string } }> }>((await app.inject({ method: 'POST', url: '/api/v1/cronjobs/backup/trigger' })).body);
    assert.deepEqual(partial.results.map((r) => [r.node, r.error?.code]), [['n1', undefined], ['n2', 504]]);
    const silent = await app.inject({ method: 'POST', url: '/api/v1/cronjobs/backup/trigger?node=n2' });
    assert.deepEqual([silent.statusCode, ApiStatus.parse(json(silent.body)).reason], [504, 'Timeout']);
    refusals.set('n2', ErrorCode.CronJobNotFound);
    const behind = await app.inject({ method: 'POST', url: '/api/v1/cronjobs/backup/trigger?node=n2' });
    assert.deepEqual([behind.statusCode, ApiStatus.parse(json(behind.body)).message], [404, 'node n2 does not have cronjob backup (yet): its desired state is not applied']);
    refusals.set('n2', 'CORRAL_SOMETHING');
    assert.equal((await app.inject({ method: 'POST', url: '/api/v1/cronjobs/backup/trigger?node=n2' })).statusCode, 502);
  });

  it('DELETE /api/v1/cronjobs/NAME removes it from its nodes\' desired states', async () => {
    const res = await app.inject({ method: 'DELETE', url: '/api/v1/cronjobs/backup' });
    assert.equal(res.statusCode, 200);
    await f.settle();
    assert.deepEqual([f.cronJobsOn('n1'), f.cronJobsOn('n2')], [['paused'], ['paused']]);
    assert.equal((await app.inject({ method: 'DELETE', url: '/api/v1/cronjobs/backup' })).statusCode, 404);
  });
});
