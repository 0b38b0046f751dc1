import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildRunPod, containerName } from '../../../cli/src/run-pod.js';
import { PodObject } from '../../../protocol/src/index.js';

const base = { image: 'busybox:1.36', node: 'pi-1' };

function built(name: string, flags: Parameters<typeof buildRunPod>[1]) {
  const result = buildRunPod(name, flags);
  assert.ok(result.ok, result.ok ? '' : result.error.message);
  return result.value;
}

function failure(name: string, flags: Parameters<typeof buildRunPod>[1]): string {
  const result = buildRunPod(name, flags);
  assert.equal(result.ok, false);
  return result.ok ? '' : result.error.message;
}

describe('corral run pod construction', () => {
  it('buildRunPod makes a Pod of one container named after the pod, on the node, labelled run=NAME', () => {
    assert.deepEqual(built('web', base), {
      apiVersion: 'corral/v1',
      kind: 'Pod',
      metadata: { name: 'web', labels: { run: 'web' } },
      spec: { nodeName: 'pi-1', containers: [{ name: 'web', image: 'busybox:1.36' }] },
    });
  });

  it('buildRunPod maps every flag into the manifest, quantities kept in manifest form', () => {
    const pod = built(
      'web',
      {
        ...base,
        restart: 'OnFailure',
        env: ['MODE=edge', 'URL=http://x/?a=b', 'EMPTY='],
        limits: 'cpu=200m,memory=32Mi,pids=50',
        requests: 'cpu=0.1',
        port: ['8080', '53:5353/udp'],
        labels: 'app=web,tier=edge',
        command: ['sh', '-c', 'echo hi; sleep 3600'],
      },
    );
    assert.deepEqual(pod.metadata.labels, { app: 'web', tier: 'edge' });
    assert.equal(pod.spec.restartPolicy, 'OnFailure');
    assert.deepEqual(pod.spec.containers[0], {
      name: 'web',
      image: 'busybox:1.36',
      command: ['sh', '-c', 'echo hi; sleep 3600'],
      env: [
        { name: 'MODE', value: 'edge' },
        { name: 'URL', value: 'http://x/?a=b' },
        { name: 'EMPTY', value: '' },
      ],
      ports: [{ containerPort: 8080 }, { containerPort: 53, hostPort: 5353, protocol: 'UDP' }],
      resources: { limits: { cpu: '200m', memory: '32Mi', pids: 50 }, requests: { cpu: '0.1' } },
    });
    const parsed = PodObject.parse(pod);
    assert.equal(parsed.spec.containers[0]?.resources.limits.cpu, 200);
    assert.equal(parsed.spec.containers[0]?.resources.limits.memory, 32 * 2 ** 20);
    assert.equal(parsed.spec.containers[0]?.resources.requests.cpu, 100);
  });

  it('containerName keeps a DNS label and derives one from a pod name with dots', () => {
    assert.equal(containerName('web'), 'web');
    assert.equal(containerName('web.v2'), 'web-v2');
    assert.equal(containerName(`${'a'.repeat(62)}.b`), 'a'.repeat(62));
    assert.equal(built('cam.kitchen', base).spec.containers[0]?.name, 'cam-kitchen');
  });

  it('buildRunPod names the flag that is wrong', () => {
    assert.match(failure('web', { ...base, env: ['NOVALUE'] }), /^--env: "NOVALUE" is not NAME=VALUE$/);
    assert.match(failure('web', { ...base, env: ['1X=y'] }), /^--env: must be a shell variable name/);
    assert.match(failure('web', { ...base, limits: 'memory=64MB' }), /^--limits: "memory=64MB": "64MB" is not a quantity/);
    assert.match(failure('web', { ...base, limits: 'cpu=1,cpu=2' }), /^--limits: "cpu=2": cpu given twice$/);
    assert.match(failure('web', { ...base, requests: 'gpu=1' }), /^--requests: "gpu=1": unknown resource "gpu"/);
    assert.match(failure('web', { ...base, limits: 'pids=0' }), /^--limits: "pids=0": pids must be a positive whole number$/);
    assert.match(failure('web', { ...base, port: ['70000'] }), /^--port: "70000" is not CONTAINER\[:HOST\]/);
    assert.match(failure('web', { ...base, port: ['80:'] }), /^--port: /);
    assert.match(failure('web', { ...base, restart: 'Sometimes' }), /^--restart: "Sometimes" is not one of Always, OnFailure, Never$/);
    assert.match(failure('Web_1', base), /^NAME: must be a DNS subdomain \(metadata\.name\)$/);
    assert.match(failure('web', { ...base, labels: 'bad key=x' }), /^--labels: /);
    assert.match(failure('web', { ...base, image: '' }), /^--image: /);
  });
});
