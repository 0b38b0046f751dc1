import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import mqtt from 'mqtt';
import { type Daemon, type HubHandle, startAgent, startHub, tempDir, waitFor } from '../support/daemons.js';
import { getNode } from '../support/hub-api.js';
import { agentHubSuite } from './agent-hub.suite.js';

agentHubSuite('embedded');

describe('the embedded broker', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let hub: HubHandle;
  let agent: Daemon;

  before(async () => {
    dir = await tempDir('embedded-guard');
    hub = await startHub({ dataDir: `${dir.path}/hub` });
    agent = startAgent({ dataDir: `${dir.path}/agent`, hub: hub.brokerUrl, nodeName: 'edge-big', heartbeatSeconds: 0.5 });
    await waitFor('edge-big Ready', async () => ((await getNode(hub.api, 'edge-big'))?.status.phase === 'Ready' ? true : undefined));
  });

  after(async () => {
    await agent?.stop('SIGKILL');
    await hub?.daemon.stop();
    await dir?.remove();
  });

  test('closes a connection that sends a packet over the size limit and keeps serving everyone else', async () => {
    const client = await mqtt.connectAsync(hub.brokerUrl, { clientId: 'oversized', protocolVersion: 4, reconnectPeriod: 0 });
    const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
    client.publish('corral/v1/node/edge-big/state', Buffer.alloc(8 * 1024 * 1024), { qos: 0 });
    await closed;
    client.end(true);
    await waitFor('the hub to log the oversized packet', () => (/oversized MQTT packet/.test(hub.daemon.log()) ? true : undefined));
    assert.ok(hub.daemon.alive && agent.alive);
    const before = (await getNode(hub.api, 'edge-big'))?.status.conditions[0]?.lastHeartbeatTime;
    await waitFor('a newer heartbeat', async () => ((await getNode(hub.api, 'edge-big'))?.status.conditions[0]?.lastHeartbeatTime !== before ? true : undefined));
    assert.equal((await getNode(hub.api, 'edge-big'))?.status.phase, 'Ready');
  });
});
