import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import mqtt from 'mqtt';
import { goArch } from '../../agent/src/node-info.js';
import { nodeTopic } from '../../protocol/src/index.js';
import { BIN, type Daemon, type HubHandle, startAgent, startHub, startMosquitto, tempDir, waitFor } from '../support/daemons.js';
import { getNode, getStats, readyReason } from '../support/hub-api.js';
import { malformedPayloads } from '../support/malformed.js';

const run = promisify(execFile);

export type BrokerKind = 'embedded' | 'mosquitto';

const GRACE_SECONDS = 3;

/**
 * The agent↔hub contract over a real broker. Runs once with the hub's embedded
 * Aedes and once against a real Mosquitto with the hub in `--broker` mode.
 * No timing assertions: latencies are printed as diagnostics, and the Ready
 * condition's reason proves which mechanism (last will or heartbeat timeout) acted.
 */
export function agentHubSuite(kind: BrokerKind): void {
  describe(`agent and hub over ${kind === 'embedded' ? 'the embedded Aedes broker' : 'an external Mosquitto broker'}`, () => {
    let dir: Awaited<ReturnType<typeof tempDir>>;
    let mosquitto: Daemon | undefined;
    let externalBroker: string | undefined;
    let hub: HubHandle;
    const agents: Daemon[] = [];

    const agent = (name: string, extra: { labels?: string; heartbeatSeconds?: number; keepaliveSeconds?: number } = {}) => {
      const daemon = startAgent({ dataDir: `${dir.path}/agent-${name}`, hub: hub.brokerUrl, nodeName: name, heartbeatSeconds: 0.5, ...extra });
      agents.push(daemon);
      return daemon;
    };

    const phaseOf = async (name: string) => (await getNode(hub.api, name))?.status.phase;

    before(async () => {
      dir = await tempDir(`agent-hub-${kind}`);
      if (kind === 'mosquitto') {
        const started = await startMosquitto(dir.path);
        mosquitto = started.daemon;
        externalBroker = started.url;
      }
      hub = await startHub({ dataDir: `${dir.path}/hub`, graceSeconds: GRACE_SECONDS, ...(externalBroker ? { broker: externalBroker } : {}) });
    });

    after(async () => {
      for (const a of agents) await a.stop('SIGKILL');
      await hub?.daemon.stop();
      await mosquitto?.stop();
      await dir?.remove();
    });

    test('an agent registers its node Ready with its architecture, capacity and labels', async () => {
      agent('edge-a', { labels: 'site=lab,corral.io/role=sensor' });
      const node = await waitFor('edge-a Ready', async () => {
        const n = await getNode(hub.api, 'edge-a');
        return n?.status.phase === 'Ready' ? n : undefined;
      });
      const memTotal = Number(/^MemTotal:\s+(\d+) kB/m.exec(readFileSync('/proc/meminfo', 'utf8'))?.[1]) * 1024;
      assert.equal(node.status.nodeInfo.architecture, goArch(process.arch));
      assert.equal(node.status.nodeInfo.os, 'linux');
      assert.equal(node.status.capacity.cpu, availableParallelism() * 1000);
      assert.equal(node.status.capacity.memory, memTotal);
      assert.equal(node.status.allocatable.cpu, node.status.capacity.cpu - 100);
      assert.equal(node.status.allocatable.memory, node.status.capacity.memory - 128 * 2 ** 20);
      assert.deepEqual(node.metadata.labels, { site: 'lab', 'corral.io/role': 'sensor' });
      assert.match(node.metadata.uid, /^[0-9a-f-]{36}$/);
    });

    test('heartbeats carry node and agent usage to the hub', async () => {
      const node = await waitFor('edge-a usage', async () => {
        const n = await getNode(hub.api, 'edge-a');
        return n?.status.usage && n.status.agent ? n : undefined;
      });
      assert.ok((node.status.agent?.memory ?? 0) > 10 * 2 ** 20, 'agent RSS is reported');
      assert.ok((node.status.usage?.memory ?? 0) > 0, 'node memory in use is reported');
      assert.ok((await getStats(hub.api)).received.heartbeat! > 0);
    });

    test('the CLI lists the node and describes it', async () => {
      const json = await run(process.execPath, [BIN.cli, '--hub', hub.api, 'get', 'nodes', '-o', 'json']);
      const list = JSON.parse(json.stdout) as { items: Array<{ metadata: { name: string }; status: { phase: string } }> };
      assert.equal(list.items.find((n) => n.metadata.name === 'edge-a')?.status.phase, 'Ready');
      const table = await run(process.execPath, [BIN.cli, 'get', 'nodes'], { env: { ...process.env, CORRAL_HUB: hub.api } });
      assert.match(table.stdout, /^NAME\s+STATUS\s+ARCH\s+CPU\s+MEMORY\s+AGE\s+LABELS/m);
      assert.match(table.stdout, new RegExp(`^edge-a\\s+Ready\\s+${goArch(process.arch)}\\s`, 'm'));
      const described = await run(process.execPath, [BIN.cli, '--hub', hub.api, 'describe', 'node', 'edge-a']);
      assert.match(described.stdout, /edge-a/);
      const missing = await run(process.execPath, [BIN.cli, '--hub', hub.api, 'describe', 'node', 'no-such-node']).catch((e: { code: number; stderr: string }) => e);
      assert.equal((missing as { code: number }).code, 1);
      assert.equal((missing as { stderr: string }).stderr.trim().split('\n').length, 1);
    });

    test('a ping command round-trips through the broker to the agent', async () => {
      const res = await fetch(`${hub.api}/api/v1/nodes/edge-a/ping`, { method: 'POST' });
      assert.equal(res.status, 200);
      const body = (await res.json()) as { agentVersion: string; roundTripMs: number };
      assert.equal(typeof body.agentVersion, 'string');
      const unknown = await fetch(`${hub.api}/api/v1/nodes/nobody/ping`, { method: 'POST' });
      assert.equal(unknown.status, 404);
    });

    test('SIGKILL of an agent makes its node NotReady through its last will', async (t) => {
      const daemon = agent('edge-kill');
      await waitFor('edge-kill Ready', async () => ((await phaseOf('edge-kill')) === 'Ready' ? true : undefined));
      const killedAt = Date.now();
      daemon.signal('SIGKILL');
      const node = await waitFor('edge-kill NotReady', async () => {
        const n = await getNode(hub.api, 'edge-kill');
        return n?.status.phase === 'NotReady' ? n : undefined;
      });
      t.diagnostic(`SIGKILL → NotReady in ${Date.now() - killedAt} ms (last will; heartbeat grace is ${GRACE_SECONDS} s)`);
      assert.equal(readyReason(node), 'AgentDisconnected');
    });

    test('a stopped agent (SIGSTOP) goes NotReady after the heartbeat grace and Ready again on SIGCONT', async (t) => {
      // A long keepalive keeps the broker from closing the frozen connection: only heartbeats tell.
      const daemon = agent('edge-stop', { keepaliveSeconds: 300 });
      await waitFor('edge-stop Ready', async () => ((await phaseOf('edge-stop')) === 'Ready' ? true : undefined));
      const stoppedAt = Date.now();
      daemon.signal('SIGSTOP');
      try {
        const node = await waitFor('edge-stop NotReady', async () => {
          const n = await getNode(hub.api, 'edge-stop');
          return n?.status.phase === 'NotReady' ? n : undefined;
        });
        t.diagnostic(`SIGSTOP → NotReady in ${Date.now() - stoppedAt} ms (grace ${GRACE_SECONDS} s)`);
        assert.equal(readyReason(node), 'HeartbeatTimeout');
      } finally {
        daemon.signal('SIGCONT');
      }
      const resumedAt = Date.now();
      const back = await waitFor('edge-stop Ready again', async () => {
        const n = await getNode(hub.api, 'edge-stop');
        return n?.status.phase === 'Ready' ? n : undefined;
      });
      t.diagnostic(`SIGCONT → Ready in ${Date.now() - resumedAt} ms`);
      assert.equal(readyReason(back), 'AgentReady');
      assert.ok(daemon.alive);
    });

    test('SIGTERM makes the agent say goodbye and exit 0; a restart keeps its identity', async () => {
      const daemon = agent('edge-term');
      const first = await waitFor('edge-term Ready', async () => {
        const n = await getNode(hub.api, 'edge-term');
        return n?.status.phase === 'Ready' ? n : undefined;
      });
      const exit = await daemon.stop('SIGTERM');
      assert.equal(exit.code, 0, daemon.log());
      const gone = await waitFor('edge-term NotReady', async () => {
        const n = await getNode(hub.api, 'edge-term');
        return n?.status.phase === 'NotReady' ? n : undefined;
      });
      assert.equal(readyReason(gone), 'AgentShutdown');
      agent('edge-term');
      const again = await waitFor('edge-term Ready again', async () => {
        const n = await getNode(hub.api, 'edge-term');
        return n?.status.phase === 'Ready' ? n : undefined;
      });
      assert.equal(again.metadata.uid, first.metadata.uid);
      assert.equal(again.metadata.creationTimestamp, first.metadata.creationTimestamp);
    });

    test('malformed, oversized and stray messages are dropped and counted; neither daemon crashes', async (t) => {
      const daemon = agent('edge-fuzz');
      await waitFor('edge-fuzz Ready', async () => ((await phaseOf('edge-fuzz')) === 'Ready' ? true : undefined));
      const before = await getStats(hub.api);
      const client = await mqtt.connectAsync(hub.brokerUrl, { clientId: `fuzzer-${kind}`, protocolVersion: 4 });
      let toHub = 0;
      let toAgent = 0;
      try {
        for (const { kind: k, payload } of malformedPayloads(300, kind === 'embedded' ? 1 : 2)) {
          const topic = k === 'cmd' ? nodeTopic('edge-fuzz', 'cmd') : nodeTopic('edge-fuzz', k);
          await client.publishAsync(topic, Buffer.from(payload), { qos: 1 });
          if (k === 'cmd') toAgent += 1;
          else toHub += 1;
        }
        for (const topic of ['corral/v1/node/edge-fuzz/bogus', 'corral/v1/node/Not_A_Node/status', 'corral/v2/node/edge-fuzz/status', 'corral/v1/extra/level/here/x', 'corral']) {
          await client.publishAsync(topic, Buffer.from('garbage'), { qos: 1 });
          toHub += 1;
        }
      } finally {
        await client.endAsync();
      }
      t.diagnostic(`sent ${toHub} bad messages to hub topics and ${toAgent} to the agent's cmd topic`);
      await waitFor('hub drop count', async () => ((await getStats(hub.api)).droppedTotal === before.droppedTotal + toHub ? true : undefined));
      await waitFor('agent drop count in its heartbeat', async () => {
        const n = await getNode(hub.api, 'edge-fuzz');
        return n?.status.agent?.messagesDropped === toAgent ? true : undefined;
      });
      assert.ok(hub.daemon.alive, hub.daemon.log());
      assert.ok(daemon.alive, daemon.log());
      assert.equal(await phaseOf('edge-fuzz'), 'Ready');
      const after = await getStats(hub.api);
      assert.equal(after.droppedTotal, before.droppedTotal + toHub);
    });

    test('a hub restart keeps the registry, and running agents come back Ready without restarting', async () => {
      const daemon = agent('edge-stay');
      const first = await waitFor('edge-stay Ready', async () => {
        const n = await getNode(hub.api, 'edge-stay');
        return n?.status.phase === 'Ready' ? n : undefined;
      });
      const pid = daemon.proc.pid;
      assert.equal((await hub.daemon.stop('SIGTERM')).code, 0, hub.daemon.log());
      const port = Number(new URL(hub.api).port);
      const mqttPort = Number(new URL(hub.brokerUrl).port);
      hub = await startHub({ dataDir: `${dir.path}/hub`, graceSeconds: GRACE_SECONDS, httpPort: port, ...(externalBroker ? { broker: externalBroker } : { mqttPort }) });
      // Every node known before the restart is still listed, with its identity.
      const restored = await getNode(hub.api, 'edge-a');
      assert.ok(restored, 'edge-a survived the hub restart');
      const back = await waitFor('edge-stay Ready after hub restart', async () => {
        const n = await getNode(hub.api, 'edge-stay');
        return n?.status.phase === 'Ready' ? n : undefined;
      });
      assert.equal(back.metadata.uid, first.metadata.uid);
      assert.equal(back.metadata.creationTimestamp, first.metadata.creationTimestamp);
      assert.ok(daemon.alive);
      assert.equal(daemon.proc.pid, pid);
    });
  });
}
