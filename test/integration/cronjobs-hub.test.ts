import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import mqtt, { type MqttClient } from 'mqtt';
import { type AgentEvent, PROTOCOL_VERSION, type RunRecord, encodeMessage, nodeTopic } from '../../protocol/src/index.js';
import { type HubHandle, runCli, startHub, tempDir, waitFor } from '../support/daemons.js';
import { FakeNode, retainedDesired } from '../support/fake-node.js';
import { getNode } from '../support/hub-api.js';

const everyNode = `apiVersion: corral/v1
kind: CronJob
metadata: {name: backup}
spec:
  schedule: "*/5 * * * *"
  timeZone: Europe/Berlin
  concurrencyPolicy: Forbid
  template:
    nodeSelector: {site: lab}
    containers:
      - name: backup
        image: busybox:1.36
        command: [sh, -c, "echo backed up"]
        resources: {requests: {cpu: 50m, memory: 8Mi}}
`;

const oneNode = `apiVersion: corral/v1
kind: CronJob
metadata: {name: report}
spec:
  schedule: "0 3 * * *"
  placement: {mode: OneNode}
  template:
    containers:
      - name: report
        image: busybox:1.36
        resources: {requests: {cpu: 100m, memory: 16Mi}}
`;

const MIN = 60_000;

/**
 * CronJobs through a real hub (dist/, embedded broker, LevelDB, the real scheduler) and the
 * real `corral` CLI, with MQTT clients standing in for agents: they receive the desired
 * states, publish CronRun events as an agent's outbox would, and answer `trigger`.
 */
describe('cron jobs: hub and CLI with fake nodes', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let hub: HubHandle;
  let outbox: MqttClient;
  const nodes = new Map<string, FakeNode>();
  const agentUids = new Map<string, string>();
  const seqs = new Map<string, number>();

  const corral = (...args: string[]) => runCli(hub.api, ...args);
  const file = async (name: string, text: string) => {
    const path = `${dir.path}/${name}`;
    await writeFile(path, text);
    return path;
  };
  const join = async (name: string, labels: Record<string, string>) => {
    const uid = randomUUID();
    agentUids.set(name, uid);
    nodes.set(name, await FakeNode.start(hub.brokerUrl, name, uid, { labels, heartbeatMs: 500 }));
    await waitFor(`${name} Ready`, async () => ((await getNode(hub.api, name))?.status.phase === 'Ready' ? true : undefined));
  };
  /** Job names in the node's newest desired state. */
  const jobsOf = (node: string) => (nodes.get(node)?.lastDesired?.cronJobs ?? []).map((j) => j.name);
  /** Publishes CronRun events on the node's events topic, numbered on from its last. */
  const publishRuns = async (node: string, runs: Array<Pick<RunRecord, 'status' | 'scheduledAt'> & Partial<RunRecord>>) => {
    const events: AgentEvent[] = runs.map((r) => {
      const seq = (seqs.get(node) ?? 0) + 1;
      seqs.set(node, seq);
      const run: RunRecord = { job: 'backup', jobUid: 'u', run: `backup-${r.scheduledAt / 1000}`, ...(r.status === 'Missed' ? {} : { startedAt: r.scheduledAt + 1000, finishedAt: r.scheduledAt + 3000 }), ...r };
      return { seq, ts: r.scheduledAt, type: 'CronRun', priority: r.status === 'Succeeded' ? 'low' : 'high', run };
    });
    await outbox.publishAsync(nodeTopic(node, 'events'), Buffer.from(encodeMessage('events', { v: PROTOCOL_VERSION, ts: Date.now(), uid: agentUids.get(node) as string, events })), { qos: 1 });
  };

  before(async () => {
    dir = await tempDir('cronjobs-hub');
    hub = await startHub({ dataDir: `${dir.path}/hub`, graceSeconds: 3 });
    outbox = await mqtt.connectAsync(hub.brokerUrl, { clientId: `outbox-${process.pid}`, protocolVersion: 4, reconnectPeriod: 0 });
    await join('n1', { site: 'lab' });
    await join('n2', { site: 'lab' });
    await join('n3', { site: 'home' });
  });

  after(async () => {
    await outbox?.endAsync(true);
    for (const node of nodes.values()) await node.stop();
    await hub?.daemon.stop();
    await dir?.remove();
  });

  test('an EveryNode job reaches the retained desired state of every matching node, and only those', async () => {
    const applied = await corral('apply', '-f', await file('backup.yaml', everyNode));
    assert.deepEqual([applied.code, applied.stdout, applied.stderr], [0, 'cronjob/backup created\n', '']);
    for (const name of ['n1', 'n2']) await waitFor(`backup in ${name}'s desired state`, () => (jobsOf(name).includes('backup') ? true : undefined));
    const retained = await waitFor('the retained desired state of n1', () => retainedDesired(hub.brokerUrl, 'n1'));
    assert.equal(retained.retain, true);
    const entry = retained.message.cronJobs.find((j) => j.name === 'backup');
    assert.deepEqual([entry?.spec.schedule, entry?.spec.timeZone, entry?.spec.concurrencyPolicy, entry?.spec.template.containers[0]?.resources.requests.cpu], ['*/5 * * * *', 'Europe/Berlin', 'Forbid', 50]);
    assert.deepEqual((await retainedDesired(hub.brokerUrl, 'n3'))?.message.cronJobs ?? [], []);
    assert.deepEqual(jobsOf('n3'), []);
    assert.equal((await corral('apply', '-f', `${dir.path}/backup.yaml`)).stdout, 'cronjob/backup unchanged\n');
  });

  test('a OneNode job lands in exactly one node\'s desired state, and describe names that node', async () => {
    const applied = await corral('apply', '-f', await file('report.yaml', oneNode));
    assert.equal(applied.stdout, 'cronjob/report created\n');
    const holder = await waitFor('report on one node', () => {
      const holders = ['n1', 'n2', 'n3'].filter((n) => jobsOf(n).includes('report'));
      return holders.length === 1 ? holders[0] : undefined;
    });
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(['n1', 'n2', 'n3'].filter((n) => jobsOf(n).includes('report')), [holder]);
    const described = await corral('describe', 'cronjob', 'report');
    assert.equal(described.code, 0, described.stderr);
    assert.match(described.stdout, new RegExp(`^Node: +${holder} \\(since `, 'm'));
    const table = await corral('get', 'cronjobs');
    assert.match(table.stdout, /^NAME\s+SCHEDULE\s+TIMEZONE\s+SUSPEND\s+PLACEMENT\s+NODES\s+LAST-RUN\s+AGE$/m);
    assert.match(table.stdout, /^backup\s+\*\/5 \* \* \* \*\s+Europe\/Berlin\s+False\s+EveryNode\s+2\s+<none>\s+\S+$/m);
    assert.match(table.stdout, new RegExp(`^report\\s+0 3 \\* \\* \\*\\s+<node-local>\\s+False\\s+OneNode\\s+${holder}\\s+<none>\\s+\\S+$`, 'm'));
  });

  test('CronRun events from the nodes show in get runs, newest first, with the history limits applied per node', async () => {
    const base = Math.floor(Date.now() / MIN) * MIN - 60 * MIN;
    await publishRuns('n1', [
      { status: 'Succeeded', scheduledAt: base + 5 * MIN, exitCode: 0 },
      { status: 'Failed', scheduledAt: base + 10 * MIN, exitCode: 2, reason: 'Error' },
      { status: 'Succeeded', scheduledAt: base + 15 * MIN, exitCode: 0 },
      { status: 'Succeeded', scheduledAt: base + 20 * MIN, exitCode: 0 },
      { status: 'Missed', scheduledAt: base + 25 * MIN, reason: 'AgentDown' },
      { status: 'Succeeded', scheduledAt: base + 30 * MIN, exitCode: 0 },
    ]);
    await publishRuns('n2', [{ status: 'DeadlineExceeded', scheduledAt: base + 35 * MIN, reason: 'DeadlineExceeded' }]);
    const expected = [
      ['n2', 'DeadlineExceeded', base + 35 * MIN],
      ['n1', 'Succeeded', base + 30 * MIN],
      ['n1', 'Missed', base + 25 * MIN],
      ['n1', 'Succeeded', base + 20 * MIN],
      ['n1', 'Succeeded', base + 15 * MIN],
    ].map(([node, status, at]) => `backup-${(at as number) / 1000} ${node} ${status}`);
    const table = await waitFor('the runs of backup', async () => {
      const out = await corral('get', 'runs', 'backup');
      const rows = out.stdout.trim().split('\n').slice(1).map((l) => l.split(/\s{3,}/).slice(0, 3).join(' '));
      return JSON.stringify(rows) === JSON.stringify(expected) ? out : undefined;
    });
    assert.match(table.stdout, /^RUN\s+NODE\s+STATUS\s+SCHEDULED\s+STARTED\s+DURATION\s+EXIT\s+REASON\n/);
    assert.match(table.stdout, /^backup-\d+\s+n1\s+Missed\s+\S+\s+<none>\s+<none>\s+<none>\s+AgentDown$/m);
    const n2 = JSON.parse((await corral('get', 'runs', 'backup', '--node', 'n2', '-o', 'json')).stdout) as { items: Array<{ node: string; status: string }> };
    assert.deepEqual(n2.items.map((r) => [r.node, r.status]), [['n2', 'DeadlineExceeded']]);
    const listed = await corral('get', 'cronjobs', 'backup', '-o', 'wide');
    assert.match(listed.stdout, /^backup\s.*\s+EveryNode\s+2\s+\S+\s+\S+\s+in \S+\s+DeadlineExceeded\s+busybox:1\.36$/m);
  });

  test('trigger cronjob reaches the node as a trigger command and prints its answer', async () => {
    for (const name of ['n1', 'n2']) {
      nodes.get(name)!.answer = (command) => (command.op === 'trigger' ? { ok: true, result: { run: `${command.job}-m1`, started: name === 'n1', ...(name === 'n1' ? {} : { reason: 'Forbid: a run is active' }) } } : undefined);
    }
    const one = await corral('trigger', 'cronjob', 'backup', '--node', 'n1');
    assert.deepEqual([one.code, one.stdout, one.stderr], [0, 'cronjob/backup: run backup-m1 started on node n1\n', '']);
    const sent = nodes.get('n1')!.commands.filter((c) => c.op === 'trigger');
    assert.deepEqual(sent.map((c) => (c.op === 'trigger' ? c.job : '')), ['backup']);
    assert.equal(nodes.get('n2')!.commands.some((c) => c.op === 'trigger'), false);

    const both = await corral('trigger', 'cj', 'backup');
    assert.deepEqual([both.code, both.stdout, both.stderr], [1, 'cronjob/backup: run backup-m1 started on node n1\n', 'error: node n2 did not start a run: Forbid: a run is active\n']);
    const elsewhere = await corral('trigger', 'cronjob', 'backup', '--node', 'n3');
    assert.deepEqual([elsewhere.code, elsewhere.stderr], [1, 'error: node: cronjob backup does not run on node n3 (it runs on n1, n2)\n']);
  });

  test('a hub restart republishes the same desired states and keeps the OneNode job on its node', async () => {
    const holder = ['n1', 'n2', 'n3'].find((n) => jobsOf(n).includes('report')) as string;
    const before = (await retainedDesired(hub.brokerUrl, holder))?.message;
    assert.ok(before);
    await hub.daemon.stop();
    const port = (url: string) => Number(new URL(url).port);
    hub = await startHub({ dataDir: `${dir.path}/hub`, graceSeconds: 3, httpPort: port(hub.api), mqttPort: port(hub.brokerUrl) });
    const again = await waitFor(`${holder}'s retained desired state again`, () => retainedDesired(hub.brokerUrl, holder));
    assert.equal(again.message.generation, before.generation);
    assert.deepEqual(again.message.cronJobs.map((j) => j.name), before.cronJobs.map((j) => j.name));
    await waitFor(`${holder} Ready again`, async () => ((await getNode(hub.api, holder))?.status.phase === 'Ready' ? true : undefined));
    const described = await corral('describe', 'cronjob', 'report');
    assert.match(described.stdout, new RegExp(`^Node: +${holder} \\(since `, 'm'));
    const runs = await corral('get', 'runs', 'backup', '--node', 'n2');
    assert.match(runs.stdout, /^backup-\d+\s+n2\s+DeadlineExceeded\s/m, 'runs are kept in the hub store');
  });

  test('delete removes the jobs from the nodes\' desired states', async () => {
    const byName = await corral('delete', 'cronjob', 'backup');
    assert.deepEqual([byName.code, byName.stdout], [0, 'cronjob/backup deleted\n']);
    const byFile = await corral('delete', '-f', `${dir.path}/report.yaml`);
    assert.deepEqual([byFile.code, byFile.stdout], [0, 'cronjob/report deleted\n']);
    for (const name of ['n1', 'n2', 'n3']) await waitFor(`${name} without cron jobs`, () => (jobsOf(name).length === 0 ? true : undefined));
    assert.deepEqual((await retainedDesired(hub.brokerUrl, 'n1'))?.message.cronJobs, []);
    const gone = await corral('get', 'cronjob', 'backup');
    assert.deepEqual([gone.code, gone.stderr], [1, 'error: cronjob "backup" not found\n']);
  });
});
