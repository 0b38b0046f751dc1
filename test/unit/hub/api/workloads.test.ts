import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { createApi } from '../../../../hub/src/api/server.js';
import { CommandClient } from '../../../../hub/src/command-client.js';
import { HubStats } from '../../../../hub/src/stats.js';
import { ApiStatus, DaemonSetObject, DeploymentObject } from '../../../../protocol/src/index.js';
import { ControllerFixture } from '../workloads/controller-fixture.js';
import { hostnameAntiAffinity, template } from '../workloads/fixtures.js';

const deployment = (replicas: number, image = 'busybox:1.36') => ({
  apiVersion: 'corral/v1',
  kind: 'Deployment',
  metadata: { name: 'web' },
  spec: { replicas, template: { ...template({ app: 'web' }, hostnameAntiAffinity('web')), containers: [{ name: 'app', image, resources: { requests: { cpu: '100m' } } }] } },
});
const daemonSet = { apiVersion: 'corral/v1', kind: 'DaemonSet', metadata: { name: 'metrics' }, spec: { template: template({ app: 'metrics' }) } };
const pod = { apiVersion: 'corral/v1', kind: 'Pod', metadata: { name: 'floating' }, spec: { containers: [{ name: 'app', image: 'busybox:1.36' }] } };

describe('apply, workload, explain and node admin routes of the HTTP API', () => {
  let app: FastifyInstance;
  let f: ControllerFixture;
  const json = <T>(body: string) => JSON.parse(body) as T;
  const apply = async (items: unknown[]) => {
    const res = await app.inject({ method: 'POST', url: '/api/v1/apply', payload: { kind: 'List', items } });
    await f.settle();
    return res;
  };

  before(async () => {
    f = new ControllerFixture();
    for (const n of ['n1', 'n2']) await f.join(n);
    app = createApi({
      registry: f.registry,
      stats: new HubStats(),
      commands: new CommandClient(async () => {}),
      pods: f.pods,
      startedAt: 0,
      now: () => f.clock.now,
      workloads: { store: f.workloads, controller: f.controller },
    });
    await app.ready();
  });
  after(async () => {
    await app.close();
    await f.stop();
  });

  it('POST /api/v1/apply creates each object and reports created, then unchanged, then configured', async () => {
    const first = await apply([deployment(2), daemonSet, pod]);
    assert.equal(first.statusCode, 200);
    assert.deepEqual(json<{ results: unknown[] }>(first.body).results, [
      { kind: 'Deployment', name: 'web', action: 'created' },
      { kind: 'DaemonSet', name: 'metrics', action: 'created' },
      { kind: 'Pod', name: 'floating', action: 'created' },
    ]);
    const again = await apply([deployment(2), daemonSet, pod]);
    assert.deepEqual(json<{ results: Array<{ action: string }> }>(again.body).results.map((r) => r.action), ['unchanged', 'unchanged', 'unchanged']);
    const scaled = await apply([deployment(3)]);
    assert.deepEqual(json<{ results: unknown[] }>(scaled.body).results, [{ kind: 'Deployment', name: 'web', action: 'configured' }]);
    assert.equal(f.workloads.get('Deployment', 'web')?.generation, 2);
  });

  it('POST /api/v1/apply refuses the whole request when any object is invalid, naming each item field', async () => {
    const bad = { ...deployment(1), metadata: { name: 'other' }, spec: { replicas: 1, template: { containers: [{ name: 'app', image: '' }] } } };
    const res = await app.inject({ method: 'POST', url: '/api/v1/apply', payload: [daemonSet, bad, { kind: 'Service' }] });
    assert.equal(res.statusCode, 400);
    const body = json<{ details: { causes: Array<{ field: string }> } }>(res.body);
    assert.deepEqual(body.details.causes.map((c) => c.field), ['items[1].spec.template.containers[0].image', 'items[2].kind']);
    assert.equal(f.workloads.get('Deployment', 'other'), undefined);
    const pods = await app.inject({ method: 'POST', url: '/api/v1/apply', payload: [{ ...pod, spec: { containers: [{ name: 'app', image: 'busybox:1.37' }] } }] });
    const results = json<{ results: Array<{ error?: { reason: string } }> }>(pods.body).results;
    assert.equal(results[0]?.error?.reason, 'AlreadyExists', 'a pod spec cannot change');
  });

  it('GET /api/v1/deployments and /daemonsets serve the objects with status; they parse as manifests again', async () => {
    const list = json<{ items: Array<{ status: { replicas: number; updatedReplicas: number; pendingReplicas: number } }> }>((await app.inject('/api/v1/deployments')).body);
    assert.deepEqual(list.items.map((d) => [d.status.replicas, d.status.updatedReplicas, d.status.pendingReplicas]), [[3, 3, 1]]);
    const web = json<Record<string, unknown>>((await app.inject('/api/v1/deployments/web')).body);
    assert.equal(DeploymentObject.parse(web).spec.template.containers[0]?.resources.requests.cpu, 100);
    const ds = json<{ status: { desiredNumberScheduled: number; currentNumberScheduled: number } }>((await app.inject('/api/v1/daemonsets/metrics')).body);
    assert.deepEqual([ds.status.desiredNumberScheduled, ds.status.currentNumberScheduled], [2, 2]);
    DaemonSetObject.parse(ds);
    const missing = await app.inject('/api/v1/daemonsets/nope');
    assert.equal(missing.statusCode, 404);
    assert.equal(ApiStatus.parse(json(missing.body)).reason, 'NotFound');
  });

  it('GET /api/v1/pods/NAME/explain shows every node rejecting the Pending pod, and the choice for a bound one', async () => {
    const pending = f.podsOf('web').find((p) => p.nodeName === undefined)!;
    const res = json<{ phase: string; decision: { verdicts: Array<{ node: string; rejections: Array<{ filter: string }> }> }; lines: string[] }>((await app.inject(`/api/v1/pods/${pending.name}/explain`)).body);
    assert.equal(res.phase, 'Pending');
    assert.deepEqual(res.decision.verdicts.map((v) => [v.node, v.rejections[0]?.filter]), [
      ['n1', 'PodAntiAffinity'],
      ['n2', 'PodAntiAffinity'],
    ]);
    assert.ok(res.lines.length >= 2);
    const bound = f.podsOf('web').find((p) => p.nodeName !== undefined)!;
    const placed = json<{ phase: string; node: string }>((await app.inject(`/api/v1/pods/${bound.name}/explain`)).body);
    assert.deepEqual([placed.phase, placed.node], ['Bound', bound.nodeName]);
    assert.equal((await app.inject('/api/v1/pods/nope/explain')).statusCode, 404);
  });

  it('POST cordon, uncordon and drain act on the node; unknown nodes are 404', async () => {
    const cordoned = json<{ spec: { unschedulable: boolean } }>((await app.inject({ method: 'POST', url: '/api/v1/nodes/n2/cordon' })).body);
    assert.equal(cordoned.spec.unschedulable, true);
    await app.inject({ method: 'POST', url: '/api/v1/nodes/n2/uncordon' });
    assert.equal(f.registry.get('n2')?.unschedulable, false);
    const drained = json<{ evicted: string[]; skipped: Array<{ reason: string }> }>((await app.inject({ method: 'POST', url: '/api/v1/nodes/n1/drain' })).body);
    await f.settle();
    assert.equal(drained.evicted.length, 1);
    assert.ok(drained.skipped.some((s) => s.reason === 'DaemonSet'));
    assert.equal(f.registry.get('n1')?.unschedulable, true);
    assert.equal((await app.inject({ method: 'POST', url: '/api/v1/nodes/n9/drain' })).statusCode, 404);
  });

  it('DELETE /api/v1/deployments/NAME deletes it and its controller deletes its pods', async () => {
    const res = await app.inject({ method: 'DELETE', url: '/api/v1/deployments/web' });
    assert.equal(res.statusCode, 200);
    await f.settle();
    assert.deepEqual(f.podsOf('web'), []);
    assert.equal((await app.inject({ method: 'DELETE', url: '/api/v1/deployments/web' })).statusCode, 404);
  });
});
