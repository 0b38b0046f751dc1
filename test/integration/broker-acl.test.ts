import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { type NodeCredentialRecord, NodeCredentials } from '../../hub/src/security/node-credentials.js';
import { pkiDir, readHubMqttIdentity } from '../../hub/src/security/hub-mqtt-identity.js';
import { LevelStore } from '../../hub/src/store/level-store.js';
import { ErrorCode, agentToHubKinds, hubToAgentKinds, nodeTopic } from '../../protocol/src/index.js';
import { BIN, type Daemon, type HubHandle, freePort, spawnDaemon, startHub, tempDir, waitFor } from '../support/daemons.js';
import { silentLog } from '../unit/hub/fixtures.js';

/**
 * Broker access control with real MQTT clients against (a) the secure hub's embedded Aedes and
 * (b) a real Mosquitto configured only by the files `corral-hub broker-config mosquitto` wrote.
 * What the broker reports is asserted: CONNACK codes, SUBACK 0x80, and that a refused publish or
 * will never reaches a subscriber allowed to see it (the hub's identity, subscribed to corral/#),
 * proven by a sentinel that arrives after it. The brokers differ where MQTT 3.1.1 lets them:
 * Aedes refuses a subscription (0x80) and closes a connection that publishes out of bounds;
 * Mosquitto grants the subscription but delivers nothing the ACL does not let the node read,
 * and acknowledges a refused publish without delivering it.
 */
interface Login {
  username: string;
  password: string;
}

interface BrokerUnderTest {
  url: string;
  ca?: string;
  hub: Login;
  nodes: Record<string, Login>;
  /** Revokes a node's credentials the way an operator does with this broker. */
  revoke(node: string): Promise<void>;
  /** Refused connects, publishes and subscriptions the hub counted (embedded broker only). */
  dropped?(): Promise<Record<string, number>>;
  aedes: boolean;
}

type Connected = { client: MqttClient; refused?: undefined } | { client?: undefined; refused: number };

function connect(broker: BrokerUnderTest, login: Partial<Login>, options: IClientOptions = {}): Promise<Connected> {
  return new Promise((resolve) => {
    const client = mqtt.connect(broker.url, { protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 5000, ...(broker.ca ? { ca: broker.ca, rejectUnauthorized: true } : {}), ...login, ...options });
    client.once('connect', () => resolve({ client }));
    client.once('error', (error: Error & { code?: unknown }) => {
      client.end(true);
      resolve({ refused: typeof error.code === 'number' ? error.code : -1 });
    });
  });
}

async function connectNode(broker: BrokerUnderTest, node: string, options: IClientOptions = {}): Promise<MqttClient> {
  const connected = await connect(broker, broker.nodes[node] as Login, { clientId: `corral-agent-${node}`, ...options });
  assert.ok(connected.client, `${node} connects (CONNACK ${connected.refused})`);
  return connected.client;
}

/** A subscriber under the hub's identity that records every payload it sees. */
async function observe(broker: BrokerUnderTest): Promise<{ client: MqttClient; seen: Map<string, string[]> }> {
  const seen = new Map<string, string[]>();
  const connected = await connect(broker, broker.hub, { clientId: 'corral-hub-observer' });
  assert.ok(connected.client, `the hub identity connects (CONNACK ${connected.refused})`);
  connected.client.on('message', (topic, payload) => seen.set(payload.toString(), [...(seen.get(payload.toString()) ?? []), topic]));
  const granted = await connected.client.subscribeAsync('corral/#', { qos: 1 });
  assert.equal(granted[0]?.qos, 1);
  return { client: connected.client, seen };
}

/** Publishes at QoS 1; 'acked' when the broker acknowledged, 'closed' when it closed the connection instead. */
function attemptPublish(client: MqttClient, topic: string, payload: string): Promise<'acked' | 'closed'> {
  return new Promise((resolve) => {
    client.once('close', () => resolve('closed'));
    client.publishAsync(topic, payload, { qos: 1 }).then(() => resolve('acked'), () => resolve('closed'));
  });
}

/** The QoS the broker granted each filter (128: refused); mqtt.js rejects when every one was refused. */
async function subscribe(client: MqttClient, filters: string[]): Promise<number[]> {
  try {
    return (await client.subscribeAsync(filters, { qos: 1 })).map((g) => g.qos);
  } catch (error) {
    const granted = (error as { packet?: { granted?: number[] } }).packet?.granted;
    if (!granted) throw error;
    return granted;
  }
}

function received(client: MqttClient): Map<string, string> {
  const got = new Map<string, string>();
  client.on('message', (topic, payload) => got.set(payload.toString(), topic));
  return got;
}

const refusedCodes = [4, 5];

function brokerAclSuite(title: string, setup: () => Promise<{ broker: BrokerUnderTest; stop: () => Promise<void> }>): void {
  describe(title, () => {
    let broker: BrokerUnderTest;
    let stop: (() => Promise<void>) | undefined;
    let observer: Awaited<ReturnType<typeof observe>>;
    const clients: MqttClient[] = [];
    const node = async (name: string, options: IClientOptions = {}) => {
      const client = await connectNode(broker, name, options);
      clients.push(client);
      return client;
    };
    /** Publishes a fresh payload on pi-b's own heartbeat and waits until the observer has it: everything sent before is settled. */
    const sentinel = async () => {
      const b = await node('pi-b');
      const mark = `sentinel-${Math.random()}`;
      await b.publishAsync(nodeTopic('pi-b', 'heartbeat'), mark, { qos: 1 });
      await waitFor('the sentinel at the observer', () => (observer.seen.has(mark) ? true : undefined));
    };

    before(async () => {
      ({ broker, stop } = await setup());
      observer = await observe(broker);
    });

    after(async () => {
      for (const client of [...clients, observer?.client]) client?.end(true);
      await stop?.();
    });

    test('a client without credentials, with a wrong password or an unknown username is refused', async () => {
      assert.ok(refusedCodes.includes((await connect(broker, {}, { clientId: 'corral-agent-pi-a' })).refused ?? 0), 'anonymous');
      assert.ok(refusedCodes.includes((await connect(broker, { username: 'pi-a', password: 'wrong' }, { clientId: 'corral-agent-pi-a' })).refused ?? 0), 'wrong password');
      assert.ok(refusedCodes.includes((await connect(broker, { username: 'pi-z', password: broker.nodes['pi-a']!.password }, { clientId: 'corral-agent-pi-z' })).refused ?? 0), 'unknown user');
      assert.ok(refusedCodes.includes((await connect(broker, { username: 'corral-hub', password: broker.nodes['pi-a']!.password }, { clientId: 'corral-hub-x' })).refused ?? 0), 'node password as the hub');
    });

    test('a node publishes its own status, heartbeat, state, events and reply', async () => {
      const a = await node('pi-a');
      for (const kind of agentToHubKinds) assert.equal(await attemptPublish(a, nodeTopic('pi-a', kind), `own-${kind}`), 'acked', kind);
      for (const kind of agentToHubKinds) await waitFor(`own ${kind} at the observer`, () => (observer.seen.get(`own-${kind}`)?.[0] === nodeTopic('pi-a', kind) ? true : undefined));
    });

    test("a node's publishes on another node's topics and on any desired, cmd or ack are never delivered", async () => {
      const forged = [...agentToHubKinds.map((kind) => nodeTopic('pi-b', kind)), ...hubToAgentKinds.flatMap((kind) => [nodeTopic('pi-b', kind), nodeTopic('pi-a', kind)])];
      for (const topic of forged) {
        const a = await node('pi-a');
        const outcome = await attemptPublish(a, topic, `forged ${topic}`);
        assert.equal(outcome, broker.aedes ? 'closed' : 'acked', topic);
        a.end(true);
      }
      await sentinel();
      assert.deepEqual([...observer.seen.keys()].filter((p) => p.startsWith('forged')), []);
    });

    test("a node cannot subscribe to another node's desired state or commands, nor to wildcards", async () => {
      const a = await node('pi-a');
      const got = received(a);
      const filters = [...hubToAgentKinds.map((kind) => nodeTopic('pi-b', kind)), 'corral/v1/node/+/desired', 'corral/v1/node/+/cmd', 'corral/#', '#'];
      const granted = await subscribe(a, filters);
      if (broker.aedes) assert.deepEqual(granted, filters.map(() => 128));
      await a.subscribeAsync(nodeTopic('pi-a', 'desired'), { qos: 1 });
      for (const kind of hubToAgentKinds) await observer.client.publishAsync(nodeTopic('pi-b', kind), `secret-${kind}`, { qos: 1 });
      await observer.client.publishAsync(nodeTopic('pi-a', 'desired'), 'mine', { qos: 1 });
      await waitFor("pi-a's own desired state", () => (got.has('mine') ? true : undefined));
      assert.deepEqual([...got.keys()].filter((p) => p.startsWith('secret')), []);
    });

    test('a node subscribes to its own desired, cmd and ack, and the hub identity publishes them for any node', async () => {
      for (const name of ['pi-a', 'pi-b']) {
        const client = await node(name);
        const got = received(client);
        assert.deepEqual(await subscribe(client, hubToAgentKinds.map((kind) => nodeTopic(name, kind))), [1, 1, 1]);
        for (const kind of hubToAgentKinds) await observer.client.publishAsync(nodeTopic(name, kind), `to-${name}-${kind}`, { qos: 1 });
        await waitFor(`${name} gets its desired, cmd and ack`, () => (hubToAgentKinds.every((kind) => got.get(`to-${name}-${kind}`) === nodeTopic(name, kind)) ? true : undefined));
      }
    });

    test("a node using another node's client id does not take over that node's session", async () => {
      const b = await node('pi-b');
      const attempt = await connect(broker, broker.nodes['pi-a'] as Login, { clientId: 'corral-agent-pi-b' });
      if (attempt.client) clients.push(attempt.client);
      if (broker.aedes) assert.equal(attempt.refused, 5);
      const mark = `still-${Math.random()}`;
      await b.publishAsync(nodeTopic('pi-b', 'heartbeat'), mark, { qos: 1 });
      await waitFor("pi-b's heartbeat after the attempt", () => (observer.seen.has(mark) ? true : undefined));
      assert.equal(b.connected, true);
    });

    test("a node's last will reaches the hub only on its own status topic", async () => {
      const foreign = await connect(broker, broker.nodes['pi-a'] as Login, { clientId: 'corral-agent-pi-a', will: { topic: nodeTopic('pi-b', 'status'), payload: Buffer.from('forged will'), qos: 1, retain: false } });
      if (broker.aedes) assert.equal(foreign.refused, 5);
      foreign.client?.stream.destroy();
      // The next connection of pi-a replaces whatever is left of that one (its will decided) before the sentinel.
      const own = await node('pi-a', { will: { topic: nodeTopic('pi-a', 'status'), payload: Buffer.from('own will'), qos: 1, retain: false } });
      own.stream.destroy();
      await waitFor('the own will at the observer', () => (observer.seen.has('own will') ? true : undefined));
      await sentinel();
      assert.equal(observer.seen.has('forged will'), false);
    });

    test('a revoked node is refused', async () => {
      const c = await connect(broker, broker.nodes['pi-c'] as Login, { clientId: 'corral-agent-pi-c' });
      assert.ok(c.client, 'pi-c connects before revocation');
      const closed = new Promise<void>((resolve) => c.client.once('close', () => resolve()));
      await broker.revoke('pi-c');
      // The embedded broker closes the revoked node's connection at once; Mosquitto when it reloads.
      await closed;
      c.client.end(true);
      await waitFor('pi-c refused', async () => {
        const again = await connect(broker, broker.nodes['pi-c'] as Login, { clientId: 'corral-agent-pi-c' });
        again.client?.end(true);
        return again.refused !== undefined && refusedCodes.includes(again.refused) ? true : undefined;
      });
    });

    test('the hub counts every refused connection, publish and subscription', async (t) => {
      if (!broker.dropped) return t.skip('only the embedded broker reports to the hub');
      const dropped = await broker.dropped();
      assert.ok((dropped[ErrorCode.MqttAuthFailed] ?? 0) >= 5, JSON.stringify(dropped));
      assert.ok((dropped[ErrorCode.MqttPublishDenied] ?? 0) >= 11, JSON.stringify(dropped));
      assert.ok((dropped[ErrorCode.MqttSubscribeDenied] ?? 0) >= 7, JSON.stringify(dropped));
    });
  });
}

/** An https call to the secure hub's API with its bootstrap admin token. */
function api(hub: HubHandle, token: string, method: string, path: string): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    readFile(hub.caFile as string, 'utf8').then((ca) => {
      const req = request(`${hub.api}${path}`, { method, ca, headers: { authorization: `Bearer ${token}` } }, (res) => {
        let text = '';
        res.on('data', (chunk) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : undefined }));
      });
      req.once('error', reject);
      req.end();
    }, reject);
  });
}

brokerAclSuite('broker access control on the secure hub’s embedded Aedes broker', async () => {
  const dir = await tempDir('broker-acl-aedes');
  const hub = await startHub({ dataDir: `${dir.path}/hub`, secure: true });
  const token = (await readFile(join(dir.path, 'hub', 'admin.token'), 'utf8')).trim();
  const nodes: Record<string, Login> = {};
  for (const name of ['pi-a', 'pi-b', 'pi-c']) {
    const issued = await api(hub, token, 'POST', `/api/v1/nodes/${name}/credentials`);
    assert.equal(issued.status, 201, JSON.stringify(issued.body));
    nodes[name] = issued.body as Login;
  }
  const hubLogin = (await readHubMqttIdentity(pkiDir(`${dir.path}/hub`))) as Login;
  const broker: BrokerUnderTest = {
    url: hub.brokerUrl,
    ca: await readFile(hub.caFile as string, 'utf8'),
    hub: hubLogin,
    nodes,
    aedes: true,
    revoke: async (name) => {
      const deleted = await api(hub, token, 'DELETE', `/api/v1/nodes/${name}`);
      assert.equal(deleted.status, 200, JSON.stringify(deleted.body));
      assert.equal((deleted.body as { credentialsRevoked: boolean }).credentialsRevoked, true);
    },
    dropped: async () => ((await api(hub, token, 'GET', '/api/v1/stats')).body as { dropped: Record<string, number> }).dropped,
  };
  return {
    broker,
    stop: async () => {
      await hub.daemon.stop();
      await dir.remove();
    },
  };
});

brokerAclSuite('broker access control on Mosquitto configured by `corral-hub broker-config mosquitto`', async () => {
  const dir = await tempDir('broker-acl-mosquitto');
  const dataDir = `${dir.path}/hub`;
  const out = `${dir.path}/mosquitto`;
  const withCredentials = async <T>(use: (credentials: NodeCredentials) => Promise<T>): Promise<T> => {
    const store = await LevelStore.open(dataDir);
    try {
      const credentials = new NodeCredentials(store.collection<NodeCredentialRecord>('node-credentials'), { now: Date.now, log: silentLog });
      await credentials.load();
      return await use(credentials);
    } finally {
      await store.close();
    }
  };
  const nodes = await withCredentials(async (credentials) => {
    const issued: Record<string, Login> = {};
    for (const name of ['pi-a', 'pi-b', 'pi-c']) {
      const result = await credentials.issue(name);
      assert.ok(result.ok);
      issued[name] = result.value;
    }
    return issued;
  });
  const brokerConfig = () => promisify(execFile)(process.execPath, [BIN.hub, 'broker-config', 'mosquitto', '--data-dir', dataDir, '--out', out]);
  await brokerConfig();
  const port = await freePort();
  const conf = join(dir.path, 'mosquitto.conf');
  await writeFile(conf, [`listener ${port} 127.0.0.1`, 'user root', 'persistence false', 'log_dest stderr', 'log_type error', 'log_type warning', await readFile(join(out, 'mosquitto.conf'), 'utf8')].join('\n'));
  const mosquitto: Daemon = spawnDaemon('mosquitto', 'mosquitto', ['-c', conf]);
  const url = `mqtt://127.0.0.1:${port}`;
  const hubLogin = (await readHubMqttIdentity(pkiDir(dataDir))) as Login;
  await waitFor(`mosquitto on ${url}`, async () => {
    if (!mosquitto.alive) throw new Error(`mosquitto exited: ${mosquitto.log()}`);
    const probe = await connect({ url, hub: hubLogin, nodes, aedes: false, revoke: async () => {} }, hubLogin, { clientId: 'corral-hub-probe' });
    probe.client?.end(true);
    return probe.client ? true : undefined;
  });
  const broker: BrokerUnderTest = {
    url,
    hub: hubLogin,
    nodes,
    aedes: false,
    // The operator's way: revoke, write the files again, reload Mosquitto.
    revoke: async (name) => {
      assert.equal(await withCredentials((credentials) => credentials.revoke(name)), true);
      await brokerConfig();
      mosquitto.signal('SIGHUP');
    },
  };
  return {
    broker,
    stop: async () => {
      await mosquitto.stop();
      await dir.remove();
    },
  };
});
