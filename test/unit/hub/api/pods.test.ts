import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { createApi } from '../../../../hub/src/api/server.js';
import { CommandClient } from '../../../../hub/src/command-client.js';
import type { NodeRecord } from '../../../../hub/src/registry/node-record.js';
import { NodeRegistry } from '../../../../hub/src/registry/node-registry.js';
import { HubStats } from '../../../../hub/src/stats.js';
import { MemoryCollection } from '../../../../hub/src/store/memory-collection.js';
import { ApiStatus, type CommandMessage, ErrorCode, PodObject, type ReplyMessage, decodeMessage } from '../../../../protocol/src/index.js';
import { onlineStatus, silentLog } from '../fixtures.js';
import { CREATED_AT, podStore, stateMessage } from '../pods/fixtures.js';

const manifest = (name: string, overrides: Record<string, unknown> = {}) => ({
  apiVersion: 'corral/v1',
  kind: 'Pod',
  metadata: { name, labels: { app: name } },
  spec: {
    nodeName: 'pi-1',
    containers: [{ name: 'app', image: 'busybox:1.36', command: ['sleep', '3600'], resources: { limits: { cpu: '250m', memory: '32Mi' } } }],
    ...overrides,
  },
});

type Answer = (command: Extract<CommandMessage, { op: 'logs' }>) => Omit<ReplyMessage, 'v' | 'id' | 'ts'> | undefined;

describe('pod routes of the HTTP API', () => {
  let app: FastifyInstance;
  let registry: NodeRegistry;
  let fixture: ReturnType<typeof podStore>;
  const sent: CommandMessage[] = [];
  let answer: Answer = () => undefined;

  before(async () => {
    registry = new NodeRegistry(new MemoryCollection<NodeRecord>(), { graceMs: 15_000, now: () => CREATED_AT, log: silentLog });
    await registry.onStatus('pi-1', onlineStatus());
    fixture = podStore({}, ['pi-1']);
    // A node that answers `logs` commands at once with whatever the current test's `answer` says.
    const commands: CommandClient = new CommandClient(async (_topic, payload) => {
      const decoded = decodeMessage('cmd', payload);
      assert.ok(decoded.ok);
      sent.push(decoded.value);
      const command = decoded.value;
      if (command.op !== 'logs') return;
      const reply = answer(command);
      if (reply) setImmediate(() => commands.settle('pi-1', { v: 1, id: command.id, ts: 1, ...reply } as ReplyMessage));
    });
    app = createApi({ registry, stats: new HubStats(), commands, pods: fixture.store, startedAt: CREATED_AT, now: () => CREATED_AT, logsTimeoutMs: 50 });
    await app.ready();
  });
  after(() => app.close());

  const post = (body: unknown) => app.inject({ method: 'POST', url: '/api/v1/pods', payload: body as object });
  const status = (body: string) => ApiStatus.parse(JSON.parse(body));

  it('POST /api/v1/pods creates the pod (201), returns a Pod PodObject parses, and publishes the node desired state', async () => {
    const res = await post(manifest('web'));
    assert.equal(res.statusCode, 201);
    const body = JSON.parse(res.body) as { metadata: { uid: string; generation: number; creationTimestamp: string } };
    const pod = PodObject.parse(body);
    assert.equal(pod.spec.containers[0]?.resources.limits.cpu, 250);
    assert.equal(pod.spec.nodeName, 'pi-1');
    assert.equal(pod.status?.phase, 'Pending');
    assert.equal(body.metadata.generation, 1);
    assert.equal(body.metadata.creationTimestamp, '2024-06-01T12:00:00.000Z');
    assert.equal(fixture.sink.last('pi-1')?.message.pods[0]?.uid, body.metadata.uid);
  });

  it('POST of the same pod again answers 200 with the existing pod; a different spec under the name is 409', async () => {
    const again = await post(manifest('web'));
    assert.equal(again.statusCode, 200);
    const conflict = await post(manifest('web', { restartPolicy: 'Never' }));
    assert.equal(conflict.statusCode, 409);
    assert.equal(status(conflict.body).reason, 'AlreadyExists');
  });

  it('POST of an invalid manifest is 400 with an ApiStatus naming the field path', async () => {
    const bad = manifest('bad');
    bad.spec.containers[0]!.resources.limits.memory = '64MB';
    const res = await post(bad);
    assert.equal(res.statusCode, 400);
    const body = JSON.parse(res.body) as { details: { causes: Array<{ field: string }> } };
    assert.equal(status(res.body).reason, 'Invalid');
    assert.match(status(res.body).message, /^spec\.containers\[0\]\.resources\.limits\.memory: "64MB" is not a quantity/);
    assert.equal(body.details.causes[0]?.field, 'spec.containers[0].resources.limits.memory');
    const kind = await post({ ...manifest('bad'), kind: 'Deployment' });
    assert.match(status(kind.body).message, /^kind: /);
  });

  it('POST without spec.nodeName creates a Pending pod in no node desired state; with an unregistered node it is 404 naming spec.nodeName', async () => {
    const { nodeName: _n, ...specWithoutNode } = manifest('x').spec;
    const published = fixture.sink.published.length;
    const pending = await post({ ...manifest('floating'), spec: specWithoutNode });
    assert.equal(pending.statusCode, 201);
    const pod = JSON.parse(pending.body) as { spec: { nodeName?: string }; status: { phase: string } };
    assert.deepEqual([pod.spec.nodeName, pod.status.phase], [undefined, 'Pending']);
    assert.equal(fixture.sink.published.length, published, 'no node desired state changed');
    const log = await app.inject('/api/v1/pods/floating/log');
    assert.equal(log.statusCode, 400);
    assert.equal((await app.inject({ method: 'DELETE', url: '/api/v1/pods/floating' })).statusCode, 200);
    const unknown = await post(manifest('x', { nodeName: 'pi-9' }));
    assert.equal(unknown.statusCode, 404);
    assert.match(status(unknown.body).message, /^spec\.nodeName: node "pi-9" is not registered/);
  });

  it('POST with a body that is not JSON is 400', async () => {
    const res = await app.inject({ method: 'POST', url: '/api/v1/pods', payload: '{', headers: { 'content-type': 'application/json' } });
    assert.equal(res.statusCode, 400);
  });

  it('GET /api/v1/pods lists pods, filtered by ?node=, and GET /api/v1/pods/NAME shows one or 404', async () => {
    await post(manifest('db'));
    const list = JSON.parse((await app.inject('/api/v1/pods')).body) as { kind: string; items: Array<{ metadata: { name: string } }> };
    assert.equal(list.kind, 'List');
    assert.deepEqual(list.items.map((p) => p.metadata.name), ['db', 'web']);
    const other = JSON.parse((await app.inject('/api/v1/pods?node=pi-2')).body) as { items: unknown[] };
    assert.deepEqual(other.items, []);
    assert.equal(PodObject.parse(JSON.parse((await app.inject('/api/v1/pods/web')).body)).metadata.name, 'web');
    const missing = await app.inject('/api/v1/pods/nope');
    assert.equal(missing.statusCode, 404);
    assert.equal(status(missing.body).message, 'pod "nope" not found');
  });

  it('GET /api/v1/pods/NAME carries the status the node reported and the generation it observed', async () => {
    const uid = fixture.store.get('web')?.uid ?? '';
    registry.onState(
      'pi-1',
      stateMessage(fixture.store.generation('pi-1'), [
        { name: 'web', uid, phase: 'Running', containerStatuses: [{ name: 'app', image: 'busybox:1.36', ready: true, restartCount: 3, state: { running: { startedAt: CREATED_AT } } }] },
      ]),
    );
    const body = JSON.parse((await app.inject('/api/v1/pods/web')).body) as { status: { phase: string; observedGeneration: number; containerStatuses: Array<{ restartCount: number }> } };
    assert.equal(body.status.phase, 'Running');
    assert.equal(body.status.containerStatuses[0]?.restartCount, 3);
    assert.equal(body.status.observedGeneration, 1);
  });

  it('GET /api/v1/pods/NAME/log sends a logs command for the pod container and returns its lines', async () => {
    answer = (command) => ({ ok: true, result: { container: command.container ?? '?', lines: ['one', 'two'], truncated: false } });
    const res = await app.inject('/api/v1/pods/web/log?tail=2');
    assert.equal(res.statusCode, 200);
    assert.deepEqual(JSON.parse(res.body), { container: 'app', lines: ['one', 'two'], truncated: false });
    const command = sent.at(-1);
    assert.ok(command?.op === 'logs');
    assert.deepEqual([command.pod, command.container, command.tail], ['web', 'app', 2]);
  });

  it('GET …/log maps the node answers: CORRAL_POD_NOT_FOUND 404, other errors 502, silence 504', async () => {
    answer = () => ({ ok: false, error: { code: ErrorCode.PodNotFound, message: 'pod web does not run on this node' } });
    assert.equal((await app.inject('/api/v1/pods/web/log')).statusCode, 404);
    answer = () => ({ ok: false, error: { code: 'CORRAL_RUNTIME_FAILED', message: 'disk on fire' } });
    const failed = await app.inject('/api/v1/pods/web/log');
    assert.equal(failed.statusCode, 502);
    assert.match(status(failed.body).message, /disk on fire/);
    answer = () => undefined;
    const silent = await app.inject('/api/v1/pods/web/log');
    assert.equal(silent.statusCode, 504);
    assert.equal(status(silent.body).reason, 'Timeout');
  });

  it('GET …/log checks its arguments before asking the node', async () => {
    const before = sent.length;
    assert.equal((await app.inject('/api/v1/pods/web/log?tail=0')).statusCode, 400);
    assert.equal((await app.inject('/api/v1/pods/web/log?tail=abc')).statusCode, 400);
    assert.equal((await app.inject('/api/v1/pods/web/log?tail=10001')).statusCode, 400);
    const container = await app.inject('/api/v1/pods/web/log?container=sidecar');
    assert.equal(container.statusCode, 404);
    assert.match(status(container.body).message, /container "sidecar" not found in pod web \(containers: app\)/);
    assert.equal((await app.inject('/api/v1/pods/nope/log')).statusCode, 404);
    assert.equal(sent.length, before);
  });

  it('GET …/log of a pod with several containers needs the container named', async () => {
    const two = manifest('duo', { containers: [{ name: 'a', image: 'busybox' }, { name: 'b', image: 'busybox' }] });
    assert.equal((await post(two)).statusCode, 201);
    const res = await app.inject('/api/v1/pods/duo/log');
    assert.equal(res.statusCode, 400);
    assert.match(status(res.body).message, /name one of: a, b/);
  });

  it('GET …/log of a pod whose node is known to be disconnected is 503 without waiting', async () => {
    await registry.onStatus('pi-1', { v: 1, ts: 2, uid: onlineStatus().uid, session: onlineStatus().session, online: false, reason: 'connection-lost' });
    const res = await app.inject('/api/v1/pods/web/log');
    assert.equal(res.statusCode, 503);
    await registry.onStatus('pi-1', onlineStatus());
  });

  it('DELETE /api/v1/pods/NAME removes the pod, returns it, and publishes the node state without it; again 404', async () => {
    const generation = fixture.store.generation('pi-1');
    const res = await app.inject({ method: 'DELETE', url: '/api/v1/pods/web' });
    assert.equal(res.statusCode, 200);
    assert.equal(PodObject.parse(JSON.parse(res.body)).metadata.name, 'web');
    const last = fixture.sink.last('pi-1');
    assert.equal(last?.generation, generation + 1);
    assert.ok(!last?.message.pods.some((p) => p.name === 'web'));
    assert.equal((await app.inject({ method: 'DELETE', url: '/api/v1/pods/web' })).statusCode, 404);
  });
});
