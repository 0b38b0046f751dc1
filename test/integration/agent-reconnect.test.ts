import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { type Daemon, type HubHandle, freePort, startAgent, startHub, tempDir, waitFor } from '../support/daemons.js';
import { getNode } from '../support/hub-api.js';

const cleanup: Array<() => Promise<unknown>> = [];
after(async () => {
  for (const step of cleanup.reverse()) await step();
});

test('an agent started before its broker exists connects once the hub comes up, without restarting', async (t) => {
  const dir = await tempDir('reconnect');
  cleanup.push(() => dir.remove());
  const mqttPort = await freePort();
  const agent: Daemon = startAgent({ dataDir: `${dir.path}/agent`, hub: `mqtt://127.0.0.1:${mqttPort}`, nodeName: 'early-bird', heartbeatSeconds: 0.5 });
  cleanup.push(() => agent.stop('SIGKILL'));
  // Let it fail a few connection attempts with back-off.
  await waitFor('a failed connection attempt', () => (agent.log().includes('reconnecting after back-off') ? true : undefined));
  const hub: HubHandle = await startHub({ dataDir: `${dir.path}/hub`, mqttPort });
  cleanup.push(() => hub.daemon.stop());
  const started = Date.now();
  const node = await waitFor('early-bird Ready', async () => {
    const n = await getNode(hub.api, 'early-bird');
    return n?.status.phase === 'Ready' ? n : undefined;
  }, 60_000);
  t.diagnostic(`hub up → node Ready in ${Date.now() - started} ms (reconnect back-off is capped at 30 s)`);
  assert.equal(node.metadata.name, 'early-bird');
  assert.ok(agent.alive);
});
