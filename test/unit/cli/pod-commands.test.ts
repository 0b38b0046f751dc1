import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { run } from '../../../cli/src/program.js';
import { ApiPod } from '../../../cli/src/pod-object.js';
import { PodObject } from '../../../protocol/src/index.js';
import { Capture, NOW, containerStatus, makePodJson } from './fixtures.js';
import { type HubStub, notFoundStatus, startHubStub } from './hub-stub.js';

async function corral(argv: string[]) {
  const stdout = new Capture();
  const stderr = new Capture();
  const code = await run(argv, { stdout, stderr, env: {}, now: () => NOW });
  return { code, stdout: stdout.text, stderr: stderr.text, errLines: stderr.lines };
}

function assertFailed(outcome: Awaited<ReturnType<typeof corral>>, message: RegExp): void {
  assert.equal(outcome.code, 1);
  assert.equal(outcome.stdout, '');
  assert.equal(outcome.errLines.length, 1, `stderr: ${outcome.stderr}`);
  assert.match(outcome.errLines[0] ?? '', message);
}

const apiStatus = (code: number, reason: string, message: string) => ({ status: code, body: { kind: 'Status', status: 'Failure', code, reason, message } });

const web = makePodJson({ name: 'web', podIP: '10.88.0.7', statuses: [containerStatus('web', { restartCount: 2, lastTermination: { exitCode: 1, reason: 'Error', finishedAt: NOW - 90_000 } })] });
const cam = makePodJson({ name: 'cam', node: 'pi-garage', phase: 'Pending' });
const list = { apiVersion: 'corral/v1', kind: 'List', items: [cam, web] };

describe('corral pod commands against a stub hub', () => {
  let hub: HubStub;
  before(async () => {
    hub = await startHubStub({
      '/api/v1/pods': { status: 200, body: list },
      '/api/v1/pods?node=pi-garage': { status: 200, body: { ...list, items: [cam] } },
      '/api/v1/pods/web': { status: 200, body: web },
      '/api/v1/pods/missing': notFoundStatus('pod "missing" not found'),
      'POST /api/v1/pods': { status: 201, body: web },
      'DELETE /api/v1/pods/web': { status: 200, body: web },
      'DELETE /api/v1/pods/missing': notFoundStatus('pod "missing" not found'),
      '/api/v1/pods/web/log?tail=2': { status: 200, body: { container: 'web', lines: ['line one', 'line two'], truncated: true } },
      '/api/v1/pods/web/log?container=side': apiStatus(404, 'NotFound', 'container "side" not found in pod web (containers: web)'),
      '/api/v1/pods/web/log': apiStatus(504, 'Timeout', 'node pi-kitchen did not answer logs within 8000 ms'),
    });
  });
  after(() => hub.close());

  it('run POSTs the pod built from its flags and prints pod/NAME created', async () => {
    const out = await corral(['--hub', hub.url, 'run', 'web', '--image', 'busybox:1.36', '--node', 'pi-kitchen', '--env', 'A=1', '--env', 'B=2', '--limits', 'cpu=200m,memory=32Mi', '--port', '8080:18080', '--', 'sh', '-c', 'sleep 3600']);
    assert.deepEqual([out.code, out.stdout, out.stderr], [0, 'pod/web created\n', '']);
    const call = hub.calls.at(-1);
    assert.equal(call?.method, 'POST');
    const pod = PodObject.parse(call?.body);
    assert.equal(pod.spec.nodeName, 'pi-kitchen');
    assert.deepEqual(pod.spec.containers[0]?.command, ['sh', '-c', 'sleep 3600']);
    assert.deepEqual(pod.spec.containers[0]?.env.map((e) => e.name), ['A', 'B']);
    assert.equal(pod.spec.containers[0]?.resources.limits.cpu, 200);
  });

  it('run checks its flags before contacting the hub', async () => {
    const before = hub.requests.length;
    assertFailed(await corral(['--hub', hub.url, 'run', 'web', '--image', 'busybox', '--node', 'n1', '--limits', 'cpu=lots']), /^error: --limits: "cpu=lots": "lots" is not a cpu quantity/);
    assertFailed(await corral(['--hub', hub.url, 'run', 'web', '--image', 'busybox', '--restart', 'Sometimes']), /^error: --restart: /);
    assert.equal(hub.requests.length, before);
  });

  it('run without --node leaves the node to the scheduler', async () => {
    const out = await corral(['--hub', hub.url, 'run', 'web', '--image', 'busybox:1.36']);
    assert.equal(out.code, 0, out.stderr);
    assert.equal(PodObject.parse(hub.calls.at(-1)?.body).spec.nodeName, undefined);
  });

  it('run reports what the hub refused in one line', async () => {
    const refusing = await startHubStub({
      'POST /api/v1/pods': { status: 404, body: { ...apiStatus(404, 'NotFound', 'spec.nodeName: node "pi-9" is not registered').body, details: { causes: [{ field: 'spec.nodeName', message: '…' }] } } },
    });
    try {
      assertFailed(await corral(['--hub', refusing.url, 'run', 'web', '--image', 'busybox', '--node', 'pi-9']), /^error: spec\.nodeName: node "pi-9" is not registered$/);
    } finally {
      await refusing.close();
    }
  });

  it('get pods prints NAME READY STATUS RESTARTS AGE NODE rows', async () => {
    const out = await corral(['--hub', hub.url, 'get', 'pods']);
    assert.equal(out.code, 0);
    const lines = out.stdout.trimEnd().split('\n');
    assert.match(lines[0] ?? '', /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+NODE$/);
    assert.match(lines[1] ?? '', /^cam\s+0\/1\s+Pending\s+0\s+5m\s+pi-garage$/);
    assert.match(lines[2] ?? '', /^web\s+1\/1\s+Running\s+2 \(90s ago\)\s+5m\s+pi-kitchen$/);
  });

  it('get pods --node asks the hub for that node only; -o wide adds IP and IMAGES', async () => {
    const out = await corral(['--hub', hub.url, 'get', 'po', '--node', 'pi-garage', '-o', 'wide']);
    assert.equal(out.code, 0);
    assert.equal(hub.requests.at(-1), '/api/v1/pods?node=pi-garage');
    assert.match(out.stdout, /NODE\s+IP\s+IMAGES\ncam\s+.*pi-garage\s+<none>\s+busybox:1\.36\n$/);
  });

  it('get pod NAME -o json|yaml prints the pod with quantities in manifest form; -o name prints pod/NAME', async () => {
    const json = await corral(['--hub', hub.url, 'get', 'pod', 'web', '-o', 'json']);
    const doc = JSON.parse(json.stdout) as { spec: { containers: Array<{ resources: { limits: { cpu: unknown } } }> } };
    assert.equal(doc.spec.containers[0]?.resources.limits.cpu, '200m');
    assert.deepEqual(ApiPod.parse(doc), ApiPod.parse(web));
    const yaml = await corral(['--hub', hub.url, 'get', 'pod', 'web', '-o', 'yaml']);
    assert.deepEqual(ApiPod.parse(parseYaml(yaml.stdout)), ApiPod.parse(web));
    const names = await corral(['--hub', hub.url, 'get', 'pods', '-o', 'name']);
    assert.equal(names.stdout, 'pod/cam\npod/web\n');
  });

  it('get pods rejects --node with nodes or with a pod name', async () => {
    assertFailed(await corral(['--hub', hub.url, 'get', 'nodes', '--node', 'x']), /^error: --node applies to pods, runs and events only$/);
    assertFailed(await corral(['--hub', hub.url, 'get', 'pod', 'web', '--node', 'x']), /^error: --node cannot be combined with a pod name$/);
  });

  it('describe pod NAME prints the describe text; an unknown pod is one not-found line', async () => {
    const out = await corral(['--hub', hub.url, 'describe', 'pod', 'web']);
    assert.equal(out.code, 0);
    assert.match(out.stdout, /^Name: +web$/m);
    assert.match(out.stdout, /^ {4}Restart Count: +2$/m);
    assertFailed(await corral(['--hub', hub.url, 'describe', 'pod', 'missing']), /^error: pod "missing" not found$/);
  });

  it('logs prints the lines the node returned', async () => {
    const out = await corral(['--hub', hub.url, 'logs', 'web', '--tail', '2']);
    assert.deepEqual([out.code, out.stdout, out.stderr], [0, 'line one\nline two\n', '']);
  });

  it('logs reports the hub reason in one line: unknown container, node timeout, bad --tail', async () => {
    assertFailed(await corral(['--hub', hub.url, 'logs', 'web', '-c', 'side']), /^error: container "side" not found in pod web \(containers: web\)$/);
    assertFailed(await corral(['--hub', hub.url, 'logs', 'web']), /^error: node pi-kitchen did not answer logs within 8000 ms$/);
    assertFailed(await corral(['--hub', hub.url, 'logs', 'web', '--tail', '0']), /^error: --tail: "0" is not a whole number from 1 to 10000$/);
  });

  it('delete pod NAME prints pod/NAME deleted; an unknown pod is one not-found line; events cannot be deleted', async () => {
    const out = await corral(['--hub', hub.url, 'delete', 'pod', 'web']);
    assert.deepEqual([out.code, out.stdout], [0, 'pod/web deleted\n']);
    assert.equal(hub.calls.at(-1)?.method, 'DELETE');
    assertFailed(await corral(['--hub', hub.url, 'delete', 'pod', 'missing']), /^error: pod "missing" not found$/);
    assertFailed(await corral(['--hub', hub.url, 'delete', 'events', 'x']), /^error: delete does not support events \(supported: pods, deployments, daemonsets, cronjobs, nodes\)$/);
  });
});
