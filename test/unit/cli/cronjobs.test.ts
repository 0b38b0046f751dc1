import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeCronJob } from '../../../cli/src/format/describe-cronjob.js';
import { cronJobRow, formatCronJobTable, formatRunTable, runDuration } from '../../../cli/src/format/cronjobs.js';
import { renderCronJobs } from '../../../cli/src/format/output.js';
import { CronJobObject } from '../../../protocol/src/index.js';
import { makeCronJob, makeRun } from './cronjob-fixtures.js';
import { NOW } from './fixtures.js';

describe('cronjob formatting', () => {
  it('get cronjobs rows: schedule, time zone (node-local without one), suspend, placement, nodes, last run age, age', () => {
    const every = makeCronJob({ timeZone: 'Europe/Berlin' });
    assert.deepEqual(cronJobRow(every, NOW), ['backup', '*/5 * * * *', 'Europe/Berlin', 'False', 'EveryNode', '2', '2m', '3d']);
    const one = makeCronJob({ name: 'report', mode: 'OneNode', nodes: ['pi-2'], placed: 'pi-2', suspend: true, lastRun: false });
    assert.deepEqual(cronJobRow(one, NOW), ['report', '*/5 * * * *', '<node-local>', 'True', 'OneNode', 'pi-2', '<none>', '3d']);
    const unplaced = makeCronJob({ name: 'x', mode: 'OneNode', nodes: [] });
    assert.equal(cronJobRow(unplaced, NOW)[5], '<none>');
    assert.deepEqual(cronJobRow(every, NOW, true).slice(8), ['in 5m', 'Succeeded', 'busybox:1.36']);
    assert.equal(cronJobRow(one, NOW, true)[8], '<suspended>');
    assert.match(formatCronJobTable([every], NOW), /^NAME\s+SCHEDULE\s+TIMEZONE\s+SUSPEND\s+PLACEMENT\s+NODES\s+LAST-RUN\s+AGE\nbackup\s+\*\/5 \* \* \* \*\s+Europe\/Berlin\s+False\s+EveryNode\s+2\s+2m\s+3d\n$/);
  });

  it('get cronjobs -o yaml and -o json print the spec in manifest form, which parses again', () => {
    const out = renderCronJobs(makeCronJob(), 'json', NOW);
    const parsed = CronJobObject.parse(JSON.parse(out));
    assert.equal(parsed.spec.template.containers[0]?.resources.requests.cpu, 50);
    assert.match(renderCronJobs(makeCronJob(), 'yaml', NOW), /cpu: 50m/);
    assert.equal(renderCronJobs({ apiVersion: 'corral/v1', kind: 'List', items: [makeCronJob()] }, 'name', NOW), 'cronjob/backup\n');
  });

  it('get runs rows: run, node, status, ages, duration, exit code and reason', () => {
    const table = formatRunTable([makeRun(5), makeRun(10, { status: 'Missed', reason: 'NodeOff' }), makeRun(15, { status: 'Failed', node: 'pi-2' })], NOW);
    const lines = table.trimEnd().split('\n');
    assert.match(lines[0] ?? '', /^RUN\s+NODE\s+STATUS\s+SCHEDULED\s+STARTED\s+DURATION\s+EXIT\s+REASON$/);
    assert.match(lines[1] ?? '', /^backup-1717242900\s+pi-1\s+Succeeded\s+5m\s+4m58s\s+75s\s+0\s+<none>$/);
    assert.match(lines[2] ?? '', /^backup-1717242600\s+pi-1\s+Missed\s+10m\s+<none>\s+<none>\s+<none>\s+NodeOff$/);
    assert.match(lines[3] ?? '', /^backup-1717242300\s+pi-2\s+Failed\s+15m\s+14m\s+75s\s+3\s+<none>$/);
    assert.equal(runDuration({ startedAt: 1 }), '<running>');
    assert.match(formatRunTable([makeRun(1, { manual: true, logTail: ['a', '  last   line '] })], NOW, true), /\sTrue\s+last line\n$/);
  });

  it('describe cronjob shows the spec, each node with its next and last run, the kept runs, the template and events', () => {
    const text = describeCronJob(makeCronJob({ timeZone: 'UTC' }), { runs: [makeRun(5), makeRun(10, { status: 'Failed' })], events: { kind: 'List', items: [] }, now: NOW });
    assert.match(text, /^Name: +backup$/m);
    assert.match(text, /^Schedule: +\*\/5 \* \* \* \*$/m);
    assert.match(text, /^Time Zone: +UTC$/m);
    assert.match(text, /^Concurrency Policy: +Forbid$/m);
    assert.match(text, /^Starting Deadline: +<unset>$/m);
    assert.match(text, /^Placement: +EveryNode/m);
    assert.match(text, /^Nodes:\n +NODE +NEXT-RUN +LAST-RUN\n +pi-1 +2024-06-01T12:05:00\.000Z \(in 5m\) +backup-1717243080 Succeeded \(2m ago\)\n +pi-2 /m);
    assert.match(text, /^Last Runs:\n +RUN +NODE +STATUS +SCHEDULED +DURATION +EXIT +REASON\n +backup-1717242900 +pi-1 +Succeeded +2024-06-01T11:55:00\.000Z +75s +0 +<none>\n/m);
    assert.match(text, /^ {4}job:\n {6}Image: +busybox:1\.36$/m);
    assert.match(text, /^Events:\n {2}<none>\n$/m);
  });

  it('describe cronjob of a OneNode job shows its node, or why it has none', () => {
    const placed = describeCronJob(makeCronJob({ mode: 'OneNode', nodes: ['pi-2'], placed: 'pi-2' }), { runs: [], events: { kind: 'List', items: [] }, now: NOW });
    assert.match(placed, /^Node: +pi-2 \(since 2024-05-31T12:00:00\.000Z\)$/m);
    assert.match(placed, /^Last Runs:\n {2}<none>$/m);
    const unplaced = describeCronJob(makeCronJob({ mode: 'OneNode', nodes: [] }), { runs: [], events: { kind: 'List', items: [] }, now: NOW });
    assert.match(unplaced, /^Node: +<none>: no node fits; the job is placed as soon as one does$/m);
    assert.match(unplaced, /^Scheduler: +pod cronjob\/x: no node fits\n +pi-1: rejected: NodeSelector/m);
    assert.match(unplaced, /^Nodes:\n {2}<none>$/m);
  });
});
