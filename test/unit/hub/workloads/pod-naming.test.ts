import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PodTemplate } from '../../../../protocol/src/index.js';
import { OWNER_LABEL, TEMPLATE_HASH_LABEL, newOwnedPod, podName, templateHash } from '../../../../hub/src/workloads/index.js';
import { daemonSet, deployment, template } from './fixtures.js';

/** A fake random source that returns the given values in turn, then repeats the last. */
function sequence(...values: number[]): () => number {
  let i = 0;
  return () => values[Math.min(i++, values.length - 1)] ?? 0;
}

test('podName is <workload>-<5 characters> from the no-vowel alphabet, drawn again while the name is taken', () => {
  assert.equal(podName('web', { taken: () => false, random: sequence(0) }), 'web-bbbbb');
  assert.match(podName('web', { taken: () => false, random: Math.random }) ?? '', /^web-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
  const taken = new Set(['web-bbbbb']);
  assert.equal(podName('web', { taken: (n) => taken.has(n), random: sequence(0, 0, 0, 0, 0, 0.999) }), 'web-99999');
  assert.equal(podName('web', { taken: () => true, random: sequence(0) }), undefined);
});

test('templateHash is stable across key order and changes with the template', () => {
  const a = PodTemplate.parse(template({ app: 'web', tier: 'edge' }));
  const b = PodTemplate.parse({ containers: (template() as { containers: unknown }).containers, metadata: { labels: { tier: 'edge', app: 'web' } } });
  assert.equal(templateHash(a), templateHash(b));
  assert.match(templateHash(a), /^[bcdfghjklmnpqrstvwxz2456789]{10}$/);
  assert.notEqual(templateHash(a), templateHash(PodTemplate.parse(template({ app: 'web', tier: 'core' }))));
});

test('newOwnedPod labels the pod with the template labels, its owner and the template hash, and binds DaemonSet pods', () => {
  const pod = newOwnedPod(deployment('web'), { name: 'web-bcdfg', hash: 'h1' });
  assert.deepEqual(pod.labels, { app: 'web', [OWNER_LABEL.Deployment]: 'web', [TEMPLATE_HASH_LABEL]: 'h1' });
  assert.deepEqual(pod.owner, { kind: 'Deployment', name: 'web', uid: 'uid-web' });
  assert.equal(pod.spec.nodeName, undefined);
  assert.equal('metadata' in pod.spec, false);
  const daemon = newOwnedPod(daemonSet('metrics'), { name: 'metrics-bcdfg', hash: 'h2', nodeName: 'n2' });
  assert.equal(daemon.spec.nodeName, 'n2');
  assert.equal(daemon.labels[OWNER_LABEL.DaemonSet], 'metrics');
});
