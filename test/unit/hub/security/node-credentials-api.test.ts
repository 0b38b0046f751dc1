import assert from 'node:assert/strict';
import { test } from 'node:test';
import Fastify from 'fastify';
import { registerNodeCredentialRoutes } from '../../../../hub/src/api/node-credentials.js';
import type { NodeRecord } from '../../../../hub/src/registry/node-record.js';
import { NodeRegistry } from '../../../../hub/src/registry/node-registry.js';
import { type NodeCredentialRecord, NodeCredentials } from '../../../../hub/src/security/node-credentials.js';
import { MemoryCollection } from '../../../../hub/src/store/memory-collection.js';
import { onlineStatus, silentLog } from '../fixtures.js';

async function setup() {
  const nodes = new MemoryCollection<NodeRecord>();
  const registry = new NodeRegistry(nodes, { graceMs: 15_000, now: () => 1_000, log: silentLog });
  const credentials = new NodeCredentials(new MemoryCollection<NodeCredentialRecord>(), { now: () => 1_000, log: silentLog });
  const calls: string[] = [];
  const app = Fastify();
  registerNodeCredentialRoutes(app, {
    credentials,
    registry,
    log: silentLog,
    disconnect: (node) => (calls.push(`disconnect ${node}`), 1),
    drain: async (node) => (calls.push(`drain ${node}`), ['web-1']),
    clearStatus: async (node) => void calls.push(`clear ${node}`),
  });
  return { app, registry, nodes, credentials, calls };
}

test('POST /api/v1/nodes/{name}/credentials issues a password that logs the node in, for a node not registered yet', async () => {
  const { app, credentials } = await setup();
  const res = await app.inject({ method: 'POST', url: '/api/v1/nodes/pi-a/credentials' });
  assert.equal(res.statusCode, 201);
  const body = res.json() as { kind: string; username: string; password: string; rotated: boolean };
  assert.deepEqual([body.kind, body.username, body.rotated], ['NodeCredentials', 'pi-a', false]);
  assert.deepEqual(await credentials.verify('pi-a', body.password), { kind: 'node', name: 'pi-a' });
  const again = (await app.inject({ method: 'POST', url: '/api/v1/nodes/pi-a/credentials' })).json() as typeof body;
  assert.equal(again.rotated, true);
  assert.equal(await credentials.verify('pi-a', body.password), undefined);
});

test("POST credentials refuses the hub's username and invalid node names with 400", async () => {
  const { app } = await setup();
  for (const name of ['corral-hub', 'Bad_Name']) {
    const res = await app.inject({ method: 'POST', url: `/api/v1/nodes/${name}/credentials` });
    assert.equal(res.statusCode, 400, name);
    assert.equal((res.json() as { reason: string }).reason, 'BadRequest');
  }
});

test('DELETE /api/v1/nodes/{name} revokes, disconnects, evicts, forgets the node and clears its retained status', async () => {
  const { app, registry, nodes, credentials, calls } = await setup();
  await registry.onStatus('pi-a', onlineStatus());
  const issued = await credentials.issue('pi-a');
  assert.ok(issued.ok);
  let heard = 0;
  registry.onChange(() => heard++);
  const res = await app.inject({ method: 'DELETE', url: '/api/v1/nodes/pi-a' });
  assert.equal(res.statusCode, 200);
  assert.deepEqual(res.json(), { kind: 'NodeDeletion', node: 'pi-a', registered: true, credentialsRevoked: true, disconnected: 1, evicted: ['web-1'] });
  assert.deepEqual(calls, ['disconnect pi-a', 'drain pi-a', 'clear pi-a']);
  assert.equal(registry.get('pi-a'), undefined);
  assert.equal(await nodes.get('pi-a'), undefined);
  assert.equal(heard, 1);
  assert.equal(await credentials.verify('pi-a', issued.value.password), undefined);
});

test('DELETE of a node that only has credentials revokes them; an unknown node is 404', async () => {
  const { app, credentials, calls } = await setup();
  await credentials.issue('pi-b');
  const res = await app.inject({ method: 'DELETE', url: '/api/v1/nodes/pi-b' });
  assert.equal(res.statusCode, 200);
  assert.deepEqual(res.json(), { kind: 'NodeDeletion', node: 'pi-b', registered: false, credentialsRevoked: true, disconnected: 1, evicted: [] });
  assert.deepEqual(calls, ['disconnect pi-b', 'clear pi-b']);
  assert.equal((await app.inject({ method: 'DELETE', url: '/api/v1/nodes/pi-b' })).statusCode, 404);
  assert.equal((await app.inject({ method: 'DELETE', url: '/api/v1/nodes/Bad_Name' })).statusCode, 404);
});
