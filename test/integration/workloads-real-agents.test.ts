import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { removeAgentLeftovers } from '../support/agent-leftovers.js';
import { BIN, type Daemon, type HubHandle, startAgent, startHub, tempDir, waitFor } from '../support/daemons.js';
import { getNode } from '../support/hub-api.js';
import { ensureTestImage, pushTestImage, startRegistry } from '../support/registry.js';

const run = promisify(execFile);

interface ApiPod {
  metadata: { name: string; uid: string; labels: Record<string, string> };
  spec: { nodeName?: string };
  status: { phase: string; containerStatuses: Array<{ containerID?: string; restartCount: number; state: { running?: { startedAt: number } } }> };
}

/**
 * The scheduler with REAL agents: separate processes, a real broker, real
 * containers (hostNetwork pods, so that four agents on one host need no
 * bridges). Node loss is driven by SIGKILL; the return by restarting the agent.
 */
describe('workloads on real agents', { concurrency: false }, () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let registry: Awaited<ReturnType<typeof startRegistry>>;
  let hub: HubHandle;
  let image: string;
  const agents = new Map<string, Daemon>();
  const names = ['ra', 'rb', 'rc'];

  const startNode = (name: string) => {
    const daemon = startAgent({ dataDir: `${dir.path}/${name}`, hub: hub.brokerUrl, nodeName: name, heartbeatSeconds: 1, labels: `site=lab,role=${name === 'ra' ? 'primary' : 'other'}` });
    agents.set(name, daemon);
    return daemon;
  };
  const ready = (name: string) => waitFor(`${name} Ready`, async () => ((await getNode(hub.api, name))?.status.phase === 'Ready' ? true : undefined), 30_000);
  const pods = async (): Promise<ApiPod[]> => ((await (await fetch(`${hub.api}/api/v1/pods`)).json()) as { items: ApiPod[] }).items;
  const apply = async (yaml: string) => {
    const file = `${dir.path}/manifest-${Date.now()}.yaml`;
    await writeFile(file, yaml);
    return run(process.execPath, [BIN.cli, '--hub', hub.api, 'apply', '-f', file]);
  };
  const running = (p: ApiPod) => p.status.phase === 'Running';

  before(async () => {
    dir = await tempDir('real-agents');
    registry = await startRegistry(`${dir.path}/registry`);
    image = await pushTestImage(await ensureTestImage(), '1', registry.host, 'corral/busybox');
    hub = await startHub({ dataDir: `${dir.path}/hub`, graceSeconds: 3 });
    for (const name of names) startNode(name);
    for (const name of names) await ready(name);
  });

  after(async () => {
    await run(process.execPath, [BIN.cli, '--hub', hub.api, 'delete', 'deployment', 'web']).catch(() => undefined);
    await run(process.execPath, [BIN.cli, '--hub', hub.api, 'delete', 'deployment', 'mover']).catch(() => undefined);
    await run(process.execPath, [BIN.cli, '--hub', hub.api, 'delete', 'deployment', 'anchor']).catch(() => undefined);
    await run(process.execPath, [BIN.cli, '--hub', hub.api, 'delete', 'daemonset', 'metrics']).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 3000));
    for (const [name, agent] of agents) {
      await agent.stop('SIGKILL');
      await removeAgentLeftovers(`${dir.path}/${name}`);
    }
    await hub?.daemon.stop();
    await registry?.stop();
    await dir?.remove();
  });

  const template = (labels: string, extra = '') => `
  template:
    metadata: {labels: {${labels}}}
    hostNetwork: true
    terminationGracePeriodSeconds: 1
${extra}    containers:
      - name: main
        image: IMAGE
        command: [sh, -c, 'trap "exit 0" TERM; while :; do sleep 1; done']
        resources: {requests: {cpu: 50m, memory: 16Mi}}
`;

  test('3 replicas with required anti-affinity land on 3 nodes; a 4th stays Pending with the reason', async () => {
    const antiAffinity = `    affinity:
      podAntiAffinity:
        requiredDuringSchedulingIgnoredDuringExecution:
          - labelSelector: {matchLabels: {app: web}}
            topologyKey: corral.io/hostname
`;
    const web = (replicas: number) => `apiVersion: corral/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  replicas: ${replicas}\n${template('app: web', antiAffinity)}`.replaceAll('IMAGE', image);
    await apply(web(3));
    const placed = await waitFor('3 web pods Running', async () => {
      const web = (await pods()).filter((p) => p.metadata.labels.app === 'web');
      return web.length === 3 && web.every(running) ? web : undefined;
    }, 60_000);
    assert.deepEqual(new Set(placed.map((p) => p.spec.nodeName)), new Set(names));
    await apply(web(4));
    const pending = await waitFor('a 4th web pod', async () => (await pods()).find((p) => p.metadata.labels.app === 'web' && !p.spec.nodeName));
    const { stdout } = await run(process.execPath, [BIN.cli, '--hub', hub.api, 'explain', 'pod', pending.metadata.name]);
    for (const name of names) assert.match(stdout, new RegExp(`${name}: rejected: PodAntiAffinity`));
  });

  test('a DaemonSet follows a node joining', async () => {
    await apply(`apiVersion: corral/v1\nkind: DaemonSet\nmetadata: {name: metrics}\nspec:\n${template('app: metrics')}`.replaceAll('IMAGE', image));
    await waitFor('metrics on 3 nodes', async () => ((await pods()).filter((p) => p.metadata.labels.app === 'metrics' && running(p)).length === 3 ? true : undefined), 60_000);
    startNode('rd');
    await ready('rd');
    await waitFor('metrics on rd', async () => ((await pods()).some((p) => p.metadata.labels.app === 'metrics' && p.spec.nodeName === 'rd' && running(p)) ? true : undefined), 60_000);
  });

  test('SIGKILL of a node moves its reschedulable pods; on its return the moved pods stop there and its own keep their containers', async (t) => {
    const preferRa = `    affinity:
      nodeAffinity:
        preferredDuringSchedulingIgnoredDuringExecution:
          - weight: 100
            preference: {matchExpressions: [{key: role, operator: In, values: [primary]}]}
`;
    const deploy = (name: string, policy: string) =>
      `apiVersion: corral/v1\nkind: Deployment\nmetadata: {name: ${name}}\nspec:\n  replicas: 1\n  onNodeLost: {policy: ${policy}, lostAfterSeconds: 5}\n${template(`app: ${name}`, preferRa)}`.replaceAll('IMAGE', image);
    await apply(`${deploy('mover', 'reschedule')}---\n${deploy('anchor', 'keep')}`);
    const before = await waitFor('mover and anchor Running on ra', async () => {
      const all = await pods();
      const mover = all.find((p) => p.metadata.labels.app === 'mover');
      const anchor = all.find((p) => p.metadata.labels.app === 'anchor');
      return mover && anchor && running(mover) && running(anchor) && mover.spec.nodeName === 'ra' && anchor.spec.nodeName === 'ra' ? { mover, anchor } : undefined;
    }, 60_000);
    const anchorId = before.anchor.status.containerStatuses[0]?.containerID;

    const killedAt = Date.now();
    agents.get('ra')!.signal('SIGKILL');
    const moved = await waitFor('mover Running elsewhere', async () => {
      const mover = (await pods()).find((p) => p.metadata.labels.app === 'mover');
      return mover && mover.spec.nodeName && mover.spec.nodeName !== 'ra' && running(mover) ? mover : undefined;
    }, 60_000);
    t.diagnostic(`SIGKILL → mover Running on ${moved.spec.nodeName} in ${Date.now() - killedAt} ms (lostAfterSeconds 5)`);
    const anchorNow = (await pods()).find((p) => p.metadata.labels.app === 'anchor');
    assert.equal(anchorNow?.spec.nodeName, 'ra', 'keep: the anchor stays bound to its node');

    // The old mover container still runs on ra (its agent is dead, containers outlive it).
    startNode('ra');
    await ready('ra');
    await waitFor('the moved pod stopped on ra', async () => {
      const { stdout } = await run('runc', ['--root', `${dir.path}/ra/run/runc/state`, 'list', '-q']).catch(() => ({ stdout: '' }));
      return stdout.includes(before.mover.metadata.uid) ? undefined : true;
    }, 60_000);
    const anchorAfter = await waitFor('anchor reported by the returned ra', async () => {
      const anchor = (await pods()).find((p) => p.metadata.labels.app === 'anchor');
      return anchor && running(anchor) ? anchor : undefined;
    });
    assert.equal(anchorAfter.status.containerStatuses[0]?.containerID, anchorId, 'same container');
    assert.equal(anchorAfter.status.containerStatuses[0]?.restartCount, 0);
    const { stdout } = await run('runc', ['--root', `${dir.path}/ra/run/runc/state`, 'list', '-q']);
    assert.ok(stdout.includes(before.anchor.metadata.uid), 'the anchor container still runs under runc on ra');
  });
});
