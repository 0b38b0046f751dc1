import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { BIN, type Daemon, type HubHandle, freePort, startAgent, startHub, tempDir, waitFor } from '../support/daemons.js';
import { removeAgentLeftovers } from '../support/agent-leftovers.js';
import { getStats } from '../support/hub-api.js';
import { ensureTestImage, pushTestImage, startRegistry } from '../support/registry.js';

const run = promisify(execFile);

interface ApiPod {
  metadata: { name: string; uid: string };
  status: {
    phase: string;
    usage?: { cpu: number; memory: number };
    podIP?: string;
    containerStatuses: Array<{ name: string; restartCount: number; state: { running?: object; waiting?: { reason: string }; terminated?: { exitCode: number; reason: string } }; lastTermination?: { exitCode: number; reason: string } }>;
  };
}

/**
 * Real pods end to end, as root: image pulled by skopeo from a local registry,
 * containers run by runc with cgroup limits, a CNI pod network with its own
 * bridge and subnet, driven by `corral run` through the hub and MQTT.
 */
describe('pods on a real agent', { concurrency: false }, () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let registry: Awaited<ReturnType<typeof startRegistry>>;
  let hub: HubHandle;
  let agent: Daemon;
  let image: string;
  const tag = randomBytes(3).toString('hex');
  const bridge = `crlte2e${tag}`;
  const subnet = `10.${200 + (randomBytes(1)[0]! % 50)}.${randomBytes(1)[0]}.0/24`;

  const corral = (...args: string[]) => run(process.execPath, [BIN.cli, '--hub', hub.api, ...args]);
  const pod = async (name: string): Promise<ApiPod | undefined> => {
    const res = await fetch(`${hub.api}/api/v1/pods/${name}`);
    return res.ok ? ((await res.json()) as ApiPod) : undefined;
  };
  const until = (name: string, what: string, check: (p: ApiPod) => boolean, timeoutMs = 60_000) =>
    waitFor(`${name}: ${what}\n${agent.log().slice(-2000)}`, async () => {
      const p = await pod(name);
      return p && check(p) ? p : undefined;
    }, timeoutMs, 200);

  before(async () => {
    dir = await tempDir('pods-e2e');
    registry = await startRegistry(`${dir.path}/registry`);
    image = await pushTestImage(await ensureTestImage(), '1', registry.host, 'corral/busybox');
    hub = await startHub({ dataDir: `${dir.path}/hub` });
    agent = startAgent({ dataDir: `${dir.path}/agent`, hub: hub.brokerUrl, nodeName: 'edge-pods', heartbeatSeconds: 1, extraArgs: ['--pod-bridge', bridge, '--pod-subnet', subnet] });
    await waitFor('edge-pods Ready', async () => ((await (await fetch(`${hub.api}/api/v1/nodes/edge-pods`)).json()) as { status?: { phase: string } }).status?.phase === 'Ready' || undefined);
  });

  after(async () => {
    for (const name of ['hello', 'oom', 'crash', 'duo', 'web', 'sick']) await corral('delete', 'pod', name).catch(() => undefined);
    await waitFor('all pods torn down', () => (existsSync(`${dir.path}/agent/pods`) && readdirSync(`${dir.path}/agent/pods`).length > 0 ? undefined : true), 30_000).catch(() => undefined);
    await agent?.stop();
    await removeAgentLeftovers(`${dir.path}/agent`, subnet);
    await hub?.daemon.stop();
    await registry?.stop();
    await run('ip', ['link', 'del', bridge]).catch(() => undefined);
    await dir?.remove();
  });

  test('corral run pulls from the local registry and the pod runs with a pod IP and logs', async () => {
    await corral('run', 'hello', '--image', image, '--node', 'edge-pods', '--', 'sh', '-c', 'echo hello-from-corral; exec sleep 3600');
    const running = await until('hello', 'Running', (p) => p.status.phase === 'Running');
    assert.ok(running.status.podIP?.startsWith(subnet.split('.').slice(0, 3).join('.')), `pod IP ${running.status.podIP} in ${subnet}`);
    const logs = await waitFor('hello logs', async () => {
      const { stdout } = await corral('logs', 'hello');
      return stdout.includes('hello-from-corral') ? stdout : undefined;
    });
    assert.match(logs, /hello-from-corral/);
    const measured = await until('hello', 'usage from the cgroup in a heartbeat', (p) => (p.status.usage?.memory ?? 0) > 0);
    assert.ok(measured.status.usage!.cpu >= 0);
  });

  test('a restarted agent adopts the running containers: same container, no restart', async () => {
    const before = await until('hello', 'Running', (p) => p.status.phase === 'Running');
    const id = (before.status.containerStatuses[0] as { containerID?: string }).containerID;
    assert.equal((await agent.stop('SIGTERM')).code, 0);
    const statesBefore = (await getStats(hub.api)).received.state ?? 0;
    agent = startAgent({ dataDir: `${dir.path}/agent`, hub: hub.brokerUrl, nodeName: 'edge-pods', heartbeatSeconds: 1, extraArgs: ['--pod-bridge', bridge, '--pod-subnet', subnet] });
    await waitFor('edge-pods Ready again', async () => ((await (await fetch(`${hub.api}/api/v1/nodes/edge-pods`)).json()) as { status?: { phase: string } }).status?.phase === 'Ready' || undefined);
    // The new agent reports its observed state on connecting (and on change): wait for that report.
    await waitFor('a state report from the new agent', async () => ((await getStats(hub.api)).received.state ?? 0) > statesBefore || undefined);
    await new Promise((r) => setTimeout(r, 3500)); // one more reconcile pass (resync 3 s) in case it wanted to recreate anything
    const after = await until('hello', 'reported by the new agent', (p) => p.status.phase === 'Running');
    const status = after.status.containerStatuses[0] as { containerID?: string; restartCount: number; state: { running?: { startedAt: number } } };
    assert.equal(status.containerID, id);
    assert.equal(status.restartCount, 0);
    assert.deepEqual(status.state.running, (before.status.containerStatuses[0]?.state as { running?: object }).running, 'same run of the container');
  });

  test('a container over its 32Mi memory limit is OOM-killed and reported OOMKilled', async () => {
    await corral('run', 'oom', '--image', image, '--node', 'edge-pods', '--restart', 'Never', '--limits', 'memory=32Mi', '--', 'sh', '-c', 'x=$(head -c 100000000 /dev/zero | tr "\\0" x); echo ${#x}');
    const done = await until('oom', 'terminated', (p) => p.status.containerStatuses[0]?.state.terminated !== undefined);
    assert.equal(done.status.containerStatuses[0]?.state.terminated?.reason, 'OOMKilled');
    assert.equal(done.status.phase, 'Failed');
  });

  test('a crashing container is reported with its exit code and waits in CrashLoopBackOff', async () => {
    await corral('run', 'crash', '--image', image, '--node', 'edge-pods', '--', 'sh', '-c', 'exit 3');
    const waiting = await until('crash', 'CrashLoopBackOff', (p) => p.status.containerStatuses[0]?.state.waiting?.reason === 'CrashLoopBackOff');
    assert.equal(waiting.status.containerStatuses[0]?.lastTermination?.exitCode, 3);
    assert.equal(waiting.status.containerStatuses[0]?.lastTermination?.reason, 'Error');
    assert.equal(waiting.status.phase, 'Running');
  });

  test('two containers of one pod reach each other on localhost, and a hostPort is reachable on 127.0.0.1', async () => {
    const hostPort = await freePort();
    const manifest = {
      apiVersion: 'corral/v1',
      kind: 'Pod',
      metadata: { name: 'duo' },
      spec: {
        nodeName: 'edge-pods',
        containers: [
          { name: 'server', image, command: ['sh', '-c', 'mkdir -p /www && echo duo-ok > /www/index.html && exec httpd -f -p 8080 -h /www'], ports: [{ containerPort: 8080, hostPort }] },
          { name: 'client', image, command: ['sh', '-c', 'while true; do wget -qO- http://127.0.0.1:8080/ && sleep 1 || sleep 0.2; done'] },
        ],
      },
    };
    const res = await fetch(`${hub.api}/api/v1/pods`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(manifest) });
    assert.equal(res.status, 201, await res.text());
    await until('duo', 'Running', (p) => p.status.containerStatuses.every((c) => c.state.running));
    await waitFor('client log shows the server answer', async () => ((await corral('logs', 'duo', '-c', 'client')).stdout.includes('duo-ok') ? true : undefined));
    const body = await waitFor(`127.0.0.1:${hostPort}`, async () => {
      const r = await fetch(`http://127.0.0.1:${hostPort}/`).catch(() => undefined);
      return r?.ok ? r.text() : undefined;
    });
    assert.equal(body.trim(), 'duo-ok');
  });

  test('a failing liveness probe restarts the container', async () => {
    const manifest = {
      apiVersion: 'corral/v1',
      kind: 'Pod',
      metadata: { name: 'sick' },
      spec: {
        nodeName: 'edge-pods',
        terminationGracePeriodSeconds: 1,
        containers: [
          {
            name: 'main',
            image,
            command: ['sh', '-c', 'touch /tmp/healthy; sleep 2; rm /tmp/healthy; exec sleep 3600'],
            livenessProbe: { exec: { command: ['test', '-f', '/tmp/healthy'] }, periodSeconds: 1, failureThreshold: 2 },
          },
        ],
      },
    };
    const res = await fetch(`${hub.api}/api/v1/pods`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(manifest) });
    assert.equal(res.status, 201, await res.text());
    const restarted = await until('sick', 'killed by its liveness probe', (p) => p.status.containerStatuses[0]?.lastTermination?.reason === 'LivenessProbeFailed');
    assert.ok(restarted.status.containerStatuses[0]?.lastTermination);
    await corral('delete', 'pod', 'sick');
  });

  test('deleting a pod leaves no cgroup, netns, iptables rule, mount or pod directory behind', async () => {
    await corral('run', 'web', '--image', image, '--node', 'edge-pods', '--port', '8080', '--', 'httpd', '-f', '-p', '8080');
    const running = await until('web', 'Running', (p) => p.status.phase === 'Running');
    const { uid } = running.metadata;
    const ip = running.status.podIP!;
    const podDir = `${dir.path}/agent/pods/${uid}`;
    assert.ok(existsSync(podDir));
    assert.ok(existsSync(`/sys/fs/cgroup/memory/corral/pod-${uid}`));
    await corral('delete', 'pod', 'web');
    await waitFor('pod directory removed', () => (existsSync(podDir) ? undefined : true), 30_000);
    assert.equal(existsSync(`/sys/fs/cgroup/memory/corral/pod-${uid}`), false, 'memory cgroup');
    assert.equal(existsSync(`/sys/fs/cgroup/cpu/corral/pod-${uid}`), false, 'cpu cgroup');
    assert.equal(existsSync(`/sys/fs/cgroup/pids/corral/pod-${uid}`), false, 'pids cgroup');
    const rules = (await run('iptables-save')).stdout;
    assert.ok(!rules.includes(`${ip}/`) && !rules.includes(`${ip} `) && !rules.includes(uid), 'iptables rules');
    const mounts = await readFile('/proc/self/mountinfo', 'utf8');
    assert.ok(!mounts.includes(uid), 'mounts');
    const netns = (await run('ip', ['netns', 'list'])).stdout;
    const runtimeIds = (await run('runc', ['--root', `${dir.path}/agent/run/runc/state`, 'list', '-q']).catch(() => ({ stdout: '' }))).stdout;
    assert.ok(!runtimeIds.includes(uid), 'runtime containers');
    const status = await pod('web');
    assert.equal(status, undefined);
    // The other pods' namespaces remain; this pod's is gone with its record.
    assert.equal((await readFile(`${dir.path}/agent/network/${uid}.json`, 'utf8').catch(() => 'gone')), 'gone');
    assert.ok(typeof netns === 'string');
  });

  test('a static pod runs with no hub at all', async () => {
    const staticDir = await tempDir('static-pod');
    try {
      await mkdir(`${staticDir.path}/agent/pods.d`, { recursive: true });
      await writeFile(
        `${staticDir.path}/agent/pods.d/beacon.yaml`,
        `apiVersion: corral/v1\nkind: Pod\nmetadata: {name: beacon}\nspec:\n  hostNetwork: true\n  containers:\n    - name: main\n      image: ${image}\n      command: [sh, -c, 'echo static-pod-alive; exec sleep 3600']\n`,
      );
      const lonely = startAgent({ dataDir: `${staticDir.path}/agent`, hub: `mqtt://127.0.0.1:${await freePort()}`, nodeName: 'lonely' });
      try {
        const { staticPodUid } = await import('../../agent/src/pods/static-pods.js');
        const log = `${staticDir.path}/agent/pods/${staticPodUid('beacon')}/logs/main.log`;
        await waitFor(`static pod output\n${lonely.log().slice(-1500)}`, async () => ((await readFile(log, 'utf8').catch(() => '')).includes('static-pod-alive') ? true : undefined), 60_000);
      } finally {
        await lonely.stop();
        // The agent leaves its containers running on purpose (they outlive it); clean them up here.
        await removeAgentLeftovers(`${staticDir.path}/agent`);
      }
    } finally {
      await staticDir.remove();
    }
  });
});
