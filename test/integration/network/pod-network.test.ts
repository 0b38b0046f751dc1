import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CniPodNetwork, hostPodNetworkDeps } from '../../../agent/src/network/cni-pod-network.js';
import { hostVethFromResult, parseCniResult } from '../../../agent/src/network/cni-result.js';
import type { PodPort, PodSandbox } from '../../../agent/src/network/pod-network.js';
import { sandboxNames } from '../../../agent/src/network/sandbox-names.js';
import { freePort, tempDir } from '../../support/daemons.js';
import { podNetworkContract } from '../../unit/agent/network/pod-network.contract.js';
import { Processes, eventually, httpGet, missingPrerequisite, readJson, removeNetworkRules, removeSharedPortmapChains, sh, tracesOf, unusedSubnet, wgetIn } from './host.js';

const missing = missingPrerequisite();
// Unique per run, so the test never meets a running agent's bridge, leases or chains.
const suffix = randomBytes(2).toString('hex');
const BRIDGE = `corraltest${suffix}`;
const NETWORK = `corraltest-${suffix}`;

let dir: { path: string; remove: () => Promise<void> };
let network: CniPodNetwork;
let subnet: { subnet: string; prefix: string };
let ipForwardBefore: string;
let portmapChainsBefore = false;
const processes = new Processes();
const createdUids = new Set<string>();

async function setUp(name: string, ports: PodPort[] = []): Promise<PodSandbox & { uid: string; netnsName: string }> {
  const uid = randomUUID();
  createdUids.add(uid);
  const sandbox = await network.setUp({ uid, name, ports });
  return { ...sandbox, uid, netnsName: sandboxNames(uid).netnsName };
}

/** Where a pod's sandbox could leave traces; read while it exists (the record names the host veth). */
async function footprint(pod: { uid: string; podIP: string; netnsName: string }) {
  const recordFile = join(dir.path, 'network', `${pod.uid}.json`);
  const record = (await readJson(recordFile)) as { result: unknown };
  const result = parseCniResult(JSON.stringify(record.result));
  assert.ok(result.ok);
  return {
    netnsName: pod.netnsName,
    podIP: pod.podIP,
    containerId: pod.uid,
    hostVeth: hostVethFromResult(result.value, BRIDGE),
    leaseFile: join(dir.path, 'network', 'ipam', NETWORK, pod.podIP),
    recordFile,
  };
}

async function deleteNetnsBehindItsBack(netnsName: string): Promise<void> {
  const pids = (await sh('ip', ['netns', 'pids', netnsName])).stdout.split('\n').filter(Boolean);
  for (const pid of pids) process.kill(Number(pid), 'SIGKILL');
  const deleted = await sh('ip', ['netns', 'delete', netnsName]);
  assert.equal(deleted.exitCode, 0, deleted.stderr);
}

before(async () => {
  if (missing) return;
  dir = await tempDir('pod-network');
  subnet = await unusedSubnet();
  ipForwardBefore = (await readFile('/proc/sys/net/ipv4/ip_forward', 'utf8')).trim();
  portmapChainsBefore = (await sh('iptables-save', ['-t', 'nat'])).stdout.includes(':CNI-HOSTPORT-DNAT ');
  const created = CniPodNetwork.create({ dataDir: dir.path, networkName: NETWORK, bridge: BRIDGE, subnet: subnet.subnet }, hostPodNetworkDeps());
  assert.ok(created.ok, created.ok ? '' : created.error.message);
  network = created.value;
});

after(async () => {
  if (missing) return;
  await processes.killAll();
  for (const uid of await network.list().catch(() => [])) await network.tearDown(uid).catch(() => undefined);
  // Whatever a failed test left: processes in our namespaces, the namespaces, rules, the bridge.
  for (const uid of createdUids) {
    const { netnsName } = sandboxNames(uid);
    if ((await sh('ip', ['netns', 'list'])).stdout.includes(netnsName)) await deleteNetnsBehindItsBack(netnsName).catch(() => undefined);
  }
  await removeNetworkRules(NETWORK);
  await sh('ip', ['link', 'delete', BRIDGE]);
  if (!portmapChainsBefore) await removeSharedPortmapChains();
  await writeFile('/proc/sys/net/ipv4/ip_forward', `${ipForwardBefore}\n`);
  await dir.remove();
});

if (missing) {
  test('CniPodNetwork on this host', { skip: missing }, () => {});
} else {
  podNetworkContract('CniPodNetwork on this host', async () => ({
    network,
    hostPort: freePort,
    inSubnet: (ip) => ip.startsWith(subnet.prefix),
    reboot: async () => {
      for (const uid of await network.list()) await deleteNetnsBehindItsBack(sandboxNames(uid).netnsName);
    },
    close: async () => {
      for (const uid of await network.list()) await network.tearDown(uid);
    },
  }));

  describe('CniPodNetwork on this host', () => {
    test('a client in pod A reaches a server in pod B at its pod IP', async () => {
      const a = await setUp('client');
      const b = await setUp('server');
      try {
        assert.notEqual(a.podIP, b.podIP);
        assert.ok(a.podIP.startsWith(subnet.prefix) && b.podIP.startsWith(subnet.prefix));
        await processes.httpd(b.netnsName, '8080', 'hello from pod b', dir.path);
        await eventually('pod A → pod B', () => wgetIn(a.netnsName, `http://${b.podIP}:8080/`), 'hello from pod b');
      } finally {
        await processes.killAll();
        await network.tearDown(a.uid);
        await network.tearDown(b.uid);
      }
    });

    test('a hostPort reaches the pod from the host at 127.0.0.1:hostPort and from another pod through the node', async () => {
      const hostPort = await freePort();
      const web = await setUp('web', [{ containerPort: 8080, hostPort, protocol: 'TCP' }]);
      const other = await setUp('other');
      try {
        await processes.httpd(web.netnsName, '8080', 'hello through the host port', dir.path);
        await eventually('127.0.0.1:hostPort → pod', () => httpGet(`http://127.0.0.1:${hostPort}/`), 'hello through the host port');
        const gateway = `${subnet.prefix}1`;
        await eventually('pod → node:hostPort → pod', () => wgetIn(other.netnsName, `http://${gateway}:${hostPort}/`), 'hello through the host port');
        // Hairpin: the pod reaches itself through its own host port.
        await eventually('pod → node:hostPort → same pod', () => wgetIn(web.netnsName, `http://${gateway}:${hostPort}/`), 'hello through the host port');
      } finally {
        await processes.killAll();
        await network.tearDown(web.uid);
        await network.tearDown(other.uid);
      }
    });

    test('processes in one pod reach each other on 127.0.0.1, as containers of a pod will', async () => {
      const pod = await setUp('sidecars');
      const neighbour = await setUp('neighbour');
      try {
        await processes.httpd(pod.netnsName, '127.0.0.1:9000', 'hello over loopback', dir.path);
        await eventually('pod → its own 127.0.0.1', () => wgetIn(pod.netnsName, 'http://127.0.0.1:9000/'), 'hello over loopback');
        assert.equal(await wgetIn(neighbour.netnsName, 'http://127.0.0.1:9000/'), undefined, "another pod's loopback is its own");
      } finally {
        await processes.killAll();
        await network.tearDown(pod.uid);
        await network.tearDown(neighbour.uid);
      }
    });

    test('tearDown leaves no namespace, veth, iptables rule, lease or record behind', async () => {
      const web = await setUp('web', [{ containerPort: 80, hostPort: await freePort(), protocol: 'TCP' }]);
      const plain = await setUp('plain');
      const traces = [await footprint(web), await footprint(plain)];
      assert.ok((await tracesOf(traces[0]!)).length > 0, 'the check sees a live sandbox');
      await network.tearDown(web.uid);
      await network.tearDown(plain.uid);
      for (const footprint of traces) assert.deepEqual(await tracesOf(footprint), []);
      assert.equal((await sh('ip', ['-o', 'link', 'show', 'master', BRIDGE])).stdout.trim(), '', 'no veth left on the bridge');
      await network.tearDown(web.uid);
    });

    test('tearDown after the namespace was deleted behind its back (a simulated reboot) still releases the lease and every rule', async () => {
      const web = await setUp('web', [{ containerPort: 80, hostPort: await freePort(), protocol: 'TCP' }]);
      const trace = await footprint(web);
      await processes.httpd(web.netnsName, '80', 'doomed', dir.path);
      await processes.killAll();
      await deleteNetnsBehindItsBack(web.netnsName);
      const stale = await network.get(web.uid);
      assert.equal(stale?.ready, false);
      await network.tearDown(web.uid);
      assert.deepEqual(await tracesOf(trace), []);
      assert.deepEqual(await network.list(), []);
    });
  });
}
