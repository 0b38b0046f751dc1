import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { type KeyObject, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import mqtt, { type MqttClient } from 'mqtt';
import { ErrorCode, decodeMessage, encodeDesiredBody, nodeTopic, openDesired, sealDesired } from '../../protocol/src/index.js';
import { removeAgentLeftovers } from '../support/agent-leftovers.js';
import { type Daemon, type HubHandle, runCli, startAgent, startHub, tempDir, waitFor } from '../support/daemons.js';
import { getNode } from '../support/hub-api.js';
import { ensureTestImage, pushTestImage, startRegistry } from '../support/registry.js';

const run = promisify(execFile);
const NODE = 'signed-a';

interface ApiPod {
  metadata: { name: string; uid: string };
  status: { phase: string };
}

/** A container as `runc list --format json` shows it; the pid tells one run from the next. */
interface RuncContainer {
  id: string;
  pid: number;
  status: string;
}

/**
 * Signed desired state end to end: a real hub (embedded broker, insecure transport) and a real agent
 * pinning the hub's `signing.pub.pem`, running a hostNetwork pod. A rogue MQTT client publishes, retained
 * and not, an unsigned desired state with no pods, one signed by another key, and a replay of an older
 * genuine one: each is dropped and counted (heartbeat `agent.messagesDropped`), the pod keeps its
 * container, and a genuine change from the hub still applies afterwards.
 */
describe('signed desired state with a real hub and agent', { concurrency: false }, () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let registry: Awaited<ReturnType<typeof startRegistry>>;
  let hub: HubHandle;
  let agent: Daemon;
  let image: string;
  let watcher: MqttClient;
  /** Every genuine desired payload seen on the node's topic, by generation (the first of each). */
  const genuine = new Map<number, Buffer>();
  let dropped: number | undefined;

  const agentDir = () => `${dir.path}/${NODE}`;
  const pods = async (): Promise<ApiPod[]> => ((await (await fetch(`${hub.api}/api/v1/pods`)).json()) as { items: ApiPod[] }).items;
  const podNamed = async (name: string) => (await pods()).find((p) => p.metadata.name === name);
  const containers = async (): Promise<RuncContainer[]> => {
    const { stdout } = await run('runc', ['--root', `${agentDir()}/run/runc/state`, 'list', '--format', 'json']).catch(() => ({ stdout: 'null' }));
    return (JSON.parse(stdout || 'null') as RuncContainer[] | null) ?? [];
  };
  const runningContainerOf = async (uid: string) => (await containers()).find((c) => c.id.startsWith(uid) && c.status === 'running');
  const applyPod = async (name: string) => {
    const file = `${dir.path}/${name}.yaml`;
    const manifest = `apiVersion: corral/v1
kind: Pod
metadata: {name: ${name}}
spec:
  nodeName: ${NODE}
  hostNetwork: true
  terminationGracePeriodSeconds: 1
  containers:
    - name: main
      image: ${image}
      command: [sh, -c, 'trap "exit 0" TERM; while :; do sleep 1; done']
`;
    await writeFile(file, manifest);
    const applied = await runCli(hub.api, 'apply', '-f', file);
    assert.equal(applied.code, 0, applied.stderr);
  };
  const running = (name: string) => waitFor(`${name} Running`, async () => ((await podNamed(name))?.status.phase === 'Running' ? podNamed(name) : undefined), 60_000);
  const newestGeneration = () => Math.max(...genuine.keys());
  const unsignedEmpty = (generation: number) => sealDesired({ node: NODE, generation, body: encodeDesiredBody({ v: 1, node: NODE, ts: Date.now(), generation, pods: [] }) });
  const signedBy = (key: KeyObject, generation: number) => sealDesired({ node: NODE, generation, body: encodeDesiredBody({ v: 1, node: NODE, ts: Date.now(), generation, pods: [] }) }, { privateKey: key });

  before(async () => {
    dir = await tempDir('signed-desired');
    registry = await startRegistry(`${dir.path}/registry`);
    image = await pushTestImage(await ensureTestImage(), '1', registry.host, 'corral/busybox');
    hub = await startHub({ dataDir: `${dir.path}/hub`, graceSeconds: 3 });
    const hubKey = createPublicKey(await readFile(`${dir.path}/hub/signing.pub.pem`, 'utf8'));
    // A bystander that keeps the hub's genuine desired states (to replay one) and reads the agent's heartbeats.
    watcher = await mqtt.connectAsync(hub.brokerUrl, { clientId: `signed-desired-watch-${process.pid}`, protocolVersion: 4, reconnectPeriod: 200 });
    watcher.on('message', (topic, payload) => {
      if (topic === nodeTopic(NODE, 'heartbeat')) {
        const beat = decodeMessage('heartbeat', payload);
        if (beat.ok) dropped = beat.value.agent.messagesDropped;
        return;
      }
      const opened = openDesired(payload, { node: NODE, publicKey: hubKey });
      if (opened.ok && !genuine.has(opened.value.message.generation)) genuine.set(opened.value.message.generation, Buffer.from(payload));
    });
    await watcher.subscribeAsync([nodeTopic(NODE, 'desired'), nodeTopic(NODE, 'heartbeat')], { qos: 1 });
    agent = startAgent({ dataDir: agentDir(), hub: hub.brokerUrl, nodeName: NODE, heartbeatSeconds: 1, extraArgs: ['--hub-public-key', `${dir.path}/hub/signing.pub.pem`] });
    await waitFor(`${NODE} Ready\n${agent.log()}`, async () => ((await getNode(hub.api, NODE))?.status.phase === 'Ready' ? true : undefined), 30_000);
  });

  after(async () => {
    await watcher?.endAsync(true);
    if (hub?.daemon.alive) {
      for (const name of ['web', 'extra']) await runCli(hub.api, 'delete', 'pod', name);
    }
    await agent?.stop('SIGKILL');
    await removeAgentLeftovers(agentDir());
    await hub?.daemon.stop();
    await registry?.stop();
    await dir?.remove();
  });

  test('the hub serves the public key it wrote to its data directory, and its desired states verify with it', async () => {
    const res = await fetch(`${hub.api}/api/v1/hub/signing-key`);
    assert.equal(res.status, 200);
    const served = await res.text();
    assert.equal(served, await readFile(`${dir.path}/hub/signing.pub.pem`, 'utf8'));
    await applyPod('web');
    await running('web');
    const first = await waitFor('a genuine desired state with web', () => (genuine.size > 0 ? genuine.get(newestGeneration()) : undefined));
    const opened = openDesired(first, { node: NODE, publicKey: createPublicKey(served) });
    assert.ok(opened.ok && opened.value.verified);
  });

  test('unsigned, wrongly signed and replayed desired states are dropped and counted, the pod keeps its container, and a genuine change still applies', async (t) => {
    const web = await running('web');
    // A second genuine change, so that an older genuine desired state exists to replay.
    const older = newestGeneration();
    await applyPod('extra');
    const extra = await running('extra');
    const current = await waitFor('the desired state with extra', () => (newestGeneration() > older ? newestGeneration() : undefined));
    const webBefore = await waitFor('web container', () => runningContainerOf(web.metadata.uid));
    const start = await waitFor('a heartbeat', () => dropped);

    const rogue = generateKeyPairSync('ed25519');
    const attacks: Array<{ name: string; payload: Uint8Array; code: string }> = [
      { name: 'unsigned, no pods', payload: unsignedEmpty(current + 1), code: ErrorCode.DesiredUnsigned },
      { name: 'signed by another key, no pods', payload: signedBy(rogue.privateKey, current + 1), code: ErrorCode.DesiredBadSignature },
      { name: `replay of genuine generation ${older}`, payload: genuine.get(older)!, code: ErrorCode.DesiredStale },
    ];
    const rogueClient = await mqtt.connectAsync(hub.brokerUrl, { clientId: `signed-desired-rogue-${process.pid}`, protocolVersion: 4, reconnectPeriod: 0 });
    t.after(() => rogueClient.endAsync(true));
    let expected = start;
    for (const retain of [false, true]) {
      for (const attack of attacks) {
        await rogueClient.publishAsync(nodeTopic(NODE, 'desired'), Buffer.from(attack.payload), { qos: 1, retain });
        expected += 1;
        await waitFor(`messagesDropped ${expected} after "${attack.name}" (retain ${retain})\n${agent.log()}`, () => (dropped === expected ? true : undefined), 15_000);
        const webNow = await runningContainerOf(web.metadata.uid);
        assert.equal(webNow?.pid, webBefore.pid, `web keeps its container after "${attack.name}" (retain ${retain})`);
        assert.ok(await runningContainerOf(extra.metadata.uid), 'extra still runs');
      }
    }
    assert.equal(expected - start, 6, 'one drop per rejected message');
    const log = agent.output.join('');
    for (const { code } of attacks) assert.ok(log.includes(code), `the agent logged ${code}`);
    assert.equal(agent.alive, true);

    // A genuine change from the hub (after a retained forgery sat on the broker) still applies.
    const deleted = await runCli(hub.api, 'delete', 'pod', 'extra');
    assert.equal(deleted.code, 0, deleted.stderr);
    await waitFor('extra stopped on the agent', async () => ((await runningContainerOf(extra.metadata.uid)) ? undefined : true), 60_000);
    assert.equal((await runningContainerOf(web.metadata.uid))?.pid, webBefore.pid, 'web still the same container');
    assert.equal(dropped, expected, 'the genuine change was not dropped');
  });
});
