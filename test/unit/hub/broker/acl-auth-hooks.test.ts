import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Aedes, Client, ConnectPacket, PublishPacket } from 'aedes';
import { type BrokerIdentity } from '../../../../hub/src/broker/acl.js';
import { BrokerAuth } from '../../../../hub/src/broker/auth-hooks.js';
import { ErrorCode } from '../../../../protocol/src/index.js';
import { silentLog } from '../fixtures.js';

const logins: Record<string, BrokerIdentity> = { 'pi-a:pw-a': { kind: 'node', name: 'pi-a' }, 'pi-b:pw-b': { kind: 'node', name: 'pi-b' }, 'corral-hub:pw-hub': { kind: 'hub' } };

function setup() {
  const denied: string[] = [];
  const auth = new BrokerAuth({ verify: async (u, p) => logins[`${u}:${p?.toString()}`], log: silentLog, onDenied: (code) => denied.push(code) });
  return { auth, denied };
}

function fakeClient(id: string): Client & { closed: boolean } {
  const client = { id, closed: false, close() { client.closed = true; } };
  return client as unknown as Client & { closed: boolean };
}

/** Runs preConnect (with an optional will) and authenticate; resolves to the CONNACK return code (0: accepted). */
async function connect(auth: BrokerAuth, client: Client, login: string | undefined, will?: string): Promise<number> {
  const packet = { cmd: 'connect', clientId: client.id, ...(will ? { will: { topic: will, payload: Buffer.alloc(0), qos: 1, retain: true } } : {}) } as unknown as ConnectPacket;
  await new Promise<void>((resolve) => auth.hooks.preConnect(client, packet, () => resolve()));
  const [username, password] = login ? login.split(':') : [undefined, undefined];
  return new Promise((resolve) => auth.hooks.authenticate(client, username, password === undefined ? undefined : Buffer.from(password), (error, ok) => resolve(ok ? 0 : (error?.returnCode ?? -1))));
}

const publish = (auth: BrokerAuth, client: Client | null, topic: string) =>
  new Promise<boolean>((resolve) => auth.hooks.authorizePublish(client, { cmd: 'publish', topic, payload: Buffer.alloc(0), qos: 1, retain: false, dup: false } as PublishPacket, (error) => resolve(!error)));
const subscribe = (auth: BrokerAuth, client: Client, topic: string) =>
  new Promise<boolean>((resolve) => auth.hooks.authorizeSubscribe(client, { topic, qos: 1 }, (error, sub) => resolve(!error && !!sub)));

test('BrokerAuth refuses CONNECT without credentials or with wrong ones (4), with a foreign client id or will (5), and counts each', async () => {
  const { auth, denied } = setup();
  assert.equal(await connect(auth, fakeClient('corral-agent-pi-a'), undefined), 4);
  assert.equal(await connect(auth, fakeClient('corral-agent-pi-a'), 'pi-a:wrong'), 4);
  assert.equal(await connect(auth, fakeClient('corral-agent-pi-b'), 'pi-a:pw-a'), 5);
  assert.equal(await connect(auth, fakeClient('corral-hub-1'), 'pi-a:pw-a'), 5);
  assert.equal(await connect(auth, fakeClient('corral-agent-pi-a'), 'pi-a:pw-a', 'corral/v1/node/pi-b/status'), 5);
  assert.deepEqual(denied, Array(5).fill(ErrorCode.MqttAuthFailed));
  assert.equal(await connect(auth, fakeClient('corral-agent-pi-a'), 'pi-a:pw-a', 'corral/v1/node/pi-a/status'), 0);
  assert.equal(await connect(auth, fakeClient('corral-hub-42'), 'corral-hub:pw-hub'), 0);
  assert.equal(denied.length, 5);
});

test('BrokerAuth judges publishes and subscriptions by the identity bound at CONNECT', async () => {
  const { auth, denied } = setup();
  const a = fakeClient('corral-agent-pi-a');
  const hub = fakeClient('corral-hub-1');
  assert.equal(await connect(auth, a, 'pi-a:pw-a'), 0);
  assert.equal(await connect(auth, hub, 'corral-hub:pw-hub'), 0);
  assert.equal(await publish(auth, a, 'corral/v1/node/pi-a/state'), true);
  assert.equal(await publish(auth, a, 'corral/v1/node/pi-b/state'), false);
  assert.equal(await publish(auth, hub, 'corral/v1/node/pi-b/desired'), true);
  assert.equal(await publish(auth, null, 'corral/v1/node/pi-a/status'), false, 'a will without a client');
  assert.equal(await publish(auth, fakeClient('corral-agent-pi-c'), 'corral/v1/node/pi-c/status'), false, 'never authenticated');
  assert.equal(await subscribe(auth, a, 'corral/v1/node/pi-a/desired'), true);
  assert.equal(await subscribe(auth, a, 'corral/v1/node/pi-b/desired'), false);
  assert.equal(await subscribe(auth, hub, 'corral/#'), true);
  assert.deepEqual(denied, [ErrorCode.MqttPublishDenied, ErrorCode.MqttPublishDenied, ErrorCode.MqttPublishDenied, ErrorCode.MqttSubscribeDenied]);
  assert.deepEqual(auth.identityOf(a), { kind: 'node', name: 'pi-a' });
});

test("disconnectNode closes only that node's connections", async () => {
  const { auth } = setup();
  const a = fakeClient('corral-agent-pi-a');
  const b = fakeClient('corral-agent-pi-b');
  const hub = fakeClient('corral-hub-1');
  for (const [client, login] of [[a, 'pi-a:pw-a'], [b, 'pi-b:pw-b'], [hub, 'corral-hub:pw-hub']] as const) assert.equal(await connect(auth, client, login), 0);
  auth.attach({ clients: { [a.id]: a, [b.id]: b, [hub.id]: hub } } as unknown as Aedes);
  assert.equal(auth.disconnectNode('pi-a'), 1);
  assert.deepEqual([a.closed, b.closed, hub.closed], [true, false, false]);
  assert.equal(auth.disconnectNode('pi-z'), 0);
});
