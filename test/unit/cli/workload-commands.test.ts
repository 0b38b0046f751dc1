import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { run } from '../../../cli/src/program.js';
import { DeploymentObject } from '../../../protocol/src/index.js';
import { Capture, NOW, makeNode, makePodJson } from './fixtures.js';
import { type HubStub, notFoundStatus, startHubStub } from './hub-stub.js';

const template = { metadata: { labels: { app: 'web' } }, containers: [{ name: 'app', image: 'busybox:1.36', resources: { requests: { cpu: '100m', memory: '16Mi' } } }] };
const created = new Date(NOW - 120_000).toISOString();
const web = {
  apiVersion: 'corral/v1',
  kind: 'Deployment',
  metadata: { name: 'web', uid: 'd-uid', labels: {}, generation: 2, creationTimestamp: created },
  spec: { replicas: 4, template, strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } }, onNodeLost: { policy: 'reschedule', lostAfterSeconds: 30 } },
  status: { observedGeneration: 2, replicas: 4, updatedReplicas: 4, readyReplicas: 3, availableReplicas: 3, unavailableReplicas: 1, pendingReplicas: 1 },
};
const metrics = {
  apiVersion: 'corral/v1',
  kind: 'DaemonSet',
  metadata: { name: 'metrics', uid: 'ds-uid', labels: {}, generation: 1, creationTimestamp: created },
  spec: { template, onNodeLost: { policy: 'keep', lostAfterSeconds: 30 } },
  status: { observedGeneration: 1, desiredNumberScheduled: 3, currentNumberScheduled: 3, updatedNumberScheduled: 3, numberReady: 2, numberAvailable: 2, numberUnavailable: 1, numberMisscheduled: 0 },
};
const ownedPod = (name: string, node?: string) => {
  const pod = makePodJson({ name, ...(node ? { node } : {}), phase: node ? 'Running' : 'Pending' }) as { metadata: Record<string, unknown>; spec: Record<string, unknown> };
  pod.metadata['ownerReferences'] = [{ kind: 'Deployment', name: 'web', uid: 'd-uid', controller: true }];
  if (!node) delete pod.spec['nodeName'];
  return pod;
};

const deploymentYaml = (image: string) => `apiVersion: corral/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 3
  template:
    metadata: {labels: {app: web}}
    containers:
      - name: app
        image: ${image}
        resources: {limits: {cpu: 250m, memory: 32Mi}}
`;
const daemonSetYaml = `apiVersion: corral/v1
kind: DaemonSet
metadata: {name: metrics}
spec:
  template:
    containers: [{name: exporter, image: busybox:1.36}]
`;

describe('corral workload commands against a stub hub', () => {
  let hub: HubStub;
  let dir: string;
  const corral = async (argv: string[], stdin = '') => {
    const stdout = new Capture();
    const stderr = new Capture();
    const code = await run(['--hub', hub.url, ...argv], { stdout, stderr, env: {}, now: () => NOW, readStdin: async () => stdin });
    return { code, stdout: stdout.text, stderr: stderr.text, errLines: stderr.lines };
  };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'corral-cli-'));
    await writeFile(join(dir, 'deploy.yaml'), deploymentYaml('busybox:1.36') + '---\n' + daemonSetYaml);
    await writeFile(join(dir, 'notes.txt'), 'not a manifest');
    hub = await startHubStub({
      'POST /api/v1/apply': {
        status: 200,
        body: {
          apiVersion: 'corral/v1',
          kind: 'ApplyResult',
          results: [
            { kind: 'Deployment', name: 'web', action: 'created' },
            { kind: 'DaemonSet', name: 'metrics', action: 'unchanged' },
          ],
        },
      },
      '/api/v1/deployments': { status: 200, body: { apiVersion: 'corral/v1', kind: 'List', items: [web] } },
      '/api/v1/deployments/web': { status: 200, body: web },
      '/api/v1/deployments/web/events': { status: 200, body: { kind: 'List', items: [{ at: new Date(NOW - 30_000).toISOString(), reason: 'FailedScheduling', message: 'pod web-ccccc: no node fits (3 nodes rejected)' }] } },
      '/api/v1/deployments/nope': notFoundStatus('deployment "nope" not found'),
      'DELETE /api/v1/deployments/web': { status: 200, body: web },
      'DELETE /api/v1/daemonsets/metrics': { status: 200, body: metrics },
      '/api/v1/daemonsets': { status: 200, body: { apiVersion: 'corral/v1', kind: 'List', items: [metrics] } },
      '/api/v1/pods': { status: 200, body: { apiVersion: 'corral/v1', kind: 'List', items: [ownedPod('web-bbbbb', 'pi-1'), ownedPod('web-ccccc'), makePodJson({ name: 'other' })] } },
      '/api/v1/pods/web-ccccc/explain': {
        status: 200,
        body: { pod: 'web-ccccc', phase: 'Pending', message: 'no node fits: 3 nodes rejected the pod', lines: ['pod web-ccccc: no node fits', 'pi-1: rejected: PodAntiAffinity: pod web-bbbbb with app=web already in corral.io/hostname=pi-1'] },
      },
      'POST /api/v1/nodes/pi-1/cordon': { status: 200, body: makeNode({ name: 'pi-1', unschedulable: true }) },
      'POST /api/v1/nodes/pi-1/uncordon': { status: 200, body: makeNode({ name: 'pi-1' }) },
      'POST /api/v1/nodes/pi-1/drain': { status: 200, body: { node: 'pi-1', evicted: ['web-bbbbb'], skipped: [{ pod: 'metrics-ddddd', reason: 'DaemonSet' }] } },
      'POST /api/v1/nodes/nope/cordon': notFoundStatus('node "nope" not found'),
    });
  });
  after(async () => {
    await hub.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('apply -f FILE posts every document in manifest form and prints kind/name and what happened', async () => {
    const out = await corral(['apply', '-f', join(dir, 'deploy.yaml')]);
    assert.deepEqual([out.code, out.stdout, out.stderr], [0, 'deployment/web created\ndaemonset/metrics unchanged\n', '']);
    const body = hub.calls.at(-1)?.body as { kind: string; items: Array<{ kind: string; spec: { template: { containers: Array<{ resources: { limits: { cpu: unknown } } }> } } }> };
    assert.equal(body.kind, 'List');
    assert.deepEqual(body.items.map((i) => i.kind), ['Deployment', 'DaemonSet']);
    assert.equal(body.items[0]?.spec.template.containers[0]?.resources.limits.cpu, '250m', 'cpu goes back in manifest form');
    assert.equal(DeploymentObject.parse(body.items[0]).spec.template.containers[0]?.resources.limits.cpu, 250, 'and parses to the same spec');
  });

  it('apply -f DIR reads its YAML files and -f - reads standard input', async () => {
    const calls = hub.calls.length;
    assert.equal((await corral(['apply', '-f', dir])).code, 0);
    assert.equal((hub.calls.at(-1)?.body as { items: unknown[] }).items.length, 2);
    assert.equal((await corral(['apply', '-f', '-'], deploymentYaml('busybox:1.37'))).code, 0);
    assert.equal((hub.calls.at(-1)?.body as { items: unknown[] }).items.length, 1);
    assert.equal(hub.calls.length, calls + 2);
  });

  it('apply with an invalid document names file, document and field for each, and sends nothing', async () => {
    const bad = join(dir, 'bad.yaml');
    await writeFile(bad, `${deploymentYaml('busybox:1.36')}---\n${deploymentYaml('')}---\nkind: Service\n`);
    const calls = hub.calls.length;
    const out = await corral(['apply', '-f', bad]);
    assert.equal(out.code, 1);
    assert.equal(out.stdout, '');
    assert.deepEqual(out.errLines.length, 2);
    assert.match(out.errLines[0] ?? '', /^error: .*bad\.yaml doc 2: spec\.template\.containers\[0\]\.image: /);
    assert.match(out.errLines[1] ?? '', /^error: .*bad\.yaml doc 3: kind: "Service" is not a known kind/);
    assert.equal(hub.calls.length, calls, 'nothing was applied');
    assert.match((await corral(['apply', '-f', join(dir, 'missing.yaml')])).stderr, /^error: .*missing\.yaml: no such file or directory\n$/);
    assert.match((await corral(['apply'])).stderr, /^error: name the manifests with -f/);
  });

  it('get deployments and get daemonsets print kubectl columns; -o name and -o yaml work', async () => {
    const deployments = await corral(['get', 'deployments']);
    assert.equal(deployments.code, 0);
    assert.match(deployments.stdout, /^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE\nweb\s+3\/4\s+4\s+3\s+2m\n$/);
    const ds = await corral(['get', 'ds']);
    assert.match(ds.stdout, /^NAME\s+DESIRED\s+CURRENT\s+READY\s+AGE\nmetrics\s+3\s+3\s+2\s+2m\n$/);
    assert.equal((await corral(['get', 'deploy', '-o', 'name'])).stdout, 'deployment/web\n');
    assert.match((await corral(['get', 'deployment', 'web', '-o', 'yaml'])).stdout, /cpu: 100m/);
    const missing = await corral(['get', 'deployment', 'nope']);
    assert.deepEqual([missing.code, missing.stderr], [1, 'error: deployment "nope" not found\n']);
  });

  it('describe deployment shows replicas, strategy, template, its pods and its events', async () => {
    const out = await corral(['describe', 'deployment', 'web']);
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stdout, /^Name: +web$/m);
    assert.match(out.stdout, /^Generation: +2 \(observed by its controller\)$/m);
    assert.match(out.stdout, /^Replicas: +4 desired \| 4 updated \| 4 total \| 3 available \| 1 unavailable \| 1 pending$/m);
    assert.match(out.stdout, /^RollingUpdateStrategy: +25% max unavailable, 25% max surge$/m);
    assert.match(out.stdout, /^OnNodeLost: +reschedule after 30s$/m);
    assert.match(out.stdout, /^ {6}Image: +busybox:1\.36$/m);
    assert.match(out.stdout, /^Pods:\n +NAME +STATUS +NODE +AGE\n +web-bbbbb +Running +pi-1 +5m\n +web-ccccc +Pending +<none> +5m\n/m);
    assert.doesNotMatch(out.stdout, /other/);
    assert.match(out.stdout, /^ +FailedScheduling +30s +pod web-ccccc: no node fits/m);
  });

  it('explain pod prints the message and every node line', async () => {
    const out = await corral(['explain', 'pod', 'web-ccccc']);
    assert.deepEqual(out.code, 0);
    assert.equal(out.stdout, 'pod/web-ccccc: no node fits: 3 nodes rejected the pod\n  pod web-ccccc: no node fits\n  pi-1: rejected: PodAntiAffinity: pod web-bbbbb with app=web already in corral.io/hostname=pi-1\n');
    assert.match((await corral(['explain', 'node', 'x'])).stderr, /^error: explain does not support nodes/);
  });

  it('cordon, uncordon and drain a node', async () => {
    assert.equal((await corral(['cordon', 'pi-1'])).stdout, 'node/pi-1 cordoned\n');
    assert.equal((await corral(['uncordon', 'pi-1'])).stdout, 'node/pi-1 uncordoned\n');
    const drained = await corral(['drain', 'pi-1']);
    assert.equal(drained.stdout, 'node/pi-1 cordoned\npod/web-bbbbb evicted\nnode/pi-1 drained\n');
    assert.equal(drained.stderr, 'warning: ignoring DaemonSet pods: metrics-ddddd\n');
    assert.deepEqual((await corral(['cordon', 'nope'])).stderr, 'error: node "nope" not found\n');
  });

  it('delete -f deletes what the manifests describe; delete deployment NAME deletes by name', async () => {
    const out = await corral(['delete', '-f', join(dir, 'deploy.yaml')]);
    assert.deepEqual([out.code, out.stdout], [0, 'deployment/web deleted\ndaemonset/metrics deleted\n']);
    assert.deepEqual(hub.calls.slice(-2).map((c) => `${c.method} ${c.path}`), ['DELETE /api/v1/deployments/web', 'DELETE /api/v1/daemonsets/metrics']);
    assert.equal((await corral(['delete', 'deploy', 'web'])).stdout, 'deployment/web deleted\n');
    assert.match((await corral(['delete', 'deploy'])).stderr, /^error: name what to delete/);
  });
});
