import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CronJobSpec } from '../../../../protocol/src/index.js';
import type { NodeCronJob } from '../../../../hub/src/pods/index.js';
import { podSpec, podStore } from './fixtures.js';

const job = (name: string, schedule = '*/5 * * * *'): NodeCronJob => ({
  uid: `uid-${name}`,
  name,
  spec: CronJobSpec.parse({ schedule, template: { containers: [{ name: 'c', image: 'busybox:1.36', resources: { requests: { cpu: '100m' } } }] } }),
});
const web = { name: 'web', labels: {}, spec: podSpec('pi-1') };

test('PodStore.setCronJobs bumps the node generation and publishes its whole desired state: pods and jobs, sorted, specs in manifest form', async () => {
  const { store, sink } = podStore();
  await store.create(web);
  const set = await store.setCronJobs('pi-1', [job('zeta'), job('alpha')]);
  assert.deepEqual(set, { ok: true, value: { changed: true, generation: 2 } });
  const last = sink.last('pi-1');
  assert.deepEqual([last?.generation, last?.message.pods.map((p) => p.name), last?.message.cronJobs.map((j) => j.name)], [2, ['web'], ['alpha', 'zeta']]);
  assert.equal(last?.message.cronJobs[0]?.spec.template.containers[0]?.resources.requests.cpu, 100, 'cpu travels as "100m" and decodes to the same 100 millicores');
});

test('PodStore.setCronJobs with the same jobs changes nothing; a pod change keeps the jobs in the next generation', async () => {
  const { store, sink } = podStore();
  await store.setCronJobs('pi-1', [job('a')]);
  const published = sink.published.length;
  assert.deepEqual(await store.setCronJobs('pi-1', [job('a')]), { ok: true, value: { changed: false, generation: 1 } });
  assert.equal(sink.published.length, published);
  await store.create(web);
  assert.deepEqual([sink.last('pi-1')?.generation, sink.last('pi-1')?.message.cronJobs.map((j) => j.name)], [2, ['a']]);
  await store.setCronJobs('pi-1', []);
  assert.deepEqual([sink.last('pi-1')?.generation, sink.last('pi-1')?.message.cronJobs, store.cronJobNodes()], [3, [], []]);
});

test('PodStore stores a node\'s jobs with its generation, so a restarted hub republishes the very same desired state', async () => {
  const first = podStore();
  await first.store.create(web);
  await first.store.setCronJobs('pi-2', [job('b', '0 3 * * *')]);
  assert.deepEqual((await first.generations.get('pi-2'))?.cronJobs?.map((j) => j.name), ['b']);
  assert.deepEqual(await first.generations.get('pi-1'), { generation: 1 }, 'a node without jobs keeps the plain record');
  const second = podStore({ pods: first.pods, generations: first.generations });
  await second.store.load();
  assert.deepEqual([second.store.cronJobNodes(), second.store.cronJobsOf('pi-2').map((j) => j.name)], [['pi-2'], ['b']]);
  await second.store.republishAll();
  const republished = second.sink.last('pi-2');
  assert.deepEqual([republished?.generation, republished?.message.cronJobs.map((j) => [j.name, j.spec.schedule])], [1, [['b', '0 3 * * *']]]);
  await second.store.observe('pi-2', 7);
  assert.deepEqual((await first.generations.get('pi-2'))?.cronJobs?.map((j) => j.name), ['b'], 'moving past a node generation keeps the jobs');
});

test('PodStore.setCronJobs refuses more jobs than a desired state may carry, and commits nothing', async () => {
  const { store, sink } = podStore();
  const many = Array.from({ length: 257 }, (_, i) => job(`j${String(i).padStart(3, '0')}`));
  const set = await store.setCronJobs('pi-1', many);
  assert.equal(set.ok, false);
  assert.equal(!set.ok && set.error.reason, 'TooManyCronJobs');
  assert.deepEqual([store.generation('pi-1'), sink.published.length], [0, 0]);
});
