import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { Outbox } from '../../agent/src/outbox/outbox.js';
import { AgentStore } from '../../agent/src/state/store.js';
import { removeAgentLeftovers } from '../support/agent-leftovers.js';
import { BIN, type Daemon, type HubHandle, startAgent, startHub, tempDir, waitFor } from '../support/daemons.js';
import { getNode } from '../support/hub-api.js';
import { ensureTestImage, pushTestImage, startRegistry } from '../support/registry.js';

const run = promisify(execFile);

interface ApiPod {
  metadata: { name: string };
  status: { phase: string; containerStatuses: Array<{ containerID?: string; state: { running?: unknown } }> };
}
interface NodeEvent {
  seq: number;
  type: string;
  pod?: string;
  uid: string;
}
interface EventList {
  items: NodeEvent[];
  delivery: Record<string, { uid: string; lastSeq: number; duplicates: number; missing: number }>;
}

const KILLS = 20;

/**
 * The outbox under fire: the agent is SIGKILLed 20 times at random moments
 * while pods start and exit. Its running containers must be adopted each time
 * (same ids), its LevelDB must open, and the hub must end up with every event
 * number exactly once — none twice, none missing.
 */
describe('agent crashes while events flow', { concurrency: false }, () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let registry: Awaited<ReturnType<typeof startRegistry>>;
  let hub: HubHandle;
  let image: string;
  let agent: Daemon;
  const node = 'crashy';

  const start = () => (agent = startAgent({ dataDir: `${dir.path}/agent`, hub: hub.brokerUrl, nodeName: node, heartbeatSeconds: 1 }));
  const pods = async (): Promise<ApiPod[]> => ((await (await fetch(`${hub.api}/api/v1/pods`)).json()) as { items: ApiPod[] }).items;
  const events = async (): Promise<EventList> => (await (await fetch(`${hub.api}/api/v1/events?node=${node}&limit=10000`)).json()) as EventList;
  const cli = (...args: string[]) => run(process.execPath, [BIN.cli, '--hub', hub.api, ...args]);
  const apply = async (name: string, yaml: string) => {
    const file = `${dir.path}/${name}.yaml`;
    await writeFile(file, yaml.replaceAll('IMAGE', image));
    await cli('apply', '-f', file);
  };
  const pod = (name: string, script: string, restart: string) => `
apiVersion: corral/v1
kind: Pod
metadata: {name: ${name}}
spec:
  nodeName: ${node}
  hostNetwork: true
  restartPolicy: ${restart}
  terminationGracePeriodSeconds: 1
  containers:
    - name: main
      image: IMAGE
      command: [sh, -c, '${script}']
`;

  before(async () => {
    dir = await tempDir('crash-events');
    registry = await startRegistry(`${dir.path}/registry`);
    image = await pushTestImage(await ensureTestImage(), '1', registry.host, 'corral/busybox');
    hub = await startHub({ dataDir: `${dir.path}/hub`, graceSeconds: 3 });
    start();
    await waitFor('node Ready', async () => ((await getNode(hub.api, node))?.status.phase === 'Ready' ? true : undefined), 30_000);
  });

  after(async () => {
    await agent?.stop('SIGKILL');
    await removeAgentLeftovers(`${dir.path}/agent`);
    await hub?.daemon.stop();
    await registry?.stop();
    await dir?.remove();
  });

  test('20 SIGKILLs: containers adopted, LevelDB intact, every event on the hub exactly once', async () => {
    for (const name of ['steady-a', 'steady-b']) await apply(name, pod(name, 'trap "exit 0" TERM; while :; do sleep 1; done', 'Always'));
    const ids = async () => {
      const byName = new Map((await pods()).map((p) => [p.metadata.name, p]));
      const out = ['steady-a', 'steady-b'].map((n) => byName.get(n)?.status.containerStatuses[0]);
      return out.every((c) => c?.containerID && c.state.running) ? out.map((c) => c?.containerID as string) : undefined;
    };
    const steady = await waitFor('steady pods Running', ids, 60_000);

    let seed = 0x5eed;
    const random = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed / 0x7fffffff;
    };
    const churned: string[] = [];
    for (let i = 0; i < KILLS; i += 1) {
      const name = `churn-${i}`;
      churned.push(name);
      await apply(name, pod(name, `sleep 0.${Math.floor(random() * 9)}; exit ${1 + (i % 3)}`, 'Never'));
      if (i >= 3) await cli('delete', 'pod', `churn-${i - 3}`);
      await new Promise((r) => setTimeout(r, Math.floor(random() * 1500)));
      agent.signal('SIGKILL');
      await agent.exited;
      start();
      await waitFor(`agent back after kill ${i + 1}`, async () => {
        if (!agent.alive) throw new Error(`agent exited after kill ${i + 1}: ${agent.log()}`);
        return (await ids())?.join() === steady.join() && (await getNode(hub.api, node))?.status.phase === 'Ready' ? true : undefined;
      }, 30_000);
    }
    assert.deepEqual(await ids(), steady, 'the running containers were adopted after every kill, never restarted');

    // Let the outbox drain, then stop the agent and read its LevelDB.
    await waitFor('churned pods finished', async () => {
      const live = (await pods()).filter((p) => churned.includes(p.metadata.name));
      return live.every((p) => p.status.phase === 'Failed') ? true : undefined;
    }, 60_000);
    let last = -1;
    await waitFor('hub event count stable', async () => {
      const seq = (await events()).delivery[node]?.lastSeq ?? 0;
      const stable = seq === last;
      last = seq;
      return stable ? true : undefined;
    }, 60_000, 2000);
    await agent.stop('SIGTERM');
    const store = await AgentStore.open(`${dir.path}/agent`);
    const outbox = await Outbox.open(store, { maxBytes: 1 << 20, now: Date.now });
    const agentLast = outbox.nextSeq - 1;
    const pending = outbox.pending;
    const identity = await store.startIdentity();
    await store.close();

    const list = await events();
    const mine = list.items.filter((e) => e.uid === identity.uid).map((e) => e.seq).sort((a, b) => a - b);
    const delivery = list.delivery[node];
    process.stdout.write(`# events: agent numbered ${agentLast}, hub stored ${mine.length}, redeliveries ignored ${delivery?.duplicates}, missing ${delivery?.missing}, left in outbox ${pending}\n`);
    assert.equal(pending, 0, 'the outbox drained');
    assert.equal(new Set(mine).size, mine.length, 'no event stored twice');
    assert.deepEqual(mine, Array.from({ length: agentLast }, (_, i) => i + 1), 'every number from 1 to the last, once');
    assert.equal(delivery?.missing, 0);
    for (const name of churned) {
      const exits = list.items.filter((e) => e.pod === name && e.type === 'ContainerExited');
      assert.equal(exits.length, 1, `${name} exited once and the hub has that exit once (got ${exits.length})`);
    }
  });
});
