import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ErrorCode } from '../../../../protocol/src/index.js';
import { blobPath, formatPlatform, parseImageConfig, parseLayoutIndex, parseManifest, platformMatches } from '../../../../agent/src/images/oci-layout.js';

const M = `sha256:${'ab'.repeat(32)}`;
const C = `sha256:${'cd'.repeat(32)}`;
const L = `sha256:${'ef'.repeat(32)}`;

test('parseLayoutIndex lists named descriptors and skips unnamed ones', () => {
  const text = JSON.stringify({
    schemaVersion: 2,
    manifests: [
      { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: M, size: 349, annotations: { 'org.opencontainers.image.ref.name': 'r1' } },
      { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: C, size: 10 },
    ],
  });
  assert.deepEqual(parseLayoutIndex(text), { ok: true, value: [{ refName: 'r1', digest: M, mediaType: 'application/vnd.oci.image.manifest.v1+json' }] });
});

test("parseLayoutIndex reads umoci's empty layout (manifests: null)", () => {
  assert.deepEqual(parseLayoutIndex('{"schemaVersion":2,"manifests":null}'), { ok: true, value: [] });
});

test('parseLayoutIndex reports broken files as CORRAL_IMAGE_STORE_FAILED with the field', () => {
  const notJson = parseLayoutIndex('{');
  assert.ok(!notJson.ok);
  assert.equal(notJson.error.code, ErrorCode.ImageStoreFailed);
  const badDigest = parseLayoutIndex(JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: 'x', digest: '../../etc/passwd', size: 1 }] }));
  assert.ok(!badDigest.ok);
  assert.equal(badDigest.error.path, 'manifests[0].digest');
});

test('parseManifest sums config and layer sizes and refuses an index', () => {
  const manifest = {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: C, size: 587 },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: L, size: 1000 }],
  };
  const parsed = parseManifest(JSON.stringify(manifest));
  assert.ok(parsed.ok);
  assert.equal(parsed.value.configDigest, C);
  assert.equal(parsed.value.size, 1587);
  const index = parseManifest(JSON.stringify({ ...manifest, mediaType: 'application/vnd.oci.image.index.v1+json' }));
  assert.ok(!index.ok);
  assert.equal(index.error.code, ErrorCode.ImageStoreFailed);
});

test('parseImageConfig reads the process defaults and tolerates nulls', () => {
  const parsed = parseImageConfig(
    JSON.stringify({
      architecture: 'arm',
      variant: 'v7',
      os: 'linux',
      config: { User: '65534:65534', Env: ['PATH=/bin'], Entrypoint: ['/bin/busybox'], Cmd: ['httpd', '-f'], WorkingDir: '/www', Labels: { a: 'b' }, ExposedPorts: { '80/tcp': {} }, StopSignal: 'SIGQUIT' },
    }),
  );
  assert.deepEqual(parsed, {
    ok: true,
    value: {
      entrypoint: ['/bin/busybox'],
      cmd: ['httpd', '-f'],
      env: ['PATH=/bin'],
      workingDir: '/www',
      user: '65534:65534',
      labels: { a: 'b' },
      stopSignal: 'SIGQUIT',
      exposedPorts: ['80/tcp'],
      platform: { architecture: 'arm', os: 'linux', variant: 'v7' },
    },
  });
  const sparse = parseImageConfig(JSON.stringify({ architecture: 'amd64', os: 'linux', config: { Entrypoint: null, Cmd: null, Env: null, WorkingDir: '' } }));
  assert.ok(sparse.ok);
  assert.deepEqual([sparse.value.entrypoint, sparse.value.cmd, sparse.value.env, sparse.value.workingDir, sparse.value.user], [[], [], [], '/', '']);
  const none = parseImageConfig(JSON.stringify({ architecture: 'amd64', os: 'linux' }));
  assert.ok(none.ok);
  assert.deepEqual(none.value.cmd, []);
});

test('platformMatches compares variants only when both sides have one', () => {
  assert.equal(platformMatches({ os: 'linux', architecture: 'amd64' }, { os: 'linux', architecture: 'amd64' }), true);
  assert.equal(platformMatches({ os: 'linux', architecture: 'amd64' }, { os: 'linux', architecture: 'arm64' }), false);
  assert.equal(platformMatches({ os: 'linux', architecture: 'arm', variant: 'v7' }, { os: 'linux', architecture: 'arm' }), true);
  assert.equal(platformMatches({ os: 'linux', architecture: 'arm', variant: 'v7' }, { os: 'linux', architecture: 'arm', variant: 'v6' }), false);
  assert.equal(platformMatches({ os: 'linux', architecture: 'amd64' }, { os: 'windows', architecture: 'amd64' }), false);
});

test('blobPath and formatPlatform spell paths and platforms the usual way', () => {
  assert.equal(blobPath('/d/layout', M), `/d/layout/blobs/sha256/${'ab'.repeat(32)}`);
  assert.equal(formatPlatform({ os: 'linux', architecture: 'arm', variant: 'v7' }), 'linux/arm/v7');
  assert.equal(formatPlatform({ os: 'linux', architecture: 'amd64' }), 'linux/amd64');
});
