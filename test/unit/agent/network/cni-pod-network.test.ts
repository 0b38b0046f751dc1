import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { CniPodNetwork, type CniPodNetworkOptions } from '../../../../agent/src/network/cni-pod-network.js';
import { sandboxNames } from '../../../../agent/src/network/sandbox-names.js';
import { CorralError } from '../../../../protocol/src/index.js';
import { FakeHost } from './fake-host.js';
import { podNetworkContract } from './pod-network.contract.js';

const dirs: string[] = [];
after(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

async function setup(options: Partial<CniPodNetworkOptions> = {}, host = new FakeHost()) {
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'corral-net-')));
  dirs.push(dataDir);
  const created = CniPodNetwork.create({ subnet: '10.99.0.0/24', ...options, dataDir }, host.deps);
  assert.ok(created.ok);
  return { network: created.value, host, dataDir };
}

async function rejectsWith(promise: Promise<unknown>, code: string): Promise<CorralError> {
  let caught: CorralError | undefined;
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof CorralError, String(error));
    assert.equal(error.code, code, error.message);
    caught = error;
    return true;
  });
  return caught as CorralError;
}

let port = 31000;
podNetworkContract('CniPodNetwork over a fake host', async () => {
  const { network, host } = await setup();
  return {
    network,
    hostPort: async () => port++,
    inSubnet: (ip) => ip.startsWith('10.99.0.'),
    reboot: async () => host.dropNamespaces(),
    close: async () => {
      for (const uid of await network.list()) await network.tearDown(uid);
    },
  };
});

test('setUp runs bridge then portmap, handing portmap the bridge result and only the port mappings it declared', async () => {
  const { network, host } = await setup({ networkName: 'corral', bridge: 'corral0' });
  const uid = randomUUID();
  const sandbox = await network.setUp({ uid, name: 'web', ports: [{ containerPort: 80, hostPort: 8080, protocol: 'TCP' }, { containerPort: 53, hostPort: 5353, protocol: 'UDP' }] });
  assert.deepEqual(host.calls.map((c) => `${c.plugin} ${c.command}`), ['bridge ADD', 'portmap ADD']);
  const [bridge, portmap] = host.calls.map((c) => c.config);
  assert.equal(bridge?.runtimeConfig, undefined, 'bridge declares no capability');
  assert.equal(bridge?.prevResult, undefined);
  assert.equal(portmap?.capabilities, undefined, 'capabilities are removed');
  assert.deepEqual(portmap?.runtimeConfig, { portMappings: [{ hostPort: 8080, containerPort: 80, protocol: 'tcp' }, { hostPort: 5353, containerPort: 53, protocol: 'udp' }] });
  assert.equal((portmap?.prevResult as { ips: Array<{ address: string }> }).ips[0]?.address, `${sandbox.podIP}/24`);
  assert.equal(sandbox.netnsPath, sandboxNames(uid).netnsPath);
  assert.ok(host.namespaces.has(sandboxNames(uid).netnsName));
});

test('setUp switches on ip_forward, and route_localnet on the bridge only when the pod has host ports', async () => {
  const { network, host } = await setup({ bridge: 'corral9' });
  await network.setUp({ uid: randomUUID(), name: 'plain', ports: [] });
  assert.equal(host.sysctls.get('net/ipv4/ip_forward'), '1');
  assert.equal(host.sysctls.has('net/ipv4/conf/corral9/route_localnet'), false);
  await network.setUp({ uid: randomUUID(), name: 'web', ports: [{ containerPort: 80, hostPort: 8080, protocol: 'TCP' }] });
  assert.equal(host.sysctls.get('net/ipv4/conf/corral9/route_localnet'), '1');
  assert.equal(host.sysctls.has('net/ipv4/conf/all/route_localnet'), false, 'not host-wide by default');
});

test('with routeLocalnet "all" setUp sets net.ipv4.conf.all.route_localnet for a pod with host ports', async () => {
  const { network, host } = await setup({ routeLocalnet: 'all' });
  await network.setUp({ uid: randomUUID(), name: 'web', ports: [{ containerPort: 80, hostPort: 8080, protocol: 'TCP' }] });
  assert.equal(host.sysctls.get('net/ipv4/conf/all/route_localnet'), '1');
});

test('a failing portmap ADD is undone in reverse order and rejects with the plugin error', async () => {
  const { network, host } = await setup();
  host.fail.add('portmap ADD');
  const uid = randomUUID();
  const error = await rejectsWith(network.setUp({ uid, name: 'web', ports: [{ containerPort: 80, hostPort: 8080, protocol: 'TCP' }] }), 'CORRAL_NETWORK_PLUGIN_FAILED');
  assert.match(error.message, /portmap ADD: code 11 \(try again later\): injected/);
  assert.deepEqual(host.calls.map((c) => `${c.plugin} ${c.command}`), ['bridge ADD', 'portmap ADD', 'portmap DEL', 'bridge DEL']);
  assert.ok(host.calls.at(-1)?.config.prevResult !== undefined, 'DEL gets the partial result');
  assert.equal(host.leases.size, 0);
  assert.equal(host.masqChains.size, 0);
  assert.equal(host.namespaces.size, 0);
  assert.deepEqual(await network.list(), []);
});

test('a namespace that cannot be created leaves no record and no lease', async () => {
  const { network, host } = await setup();
  host.fail.add('netns create');
  await rejectsWith(network.setUp({ uid: randomUUID(), name: 'x', ports: [] }), 'CORRAL_NETWORK_NAMESPACE_FAILED');
  assert.deepEqual(await network.list(), []);
  assert.equal(host.leases.size, 0);
});

test('tearDown after the namespace vanished runs DEL with the stored result and removes the masquerade chain the bridge plugin left', async () => {
  const { network, host } = await setup();
  const uid = randomUUID();
  await network.setUp({ uid, name: 'web', ports: [{ containerPort: 80, hostPort: 8080, protocol: 'TCP' }] });
  host.dropNamespaces();
  host.calls.length = 0;
  await network.tearDown(uid);
  assert.deepEqual(host.calls.map((c) => `${c.plugin} ${c.command}`), ['portmap DEL', 'bridge DEL']);
  assert.ok(host.calls.every((c) => c.config.prevResult !== undefined));
  assert.deepEqual(host.calls[0]?.config.runtimeConfig, { portMappings: [{ hostPort: 8080, containerPort: 80, protocol: 'tcp' }] });
  assert.equal(host.leases.size, 0);
  assert.equal(host.portmaps.size, 0);
  assert.equal(host.masqChains.size, 0, `left ${[...host.masqChains].join(', ')}`);
  assert.deepEqual(host.iptablesCommands.map((c) => c[2]), ['-D', '-F', '-X']);
  assert.deepEqual(await network.list(), []);
});

test('a failing DEL keeps the record, so a later tearDown (or one after an agent restart) finishes the job', async () => {
  const { network, host, dataDir } = await setup();
  const uid = randomUUID();
  await network.setUp({ uid, name: 'web', ports: [] });
  host.fail.add('bridge DEL');
  await rejectsWith(network.tearDown(uid), 'CORRAL_NETWORK_PLUGIN_FAILED');
  assert.deepEqual(await network.list(), [uid]);
  host.fail.clear();
  const restarted = await setup({ dataDir }, host);
  await restarted.network.tearDown(uid);
  assert.deepEqual(await restarted.network.list(), []);
  assert.equal(host.leases.size, 0);
});

test('a sandbox is torn down with the network configuration it was created with, not the current one', async () => {
  const { network, host, dataDir } = await setup({ networkName: 'old', bridge: 'old0' });
  const uid = randomUUID();
  await network.setUp({ uid, name: 'web', ports: [] });
  host.calls.length = 0;
  const reconfigured = await setup({ dataDir, networkName: 'new', bridge: 'new0', subnet: '10.98.0.0/24' }, host);
  await reconfigured.network.tearDown(uid);
  assert.ok(host.calls.every((c) => c.config.name === 'old'));
  assert.equal(host.calls.find((c) => c.plugin === 'bridge')?.config.bridge, 'old0');
});

test('setUp with other ports than the existing sandbox rebuilds it', async () => {
  const { network, host } = await setup();
  const uid = randomUUID();
  await network.setUp({ uid, name: 'web', ports: [{ containerPort: 80, hostPort: 8080, protocol: 'TCP' }] });
  await network.setUp({ uid, name: 'web', ports: [{ containerPort: 80, hostPort: 9090, protocol: 'TCP' }] });
  assert.deepEqual(host.calls.map((c) => `${c.plugin} ${c.command}`), ['bridge ADD', 'portmap ADD', 'portmap DEL', 'bridge DEL', 'bridge ADD', 'portmap ADD']);
  assert.deepEqual((await network.get(uid))?.hostPorts, [{ hostPort: 9090, containerPort: 80, protocol: 'TCP' }]);
  assert.equal(host.leases.size, 1);
});

test('a namespace of the same name without a record is left alone', async () => {
  const { network, host } = await setup();
  const uid = randomUUID();
  host.namespaces.add(sandboxNames(uid).netnsName);
  await rejectsWith(network.setUp({ uid, name: 'x', ports: [] }), 'CORRAL_NETWORK_NAMESPACE_FAILED');
  assert.ok(host.namespaces.has(sandboxNames(uid).netnsName));
});

test('a corrupt sandbox record is reported with CORRAL_NETWORK_STATE_FAILED', async () => {
  const { network, dataDir } = await setup();
  const uid = randomUUID();
  await network.setUp({ uid, name: 'x', ports: [] });
  await writeFile(join(dataDir, 'network', `${uid}.json`), '{"version":1');
  await rejectsWith(network.tearDown(uid), 'CORRAL_NETWORK_STATE_FAILED');
  await rejectsWith(network.get(uid), 'CORRAL_NETWORK_STATE_FAILED');
});

test('the sandbox record holds what DEL needs', async () => {
  const { network, dataDir } = await setup({ networkName: 'corral' });
  const uid = randomUUID();
  const sandbox = await network.setUp({ uid, name: 'web', ports: [{ containerPort: 80, hostPort: 8080, protocol: 'TCP' }] });
  const record = JSON.parse(await readFile(join(dataDir, 'network', `${uid}.json`), 'utf8'));
  assert.equal(record.containerId, uid);
  assert.equal(record.netnsPath, sandbox.netnsPath);
  assert.equal(record.ifName, 'eth0');
  assert.equal(record.network.name, 'corral');
  assert.equal(record.network.plugins[0].ipam.dataDir, join(dataDir, 'network', 'ipam'));
  assert.deepEqual(record.portMappings, [{ hostPort: 8080, containerPort: 80, protocol: 'tcp' }]);
  assert.equal(record.phase, 'ready');
  assert.equal(record.podIP, sandbox.podIP);
  assert.equal(record.result.cniVersion, '1.0.0');
});

test('an unexpected exception of a dependency becomes a CORRAL_NETWORK_* error', async () => {
  const host = new FakeHost();
  host.deps.sysctl.ensure = async () => {
    throw new Error('EACCES');
  };
  const { network } = await setup({}, host);
  await rejectsWith(network.setUp({ uid: randomUUID(), name: 'x', ports: [] }), 'CORRAL_NETWORK_HOST_FAILED');
  // The queue keeps working after a failure.
  assert.deepEqual(await network.list(), []);
});

test('CniPodNetwork.create refuses invalid settings with CORRAL_NETWORK_INVALID', () => {
  const host = new FakeHost();
  for (const options of [{ subnet: '10.0.0.0/33' }, { bridge: 'a-bridge-name-too-long' }, { networkName: 'no spaces' }]) {
    const created = CniPodNetwork.create({ dataDir: '/tmp/x', ...options }, host.deps);
    assert.ok(!created.ok);
    assert.equal(created.error.code, 'CORRAL_NETWORK_INVALID');
  }
});
