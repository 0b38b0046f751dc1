import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CREATED_AT, podSpec, podStore } from './fixtures.js';

const web = { name: 'web', labels: { app: 'web' }, spec: podSpec('pi-1') };

test('PodStore.create stores the pod with a fresh uid, generation 1, and publishes its node desired state at generation 1', async () => {
  const { store, sink, pods } = podStore();
  const created = await store.create(web);
  assert.ok(created.ok);
  assert.equal(created.value.created, true);
  assert.deepEqual(created.value.record, { uid: 'uid-1', name: 'web', labels: { app: 'web' }, spec: web.spec, nodeName: 'pi-1', createdAt: CREATED_AT, generation: 1, nodeGeneration: 1 });
  assert.deepEqual(await pods.get('web'), created.value.record);
  assert.equal(sink.published.length, 1);
  const desired = sink.last('pi-1');
  assert.equal(desired?.generation, 1);
  assert.equal(desired?.message.generation, 1);
  assert.deepEqual(desired?.message.pods.map((p) => [p.name, p.uid]), [['web', 'uid-1']]);
  assert.deepEqual(desired?.message.pods[0]?.spec, web.spec);
});

test('PodStore.create refuses a spec.nodeName that names no registered node', async () => {
  const { store, sink } = podStore();
  const unknown = await store.create({ ...web, spec: podSpec('pi-9') });
  assert.equal(unknown.ok, false);
  if (!unknown.ok) assert.equal(unknown.error.reason, 'NodeNotFound');
  const invalid = await store.create({ ...web, spec: podSpec('Not_A_Node') });
  assert.equal(invalid.ok, false);
  if (!invalid.ok) assert.equal(invalid.error.reason, 'NodeNotFound');
  assert.equal(sink.published.length, 0);
  assert.equal(store.generation('pi-1'), 0);
});

test('PodStore.create is idempotent for the same spec and labels and refuses a different one under the same name', async () => {
  const { store, sink } = podStore();
  const first = await store.create(web);
  const again = await store.create({ name: 'web', labels: { app: 'web' }, spec: podSpec('pi-1') });
  assert.ok(first.ok && again.ok);
  assert.equal(again.value.created, false);
  assert.equal(again.value.record.uid, first.value.record.uid);
  assert.equal(sink.published.length, 1, 'an unchanged pod publishes nothing');
  const otherImage = await store.create({ ...web, spec: podSpec('pi-1', { restartPolicy: 'Never' }) });
  assert.equal(otherImage.ok, false);
  if (!otherImage.ok) assert.equal(otherImage.error.reason, 'AlreadyExists');
  const otherLabels = await store.create({ ...web, labels: { app: 'other' } });
  assert.equal(otherLabels.ok, false);
  const otherNode = await store.create({ ...web, spec: podSpec('pi-2') });
  assert.equal(otherNode.ok, false);
  assert.equal(store.generation('pi-1'), 1);
});

test('PodStore bumps only the changed node generation and publishes that node whole desired state', async () => {
  const { store, sink } = podStore();
  await store.create(web);
  await store.create({ name: 'db', labels: {}, spec: podSpec('pi-1') });
  await store.create({ name: 'cam', labels: {}, spec: podSpec('pi-2') });
  assert.deepEqual([store.generation('pi-1'), store.generation('pi-2')], [2, 1]);
  assert.deepEqual(sink.last('pi-1')?.message.pods.map((p) => p.name), ['db', 'web']);
  assert.deepEqual(sink.last('pi-2')?.message.pods.map((p) => p.name), ['cam']);
  assert.equal(store.get('db')?.nodeGeneration, 2);
  assert.deepEqual(store.list({ node: 'pi-1' }).map((p) => p.name), ['db', 'web']);
  assert.deepEqual(store.list().map((p) => p.name), ['cam', 'db', 'web']);
});

test('PodStore.delete removes the pod and publishes the node desired state without it at the next generation', async () => {
  const { store, sink, pods } = podStore();
  await store.create(web);
  const deleted = await store.delete('web');
  assert.equal(deleted?.name, 'web');
  assert.equal(store.get('web'), undefined);
  assert.equal(await pods.get('web'), undefined);
  assert.deepEqual([sink.last('pi-1')?.generation, sink.last('pi-1')?.message.pods], [2, []]);
  assert.equal(await store.delete('web'), undefined);
  assert.equal(sink.published.length, 2);
});

test('PodStore serializes concurrent changes: every generation is used once and the last message holds every pod', async () => {
  const { store, sink } = podStore();
  await Promise.all(Array.from({ length: 20 }, (_, i) => store.create({ name: `p${i}`, labels: {}, spec: podSpec('pi-1') })));
  assert.deepEqual(
    sink.published.map((p) => p.generation),
    Array.from({ length: 20 }, (_, i) => i + 1),
  );
  assert.equal(sink.last('pi-1')?.message.pods.length, 20);
});

test('PodStore refuses a pod that would make the node desired state too large and changes nothing', async () => {
  const { store, sink } = podStore();
  const spec = podSpec('pi-1');
  spec.containers[0]!.env = Array.from({ length: 40 }, (_, i) => ({ name: `V${i}`, value: 'x'.repeat(8 * 1024) }));
  const created = await store.create({ name: 'huge', labels: {}, spec });
  assert.equal(created.ok, false);
  if (!created.ok) assert.equal(created.error.reason, 'TooLarge');
  assert.equal(store.get('huge'), undefined);
  assert.equal(store.generation('pi-1'), 0);
  assert.equal(sink.published.length, 0);
});

test('PodStore loads pods and generations from its collections and republishes every node at its current generation', async () => {
  const first = podStore();
  await first.store.create(web);
  await first.store.create({ name: 'cam', labels: {}, spec: podSpec('pi-2') });
  await first.store.delete('cam');
  const second = podStore({ pods: first.pods, generations: first.generations });
  await second.store.load();
  assert.deepEqual(second.store.list().map((p) => p.name), ['web']);
  await second.store.republishAll();
  assert.deepEqual(
    second.sink.published.map((p) => [p.node, p.generation, p.message.pods.map((x) => x.name)]),
    [
      ['pi-1', 1, ['web']],
      ['pi-2', 2, []],
    ],
  );
});

test('PodStore.load never goes back below a generation a stored pod was published at', async () => {
  const first = podStore();
  await first.store.create(web);
  await first.generations.del('pi-1');
  const second = podStore({ pods: first.pods, generations: first.generations });
  await second.store.load();
  assert.equal(second.store.generation('pi-1'), 1);
});

test('PodStore.observe moves a node generation past one the node reports from before the hub lost its store', async () => {
  const { store, sink, generations } = podStore();
  await store.create(web);
  await store.observe('pi-1', 1);
  await store.observe('pi-1', 0);
  assert.equal(sink.published.length, 1, 'a node at or behind the hub changes nothing');
  await store.observe('pi-1', 41);
  assert.equal(store.generation('pi-1'), 42);
  assert.deepEqual(await generations.get('pi-1'), { generation: 42 });
  assert.deepEqual([sink.last('pi-1')?.generation, sink.last('pi-1')?.message.pods.map((p) => p.name)], [42, ['web']]);
});

test('PodStore.create without spec.nodeName keeps the pod Pending: stored, in no desired state, no generation bumped', async () => {
  const { store, sink, pods } = podStore();
  let changes = 0;
  store.onChange(() => changes++);
  const created = await store.create({ name: 'floating', labels: {}, spec: podSpec(null) });
  assert.ok(created.ok);
  assert.equal(created.value.record.nodeName, undefined);
  assert.equal(created.value.record.nodeGeneration, 0);
  assert.deepEqual(await pods.get('floating'), created.value.record);
  assert.equal(sink.published.length, 0);
  assert.equal(changes, 1);
  assert.deepEqual(store.list({ node: 'pi-1' }), []);
  const again = await store.create({ name: 'floating', labels: {}, spec: podSpec(null) });
  assert.ok(again.ok && !again.value.created);
});

test('PodStore.bind puts a Pending pod into its node desired state at the next generation, once', async () => {
  const { store, sink } = podStore();
  await store.create(web);
  const created = await store.create({ name: 'floating', labels: { app: 'f' }, spec: podSpec(null), owner: { kind: 'Deployment', name: 'f', uid: 'd-1' } });
  assert.ok(created.ok);
  const bound = await store.bind('floating', 'pi-1', { uid: created.value.record.uid });
  assert.ok(bound.ok);
  assert.deepEqual([bound.value.nodeName, bound.value.nodeGeneration, bound.value.owner?.name], ['pi-1', 2, 'f']);
  assert.deepEqual(sink.last('pi-1')?.message.pods.map((p) => p.name), ['floating', 'web']);
  const twice = await store.bind('floating', 'pi-2');
  assert.deepEqual(twice.ok ? undefined : twice.error.reason, 'AlreadyBound');
  const gone = await store.bind('nope', 'pi-1');
  assert.deepEqual(gone.ok ? undefined : gone.error.reason, 'NotFound');
  const staleUid = await store.create({ name: 'other', labels: {}, spec: podSpec(null) });
  assert.ok(staleUid.ok);
  const wrongUid = await store.bind('other', 'pi-1', { uid: 'someone-else' });
  assert.deepEqual(wrongUid.ok ? undefined : wrongUid.error.reason, 'NotFound');
  const noNode = await store.bind('other', 'pi-9');
  assert.deepEqual(noNode.ok ? undefined : noNode.error.reason, 'NodeNotFound');
  // Re-creating the bound pod from its manifest (no nodeName) is the same pod.
  const repeat = await store.create({ name: 'floating', labels: { app: 'f' }, spec: podSpec(null) });
  assert.ok(repeat.ok && !repeat.value.created);
  assert.equal(store.generation('pi-1'), 2);
});

test('PodStore.delete of a Pending pod publishes nothing; a uid that is no longer the pod deletes nothing', async () => {
  const { store, sink } = podStore();
  await store.create({ name: 'floating', labels: {}, spec: podSpec(null) });
  assert.equal(await store.delete('floating', { uid: 'other' }), undefined);
  assert.equal((await store.delete('floating'))?.name, 'floating');
  assert.equal(store.get('floating'), undefined);
  assert.equal(sink.published.length, 0);
});
