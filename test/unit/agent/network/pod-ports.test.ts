import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findHostPortConflict, podNetworkRequest, sameHostPorts, validatePodNetworkRequest } from '../../../../agent/src/network/pod-ports.js';
import { PodSpec } from '../../../../protocol/src/index.js';

const UID = '0b8e3f1c-6a55-4c1e-9d0e-3f2b7a1c9e42';

test('podNetworkRequest collects the ports of every container and gives hostNetwork pods no sandbox', () => {
  const spec = PodSpec.parse({
    containers: [
      { name: 'web', image: 'nginx', ports: [{ containerPort: 80, hostPort: 8080 }] },
      { name: 'dns', image: 'coredns', ports: [{ containerPort: 53, protocol: 'UDP' }] },
    ],
  });
  assert.deepEqual(podNetworkRequest({ uid: UID, name: 'p', spec }), {
    uid: UID,
    name: 'p',
    ports: [
      { containerPort: 80, hostPort: 8080, protocol: 'TCP' },
      { containerPort: 53, hostPort: undefined, protocol: 'UDP' },
    ],
  });
  assert.equal(podNetworkRequest({ uid: UID, name: 'p', spec: { ...spec, hostNetwork: true } }), undefined);
});

test('validatePodNetworkRequest keeps host ports only and folds identical ones', () => {
  const valid = validatePodNetworkRequest({
    uid: UID,
    name: 'p',
    ports: [
      { containerPort: 80, hostPort: 8080, protocol: 'TCP' },
      { containerPort: 80, hostPort: 8080, protocol: 'TCP' },
      { containerPort: 81, protocol: 'TCP' },
      { containerPort: 53, hostPort: 8080, protocol: 'UDP' },
    ],
  });
  assert.ok(valid.ok);
  assert.deepEqual(valid.value.hostPorts, [
    { hostPort: 8080, containerPort: 80, protocol: 'TCP' },
    { hostPort: 8080, containerPort: 53, protocol: 'UDP' },
  ]);
});

test('validatePodNetworkRequest refuses unsafe uids, bad ports and one host port for two container ports', () => {
  const cases: Array<[Parameters<typeof validatePodNetworkRequest>[0], string, string]> = [
    [{ uid: '', name: 'p', ports: [] }, 'CORRAL_NETWORK_INVALID', 'uid'],
    [{ uid: '../x', name: 'p', ports: [] }, 'CORRAL_NETWORK_INVALID', 'uid'],
    [{ uid: '-x', name: 'p', ports: [] }, 'CORRAL_NETWORK_INVALID', 'uid'],
    [{ uid: 'a'.repeat(129), name: 'p', ports: [] }, 'CORRAL_NETWORK_INVALID', 'uid'],
    [{ uid: UID, name: '', ports: [] }, 'CORRAL_NETWORK_INVALID', 'name'],
    [{ uid: UID, name: 'p', ports: [{ containerPort: 70000, protocol: 'TCP' }] }, 'CORRAL_NETWORK_INVALID', 'ports[0].containerPort'],
    [{ uid: UID, name: 'p', ports: [{ containerPort: 80, hostPort: 0, protocol: 'TCP' }] }, 'CORRAL_NETWORK_INVALID', 'ports[0].hostPort'],
    [{ uid: UID, name: 'p', ports: [{ containerPort: 80, protocol: 'SCTP' as 'TCP' }] }, 'CORRAL_NETWORK_INVALID', 'ports[0].protocol'],
    [
      {
        uid: UID,
        name: 'p',
        ports: [
          { containerPort: 80, hostPort: 8080, protocol: 'TCP' },
          { containerPort: 81, hostPort: 8080, protocol: 'TCP' },
        ],
      },
      'CORRAL_NETWORK_HOSTPORT_CONFLICT',
      'ports[1].hostPort',
    ],
  ];
  for (const [request, code, path] of cases) {
    const result = validatePodNetworkRequest(request);
    assert.ok(!result.ok, JSON.stringify(request));
    assert.equal(result.error.code, code);
    assert.equal(result.error.path, path);
  }
});

test('findHostPortConflict names the pod holding the port, per protocol', () => {
  const others = [{ podUid: 'a', hostPorts: [{ hostPort: 8080, containerPort: 80, protocol: 'TCP' as const }] }];
  assert.deepEqual(findHostPortConflict([{ hostPort: 8080, containerPort: 9000, protocol: 'TCP' }], others), { hostPort: 8080, protocol: 'TCP', heldBy: 'a' });
  assert.equal(findHostPortConflict([{ hostPort: 8080, containerPort: 9000, protocol: 'UDP' }], others), undefined);
  assert.equal(findHostPortConflict([{ hostPort: 8081, containerPort: 80, protocol: 'TCP' }], others), undefined);
});

test('sameHostPorts ignores order', () => {
  const a = { hostPort: 1, containerPort: 2, protocol: 'TCP' as const };
  const b = { hostPort: 3, containerPort: 4, protocol: 'UDP' as const };
  assert.ok(sameHostPorts([a, b], [b, a]));
  assert.ok(!sameHostPorts([a], [a, b]));
  assert.ok(!sameHostPorts([a], [{ ...a, containerPort: 5 }]));
});
