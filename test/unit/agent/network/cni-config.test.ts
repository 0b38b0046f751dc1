import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CNI_VERSION, cniPortMappings, parseIPv4Cidr, pluginExecConfig, podNetworkConfigList } from '../../../../agent/src/network/cni-config.js';

const settings = { name: 'corral', bridge: 'corral0', subnet: '10.88.0.0/16', ipamDataDir: '/var/lib/corral/network/ipam' };

test('podNetworkConfigList chains bridge with host-local IPAM and portmap with snat', () => {
  const list = podNetworkConfigList(settings);
  assert.ok(list.ok);
  assert.deepEqual(list.value, {
    cniVersion: CNI_VERSION,
    name: 'corral',
    plugins: [
      {
        type: 'bridge',
        bridge: 'corral0',
        isGateway: true,
        ipMasq: true,
        hairpinMode: true,
        ipam: { type: 'host-local', ranges: [[{ subnet: '10.88.0.0/16' }]], routes: [{ dst: '0.0.0.0/0' }], dataDir: '/var/lib/corral/network/ipam' },
      },
      { type: 'portmap', capabilities: { portMappings: true }, snat: true },
    ],
  });
});

test('podNetworkConfigList refuses bad names, bridges, subnets and relative IPAM dirs with the field path', () => {
  const cases: Array<[Partial<typeof settings>, string]> = [
    [{ name: '' }, 'name'],
    [{ name: 'has space' }, 'name'],
    [{ bridge: 'sixteen-chars-xx' }, 'bridge'],
    [{ bridge: 'a/b' }, 'bridge'],
    [{ subnet: '10.88.0.0' }, 'subnet'],
    [{ subnet: '10.88.0.1/16' }, 'subnet'],
    [{ subnet: '10.88.0.0/31' }, 'subnet'],
    [{ subnet: '300.1.0.0/16' }, 'subnet'],
    [{ ipamDataDir: 'relative/ipam' }, 'ipamDataDir'],
  ];
  for (const [override, path] of cases) {
    const list = podNetworkConfigList({ ...settings, ...override });
    assert.ok(!list.ok, JSON.stringify(override));
    assert.equal(list.error.code, 'CORRAL_NETWORK_INVALID');
    assert.equal(list.error.path, path);
  }
});

test('pluginExecConfig adds cniVersion and name, drops capabilities, and passes only declared runtimeConfig', () => {
  const list = podNetworkConfigList(settings);
  assert.ok(list.ok);
  const [bridge, portmap] = list.value.plugins;
  assert.ok(bridge && portmap);
  const portMappings = [{ hostPort: 8080, containerPort: 80, protocol: 'tcp' as const }];
  const bridgeConfig = pluginExecConfig(list.value, { plugin: bridge, runtimeConfig: { portMappings } });
  assert.equal(bridgeConfig.cniVersion, CNI_VERSION);
  assert.equal(bridgeConfig.name, 'corral');
  assert.equal('runtimeConfig' in bridgeConfig, false, 'bridge did not declare portMappings');
  assert.equal('prevResult' in bridgeConfig, false);
  const prevResult = { cniVersion: '1.0.0', ips: [] };
  const portmapConfig = pluginExecConfig(list.value, { plugin: portmap, runtimeConfig: { portMappings }, prevResult });
  assert.deepEqual(portmapConfig, { type: 'portmap', snat: true, cniVersion: CNI_VERSION, name: 'corral', runtimeConfig: { portMappings }, prevResult });
  assert.deepEqual(portmap.capabilities, { portMappings: true }, 'the stored list is not modified');
});

test('pluginExecConfig passes an empty portMappings list through to portmap', () => {
  const list = podNetworkConfigList(settings);
  assert.ok(list.ok);
  const config = pluginExecConfig(list.value, { plugin: list.value.plugins[1] as never, runtimeConfig: { portMappings: [] } });
  assert.deepEqual(config.runtimeConfig, { portMappings: [] });
});

test('cniPortMappings lower-cases the protocol', () => {
  assert.deepEqual(
    cniPortMappings([
      { hostPort: 8080, containerPort: 80, protocol: 'TCP' },
      { hostPort: 5353, containerPort: 53, protocol: 'UDP' },
    ]),
    [
      { hostPort: 8080, containerPort: 80, protocol: 'tcp' },
      { hostPort: 5353, containerPort: 53, protocol: 'udp' },
    ],
  );
});

test('parseIPv4Cidr answers the network as a number and the prefix', () => {
  assert.deepEqual(parseIPv4Cidr('10.88.0.0/16'), { ok: true, value: { network: 10 * 2 ** 24 + 88 * 2 ** 16, prefix: 16 } });
  assert.deepEqual(parseIPv4Cidr('192.168.7.0/24'), { ok: true, value: { network: ((192 * 256 + 168) * 256 + 7) * 256, prefix: 24 } });
  for (const bad of ['', '10.88.0.0', '10.88.0/16', '10.88.0.0/7', 'a.b.c.d/16', '10.88.0.4/29']) assert.ok(!parseIPv4Cidr(bad).ok, bad);
});
