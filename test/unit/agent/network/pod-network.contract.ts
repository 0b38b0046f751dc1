import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, test } from 'node:test';
import { CorralError } from '../../../../protocol/src/index.js';
import type { PodNetwork } from '../../../../agent/src/network/pod-network.js';

export interface PodNetworkHarness {
  network: PodNetwork;
  /** A host port nothing else listens on. */
  hostPort: () => Promise<number>;
  /** Whether `ip` lies in the network's pod subnet. */
  inSubnet: (ip: string) => boolean;
  /** Makes every sandbox's namespace vanish, as a reboot does; leases and records stay. */
  reboot?: () => Promise<void>;
  /** Releases whatever the test left behind. */
  close: () => Promise<void>;
}

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

async function rejectsWith(promise: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof CorralError, `a CorralError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    return true;
  });
}

/** Every PodNetwork — CNI on the host, CNI over a fake host, the in-memory fake — must behave the same. */
export function podNetworkContract(name: string, open: () => Promise<PodNetworkHarness>): void {
  describe(`${name} satisfies the PodNetwork contract`, () => {
    test('setUp gives each pod its own address in the subnet and its own namespace, and list names both', async () => {
      const h = await open();
      try {
        const [a, b] = [randomUUID(), randomUUID()];
        const sa = await h.network.setUp({ uid: a, name: 'a', ports: [] });
        const sb = await h.network.setUp({ uid: b, name: 'b', ports: [{ containerPort: 80, protocol: 'TCP' }] });
        assert.match(sa.podIP, IPV4);
        assert.ok(h.inSubnet(sa.podIP) && h.inSubnet(sb.podIP), `${sa.podIP}, ${sb.podIP} in the subnet`);
        assert.notEqual(sa.podIP, sb.podIP);
        assert.notEqual(sa.netnsPath, sb.netnsPath);
        assert.match(sa.netnsPath, /^\/var\/run\/netns\/corral-[0-9a-f]{12}$/);
        const listed = await h.network.list();
        assert.ok(listed.includes(a) && listed.includes(b), `list ${JSON.stringify(listed)}`);
      } finally {
        await h.close();
      }
    });

    test('setUp again with the same ports returns the same sandbox', async () => {
      const h = await open();
      try {
        const uid = randomUUID();
        const hostPort = await h.hostPort();
        const ports = [{ containerPort: 8080, hostPort, protocol: 'TCP' as const }];
        const first = await h.network.setUp({ uid, name: 'web', ports });
        const again = await h.network.setUp({ uid, name: 'web', ports });
        assert.deepEqual(again, first);
      } finally {
        await h.close();
      }
    });

    test('get reports the sandbox, its host ports and that it is ready', async () => {
      const h = await open();
      try {
        const uid = randomUUID();
        const hostPort = await h.hostPort();
        const sandbox = await h.network.setUp({ uid, name: 'web', ports: [{ containerPort: 80, hostPort, protocol: 'TCP' }, { containerPort: 81, protocol: 'TCP' }] });
        assert.deepEqual(await h.network.get(uid), { podUid: uid, podName: 'web', netnsPath: sandbox.netnsPath, podIP: sandbox.podIP, hostPorts: [{ hostPort, containerPort: 80, protocol: 'TCP' }], ready: true });
        assert.equal(await h.network.get(randomUUID()), undefined);
      } finally {
        await h.close();
      }
    });

    test('tearDown removes the sandbox, and is a no-op the second time and for an unknown pod', async () => {
      const h = await open();
      try {
        const uid = randomUUID();
        await h.network.setUp({ uid, name: 'gone', ports: [] });
        await h.network.tearDown(uid);
        assert.ok(!(await h.network.list()).includes(uid));
        assert.equal(await h.network.get(uid), undefined);
        await h.network.tearDown(uid);
        await h.network.tearDown(randomUUID());
      } finally {
        await h.close();
      }
    });

    test('a host port forwarded to one pod is refused to another until the first is torn down', async () => {
      const h = await open();
      try {
        const [a, b] = [randomUUID(), randomUUID()];
        const hostPort = await h.hostPort();
        await h.network.setUp({ uid: a, name: 'a', ports: [{ containerPort: 80, hostPort, protocol: 'TCP' }] });
        await rejectsWith(h.network.setUp({ uid: b, name: 'b', ports: [{ containerPort: 8080, hostPort, protocol: 'TCP' }] }), 'CORRAL_NETWORK_HOSTPORT_CONFLICT');
        assert.ok(!(await h.network.list()).includes(b), 'the refused pod has no sandbox');
        // Same number, other protocol: no conflict.
        await h.network.setUp({ uid: b, name: 'b', ports: [{ containerPort: 53, hostPort, protocol: 'UDP' }] });
        await h.network.tearDown(b);
        await h.network.tearDown(a);
        await h.network.setUp({ uid: b, name: 'b', ports: [{ containerPort: 8080, hostPort, protocol: 'TCP' }] });
      } finally {
        await h.close();
      }
    });

    test('two ports of one pod claiming one host port, and invalid uids, are refused with typed errors', async () => {
      const h = await open();
      try {
        const hostPort = await h.hostPort();
        const ports = [
          { containerPort: 80, hostPort, protocol: 'TCP' as const },
          { containerPort: 81, hostPort, protocol: 'TCP' as const },
        ];
        await rejectsWith(h.network.setUp({ uid: randomUUID(), name: 'twice', ports }), 'CORRAL_NETWORK_HOSTPORT_CONFLICT');
        await rejectsWith(h.network.setUp({ uid: '../etc/passwd', name: 'evil', ports: [] }), 'CORRAL_NETWORK_INVALID');
        await rejectsWith(h.network.setUp({ uid: randomUUID(), name: 'bad', ports: [{ containerPort: 0, protocol: 'TCP' }] }), 'CORRAL_NETWORK_INVALID');
        await rejectsWith(h.network.tearDown('a/b'), 'CORRAL_NETWORK_INVALID');
      } finally {
        await h.close();
      }
    });

    test('after a reboot a sandbox is listed but not ready; setUp rebuilds it and tearDown releases it', async (t) => {
      const h = await open();
      try {
        if (!h.reboot) {
          t.skip('no reboot simulation');
          return;
        }
        const [kept, dropped] = [randomUUID(), randomUUID()];
        await h.network.setUp({ uid: kept, name: 'kept', ports: [] });
        await h.network.setUp({ uid: dropped, name: 'dropped', ports: [{ containerPort: 80, hostPort: await h.hostPort(), protocol: 'TCP' }] });
        await h.reboot();
        assert.deepEqual((await h.network.list()).filter((u) => u === kept || u === dropped).sort(), [kept, dropped].sort());
        assert.equal((await h.network.get(kept))?.ready, false);
        const rebuilt = await h.network.setUp({ uid: kept, name: 'kept', ports: [] });
        assert.ok(h.inSubnet(rebuilt.podIP));
        assert.equal((await h.network.get(kept))?.ready, true);
        await h.network.tearDown(dropped);
        assert.equal(await h.network.get(dropped), undefined);
      } finally {
        await h.close();
      }
    });
  });
}
