import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type GcImage, gcCandidates } from '../../../../agent/src/images/gc-plan.js';

const d = (n: number) => `sha256:${String(n).repeat(64).slice(0, 64)}`;
const images: GcImage[] = [
  { reference: 'docker.io/library/busybox:1', digest: d(1), lastUsed: 300 },
  { reference: 'docker.io/library/busybox:latest', digest: d(1), lastUsed: 300 },
  { reference: 'registry.lan/app:2', digest: d(2), lastUsed: 200 },
  { reference: 'registry.lan/app:1', digest: d(3), lastUsed: 0 },
  { reference: 'registry.lan/tool:1', digest: d(4), lastUsed: 100 },
];

test('gcCandidates offers unused images least recently used first', () => {
  const refs = gcCandidates(images, { inUse: new Set(), mountedDigests: new Set() }).map((i) => i.reference);
  assert.deepEqual(refs, ['registry.lan/app:1', 'registry.lan/tool:1', 'registry.lan/app:2', 'docker.io/library/busybox:1', 'docker.io/library/busybox:latest']);
});

test('gcCandidates keeps images pods name in any spelling, and their aliases', () => {
  const refs = gcCandidates(images, { inUse: new Set(['busybox:1', 'registry.lan/app:2', 'not a ref']), mountedDigests: new Set() }).map((i) => i.reference);
  assert.deepEqual(refs, ['registry.lan/app:1', 'registry.lan/tool:1']);
});

test('gcCandidates keeps images named by digest and images whose tree is mounted', () => {
  const refs = gcCandidates(images, { inUse: new Set([d(3)]), mountedDigests: new Set([d(4)]) }).map((i) => i.reference);
  assert.deepEqual(refs, ['registry.lan/app:2', 'docker.io/library/busybox:1', 'docker.io/library/busybox:latest']);
});
