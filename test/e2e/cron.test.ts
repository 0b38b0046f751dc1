import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { RunRecord } from '../../protocol/src/index.js';
import { E2eCluster, testImageArchive } from './harness/index.js';

const skip = process.getuid?.() !== 0 ? 'needs root: network namespaces, veths, runc' : false;

interface NodeEvent {
  node: string;
  seq: number;
  type: string;
  run?: RunRecord;
}
interface EventList {
  items: NodeEvent[];
  delivery: Record<string, { duplicates: number; missing: number; lastSeq: number }>;
}

const cronJob = (o: { name: string; schedule: string; image: string; script: string; node?: string; extra?: string }) => `---
apiVersion: corral/v1
kind: CronJob
metadata: {name: ${o.name}}
spec:
  schedule: "${o.schedule}"
  timeZone: UTC
${o.extra ?? ''}  template:
    hostNetwork: true
    terminationGracePeriodSeconds: 1
${o.node ? `    nodeSelector: {corral.io/hostname: ${o.node}}\n` : ''}    containers:
      - {name: main, image: ${o.image}, command: [sh, -c, '${o.script}']}
`;

/**
 * CronJobs run by the agents themselves (node-cron), on simulated hosts: every node runs an EveryNode job;
 * a node cut off from a stopped hub keeps running it on schedule and, back online, the hub gets every run
 * record exactly once; Forbid skips ticks while a slow run goes; a run past its active deadline is killed and
 * reported; an agent down across a tick starts one catch-up run inside the starting deadline.
 */
describe('CronJobs on the device (embedded broker, two hosts)', { concurrency: false, skip }, () => {
  let cluster: E2eCluster;
  let image: string;
  const events = async (node?: string): Promise<EventList> => {
    const { status, body } = await cluster.hub.api<EventList>(`/api/v1/events?limit=10000${node ? `&node=${node}` : ''}`);
    if (status !== 200) throw new Error(`GET /api/v1/events: ${status}`);
    return body;
  };
  const runs = async (job: string, node?: string) => (await events(node)).items.filter((e) => e.type === 'CronRun' && e.run?.job === job);

  before(async () => {
    cluster = await E2eCluster.create({ agents: 2, broker: 'embedded', hubArgs: ['--node-grace-seconds', '3'] });
    image = await testImageArchive(cluster.dir);
    for (const agent of cluster.agents) await cluster.waitNodeReady(agent.name);
  });

  after(async () => {
    await cluster?.cleanup();
  });

  it('an EveryNode job every 2 s runs on every agent', async (t) => {
    await cluster.apply(cronJob({ name: 'tick', schedule: '*/2 * * * * *', image, script: 'echo tick on $(hostname)' }));
    const start = Date.now();
    await cluster.waitUntil('two Succeeded runs on each node', async () => {
      const all = await runs('tick');
      return ['agent-1', 'agent-2'].every((n) => all.filter((e) => e.node === n && e.run?.status === 'Succeeded').length >= 2) ? true : undefined;
    }, 60_000);
    t.diagnostic(`first runs on both nodes within ${((Date.now() - start) / 1000).toFixed(1)} s`);
    const one = (await runs('tick', 'agent-1')).find((e) => e.run?.status === 'Succeeded');
    assert.match(one?.run?.logTail?.join('\n') ?? '', /tick on/);
  });

  it('with the hub stopped and the link cut, it keeps running on schedule; back online the hub gets every record once', async (t) => {
    const node = cluster.agent('agent-1');
    await cluster.stopHub();
    await cluster.cut('agent-1');
    const cutAt = Date.now();
    const endedBefore = node.daemon!.output.join('').split('cron run ended').length;
    await new Promise((r) => setTimeout(r, 14_000));
    const endedOffline = node.daemon!.output.join('').split('cron run ended').length - endedBefore;
    t.diagnostic(`runs ended on agent-1 during 14 s offline: ${endedOffline} (schedule: every 2 s)`);
    assert.ok(endedOffline >= 4, `kept running offline (${endedOffline} runs)`);
    const healAt = Date.now();
    await cluster.heal('agent-1');
    await cluster.startHub();
    await cluster.waitNodeReady('agent-1');
    const offline = await cluster.waitUntil('the offline runs on the hub', async () => {
      const mine = (await runs('tick', 'agent-1')).filter((e) => (e.run?.scheduledAt ?? 0) >= cutAt && (e.run?.scheduledAt ?? 0) < healAt);
      return mine.length >= endedOffline - 1 ? mine : undefined;
    }, 60_000);
    t.diagnostic(`hub received ${offline.length} records of runs scheduled while agent-1 was cut off`);
    const all = await runs('tick', 'agent-1');
    const names = all.map((e) => e.run!.run);
    assert.equal(new Set(names).size, names.length, 'every run recorded once');
    const delivery = (await events('agent-1')).delivery['agent-1'];
    assert.equal(delivery?.missing, 0, 'no event number lost');
    t.diagnostic(`agent-1 delivery: lastSeq ${delivery?.lastSeq}, redeliveries ignored ${delivery?.duplicates}`);
    await cluster.hub.cli(['delete', 'cronjob', 'tick']);
  });

  it('Forbid skips a tick while a slow run is still going', async (t) => {
    await cluster.apply(cronJob({ name: 'slow', schedule: '*/2 * * * * *', image, script: 'sleep 5', node: 'agent-2', extra: '  concurrencyPolicy: Forbid\n  successfulRunsHistoryLimit: 20\n' }));
    const done = await cluster.waitUntil('three slow runs ended', async () => {
      const mine = (await runs('slow')).filter((e) => e.run?.status === 'Succeeded');
      return mine.length >= 3 ? mine.map((e) => e.run as RunRecord) : undefined;
    }, 90_000);
    const sorted = done.sort((a, b) => (a.startedAt ?? 0) - (b.startedAt ?? 0));
    for (let i = 1; i < sorted.length; i += 1) assert.ok((sorted[i]!.startedAt ?? 0) >= (sorted[i - 1]!.finishedAt ?? 0), 'runs never overlap');
    const gaps = sorted.slice(1).map((r, i) => (r.scheduledAt - sorted[i]!.scheduledAt) / 1000);
    t.diagnostic(`seconds between scheduled runs: ${gaps.join(', ')} (ticks every 2 s, each run ~5 s)`);
    assert.ok(gaps.every((g) => g >= 4), 'ticks during a run were skipped');
    await cluster.hub.cli(['delete', 'cronjob', 'slow']);
  });

  it('a run past activeDeadlineSeconds is killed and reported DeadlineExceeded', async (t) => {
    await cluster.apply(cronJob({ name: 'stuck', schedule: '*/10 * * * * *', image, script: 'sleep 600', node: 'agent-2', extra: '  activeDeadlineSeconds: 3\n  concurrencyPolicy: Forbid\n' }));
    const [record] = await cluster.waitUntil('a DeadlineExceeded record', async () => {
      const mine = (await runs('stuck')).filter((e) => e.run?.status === 'DeadlineExceeded');
      return mine.length > 0 ? mine.map((e) => e.run as RunRecord) : undefined;
    }, 60_000);
    t.diagnostic(`killed after ${(((record!.finishedAt ?? 0) - (record!.startedAt ?? 0)) / 1000).toFixed(1)} s (deadline 3 s)`);
    await cluster.waitUntil("the stuck run's container gone", async () => ((await cluster.agent('agent-2').containers()).some((c) => c.status === 'running' && c.id.includes(record!.run)) ? undefined : true), 30_000);
    await cluster.hub.cli(['delete', 'cronjob', 'stuck']);
  });

  it('an agent stopped for 10 s across a tick starts one catch-up run inside the starting deadline', async (t) => {
    await cluster.apply(cronJob({ name: 'catchup', schedule: '*/20 * * * * *', image, script: 'echo caught up', node: 'agent-2', extra: '  startingDeadlineSeconds: 30\n' }));
    await cluster.waitUntil('a first catchup run', async () => ((await runs('catchup')).length > 0 ? true : undefined), 60_000);
    // Stop 5 s before a tick (20 s grid) so that it falls inside the 10 s the agent is down.
    await cluster.waitUntil('a moment 5 s before the next tick', async () => (Math.floor(Date.now() / 1000) % 20 === 15 ? true : undefined), 30_000);
    const agent = cluster.agent('agent-2');
    const downAt = Date.now();
    await agent.stop('SIGTERM');
    await new Promise((r) => setTimeout(r, 10_000));
    agent.start();
    const upAt = Date.now();
    await cluster.waitNodeReady('agent-2');
    const caught = await cluster.waitUntil('the catch-up run recorded', async () => {
      const mine = (await runs('catchup')).filter((e) => (e.run?.scheduledAt ?? 0) > downAt && (e.run?.scheduledAt ?? 0) < upAt);
      return mine.length > 0 ? mine : undefined;
    }, 60_000);
    assert.equal(caught.length, 1, 'one catch-up run, not one per missed tick');
    assert.ok((caught[0]!.run!.startedAt ?? 0) >= upAt - 1000, 'started after the agent came back');
    t.diagnostic(`tick at ${new Date(caught[0]!.run!.scheduledAt).toISOString()} missed while down, run ${(((caught[0]!.run!.startedAt ?? 0) - caught[0]!.run!.scheduledAt) / 1000).toFixed(1)} s late`);
    await cluster.hub.cli(['delete', 'cronjob', 'catchup']);
  });
});
