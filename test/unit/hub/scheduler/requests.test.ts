import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PodSpec } from '../../../../protocol/src/index.js';
import { NON_ZERO_REQUESTS, podRequests, scoringRequests } from '../../../../hub/src/scheduler/requests.js';
import { Mi } from './fixtures.js';

const spec = (containers: Array<{ requests?: object; limits?: object }>) =>
  PodSpec.parse({ containers: containers.map((r, i) => ({ name: `c${i}`, image: 'busybox', resources: { requests: r.requests ?? {}, limits: r.limits ?? {} } })) });

test('podRequests sums requests over containers', () => {
  assert.deepEqual(podRequests(spec([{ requests: { cpu: '250m', memory: '64Mi' } }, { requests: { cpu: '0.5', memory: '32Mi' } }])), { cpu: 750, memory: 96 * Mi, pids: 0 });
});

test('podRequests falls back to limits per resource', () => {
  assert.deepEqual(podRequests(spec([{ requests: { cpu: '100m' }, limits: { cpu: '1', memory: '128Mi' } }])), { cpu: 100, memory: 128 * Mi, pids: 0 });
});

test('podRequests takes pids from limits, else from requests', () => {
  assert.equal(podRequests(spec([{ requests: { pids: 10 }, limits: { pids: 50 } }, { requests: { pids: 7 } }])).pids, 57);
});

test('podRequests is 0 for a container that states nothing', () => {
  assert.deepEqual(podRequests(spec([{}, {}])), { cpu: 0, memory: 0, pids: 0 });
});

test('scoringRequests gives unrequested cpu and memory Kubernetes non-zero defaults', () => {
  assert.deepEqual(scoringRequests({ cpu: 0, memory: 5, pids: 0 }), { cpu: NON_ZERO_REQUESTS.cpu, memory: 5 });
  assert.deepEqual(scoringRequests({ cpu: 7, memory: 0, pids: 0 }), { cpu: 7, memory: NON_ZERO_REQUESTS.memory });
});
