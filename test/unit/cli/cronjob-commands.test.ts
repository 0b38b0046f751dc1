import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { run } from '../../../cli/src/program.js';
import { CronJobObject } from '../../../protocol/src/index.js';
import { makeCronJobJson, makeRun } from './cronjob-fixtures.js';
import { Capture, NOW } from './fixtures.js';
import { type CannedResponse, type HubStub, notFoundStatus, startHubStub } from './hub-stub.js';

const cronJobYaml = `apiVersion: corral/v1
kind: CronJob
metadata: {name: backup}
spec:
  schedule: "*/5 * * * *"
  timeZone: Europe/Berlin
  concurrencyPolicy: Forbid
  template:
    containers:
      - name: job
        image: busybox:1.36
        resources: {requests: {cpu: 50m}}
`;
const failure = (code: number, reason: string, message: string): CannedResponse => ({ status: code, body: { kind: 'Status', status: 'Failure', code, reason, message } });

describe('corral cronjob commands against a stub hub', () => {
  let hub: HubStub;
  let dir: string;
  const corral = async (argv: string[]) => {
    const stdout = new Capture();
    const stderr = new Capture();
    const code = await run(['--hub', hub.url, ...argv], { stdout, stderr, env: {}, now: () => NOW, readStdin: async () => '' });
    return { code, stdout: stdout.text, stderr: stderr.text, errLines: stderr.lines };
  };
  const backup = makeCronJobJson({ timeZone: 'Europe/Berlin' });
  const report = makeCronJobJson({ name: 'report', mode: 'OneNode', nodes: ['pi-2'], placed: 'pi-2' });

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'corral-cli-cron-'));
    await writeFile(join(dir, 'backup.yaml'), cronJobYaml);
    await writeFile(join(dir, 'bad.yaml'), cronJobYaml.replace('"*/5 * * * *"', '"*/5 * * *"').replace('Europe/Berlin', 'Mars/Olympus'));
    hub = await startHubStub({
      'POST /api/v1/apply': { status: 200, body: { apiVersion: 'corral/v1', kind: 'ApplyResult', results: [{ kind: 'CronJob', name: 'backup', action: 'created' }] } },
      '/api/v1/cronjobs': { status: 200, body: { apiVersion: 'corral/v1', kind: 'List', items: [backup, report] } },
      '/api/v1/cronjobs/backup': { status: 200, body: backup },
      '/api/v1/cronjobs/report': { status: 200, body: report },
      '/api/v1/cronjobs/nope': notFoundStatus('cronjob "nope" not found'),
      '/api/v1/cronjobs/backup/events': { status: 200, body: { kind: 'List', items: [{ at: new Date(NOW - 60_000).toISOString(), reason: 'Scheduled', message: 'placed on node pi-2' }] } },
      '/api/v1/cronjobs/backup/runs?limit=20': { status: 200, body: { kind: 'RunList', job: 'backup', items: [makeRun(5), makeRun(10, { status: 'Failed', node: 'pi-2' })] } },
      '/api/v1/cronjobs/backup/runs': { status: 200, body: { kind: 'RunList', job: 'backup', items: [makeRun(5), makeRun(10, { status: 'Failed', node: 'pi-2' })] } },
      '/api/v1/cronjobs/backup/runs?node=pi-2&limit=5': { status: 200, body: { kind: 'RunList', job: 'backup', items: [makeRun(10, { status: 'Failed', node: 'pi-2' })] } },
      '/api/v1/cronjobs/report/runs?limit=20': { status: 200, body: { kind: 'RunList', job: 'report', items: [] } },
      '/api/v1/cronjobs/report/events': { status: 200, body: { kind: 'List', items: [] } },
      '/api/v1/cronjobs/quiet/runs': { status: 200, body: { kind: 'RunList', job: 'quiet', items: [] } },
      '/api/v1/cronjobs/nope/runs': notFoundStatus('cronjob "nope" not found'),
      'POST /api/v1/cronjobs/backup/trigger': {
        status: 200,
        body: {
          kind: 'TriggerResult',
          job: 'backup',
          results: [
            { node: 'pi-1', run: 'backup-m1', started: true },
            { node: 'pi-2', error: { code: 504, reason: 'Timeout', message: 'node pi-2 did not answer trigger within 8000 ms' } },
          ],
        },
      },
      'POST /api/v1/cronjobs/backup/trigger?node=pi-1': { status: 200, body: { kind: 'TriggerResult', job: 'backup', results: [{ node: 'pi-1', run: 'backup-m2', started: true }] } },
      'POST /api/v1/cronjobs/report/trigger': { status: 200, body: { kind: 'TriggerResult', job: 'report', results: [{ node: 'pi-2', run: 'report-m1', started: false, reason: 'Forbid: report-1717243080 is still running' }] } },
      'POST /api/v1/cronjobs/backup/trigger?node=pi-3': failure(504, 'Timeout', 'node pi-3 did not answer trigger within 8000 ms'),
      'DELETE /api/v1/cronjobs/backup': { status: 200, body: backup },
    });
  });
  after(async () => {
    await hub.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('apply -f sends a CronJob in manifest form and prints cronjob/NAME created', async () => {
    const out = await corral(['apply', '-f', join(dir, 'backup.yaml')]);
    assert.deepEqual([out.code, out.stdout, out.stderr], [0, 'cronjob/backup created\n', '']);
    const item = (hub.calls.at(-1)?.body as { items: Array<{ spec: { template: { containers: Array<{ resources: { requests: { cpu: unknown } } }> } } }> }).items[0];
    assert.equal(item?.spec.template.containers[0]?.resources.requests.cpu, '50m');
    assert.equal(CronJobObject.parse(item).spec.concurrencyPolicy, 'Forbid');
  });

  it('apply -f of an invalid CronJob names the schedule field and sends nothing', async () => {
    const calls = hub.calls.length;
    const out = await corral(['apply', '-f', join(dir, 'bad.yaml')]);
    assert.equal(out.code, 1);
    assert.match(out.stderr, /^error: .*bad\.yaml doc 1: spec\.schedule: "\*\/5 \* \* \*" is not a cron schedule/);
    assert.equal(hub.calls.length, calls);
  });

  it('get cronjobs (and cronjob, cj) prints the table; -o name, -o wide; a missing one is one error line', async () => {
    const table = await corral(['get', 'cronjobs']);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /^NAME\s+SCHEDULE\s+TIMEZONE\s+SUSPEND\s+PLACEMENT\s+NODES\s+LAST-RUN\s+AGE\nbackup\s+\*\/5 \* \* \* \*\s+Europe\/Berlin\s+False\s+EveryNode\s+2\s+2m\s+3d\nreport\s+\*\/5 \* \* \* \*\s+<node-local>\s+False\s+OneNode\s+pi-2\s+2m\s+3d\n$/);
    assert.equal((await corral(['get', 'cj', '-o', 'name'])).stdout, 'cronjob/backup\ncronjob/report\n');
    assert.match((await corral(['get', 'cronjob', 'backup', '-o', 'wide'])).stdout, /NEXT-RUN\s+LAST-STATUS\s+IMAGES\n.*in 5m\s+Succeeded\s+busybox:1\.36\n$/);
    const missing = await corral(['get', 'cronjob', 'nope']);
    assert.deepEqual([missing.code, missing.stderr], [1, 'error: cronjob "nope" not found\n']);
  });

  it('get runs CRONJOB prints the runs; --node and --limit go to the hub; the cronjob is required', async () => {
    const out = await corral(['get', 'runs', 'backup']);
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stdout, /^RUN\s+NODE\s+STATUS\s+SCHEDULED\s+STARTED\s+DURATION\s+EXIT\s+REASON\nbackup-\d+\s+pi-1\s+Succeeded\s+5m\s+4m58s\s+75s\s+0\s+<none>\nbackup-\d+\s+pi-2\s+Failed\s+10m/);
    const filtered = await corral(['get', 'runs', 'backup', '--node', 'pi-2', '--limit', '5', '-o', 'json']);
    assert.equal(filtered.code, 0, filtered.stderr);
    assert.deepEqual((JSON.parse(filtered.stdout) as { items: Array<{ node: string }> }).items.map((r) => r.node), ['pi-2']);
    assert.equal(hub.requests.at(-1), '/api/v1/cronjobs/backup/runs?node=pi-2&limit=5');
    assert.deepEqual(await corral(['get', 'runs', 'quiet']).then((r) => [r.code, r.stdout, r.stderr]), [0, '', 'No runs found.\n']);
    assert.deepEqual((await corral(['get', 'runs'])).stderr, 'error: name the cron job: corral get runs CRONJOB\n');
    assert.deepEqual((await corral(['get', 'runs', 'nope'])).stderr, 'error: cronjob "nope" not found\n');
    assert.match((await corral(['get', 'runs', 'backup', '-o', 'name'])).stderr, /^error: -o name is not available for runs/);
    assert.match((await corral(['get', 'cronjobs', '--node', 'pi-1'])).stderr, /^error: --node applies to pods, runs and events only/);
  });

  it('describe cronjob shows its spec, nodes with next and last runs, kept runs and events', async () => {
    const out = await corral(['describe', 'cronjob', 'backup']);
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stdout, /^Schedule: +\*\/5 \* \* \* \*$/m);
    assert.match(out.stdout, /^Time Zone: +Europe\/Berlin$/m);
    assert.match(out.stdout, /^ +pi-1 +2024-06-01T12:05:00\.000Z \(in 5m\) +backup-\d+ Succeeded \(2m ago\)$/m);
    assert.match(out.stdout, /^Last Runs:\n +RUN .*\n +backup-\d+ +pi-1 +Succeeded .*\n +backup-\d+ +pi-2 +Failed /m);
    assert.match(out.stdout, /^ +Scheduled +60s +placed on node pi-2$/m);
    const one = await corral(['describe', 'cj', 'report']);
    assert.match(one.stdout, /^Node: +pi-2 \(since /m);
  });

  it('trigger cronjob prints each started run and one error line per node that did not start one', async () => {
    const both = await corral(['trigger', 'cronjob', 'backup']);
    assert.deepEqual([both.code, both.stdout, both.stderr], [1, 'cronjob/backup: run backup-m1 started on node pi-1\n', 'error: node pi-2: node pi-2 did not answer trigger within 8000 ms\n']);
    const one = await corral(['trigger', 'cj', 'backup', '--node', 'pi-1']);
    assert.deepEqual([one.code, one.stdout, one.stderr], [0, 'cronjob/backup: run backup-m2 started on node pi-1\n', '']);
    const refused = await corral(['trigger', 'cronjob', 'report']);
    assert.deepEqual([refused.code, refused.stderr], [1, 'error: node pi-2 did not start a run: Forbid: report-1717243080 is still running\n']);
    const silent = await corral(['trigger', 'cronjob', 'backup', '--node', 'pi-3']);
    assert.deepEqual([silent.code, silent.stderr], [1, 'error: node pi-3 did not answer trigger within 8000 ms\n']);
    assert.match((await corral(['trigger', 'pod', 'web'])).stderr, /^error: trigger does not support pods \(supported: cronjobs\)\n$/);
  });

  it('delete cronjob NAME and delete -f delete it by name', async () => {
    assert.equal((await corral(['delete', 'cronjob', 'backup'])).stdout, 'cronjob/backup deleted\n');
    const out = await corral(['delete', '-f', join(dir, 'backup.yaml')]);
    assert.deepEqual([out.code, out.stdout], [0, 'cronjob/backup deleted\n']);
    assert.equal(`${hub.calls.at(-1)?.method} ${hub.calls.at(-1)?.path}`, 'DELETE /api/v1/cronjobs/backup');
  });
});
