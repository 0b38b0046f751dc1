import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ErrorCode } from '../../../../protocol/src/index.js';
import { type ImageRef, canonicalImageRef, parseImageRef, skopeoSource } from '../../../../agent/src/images/image-ref.js';

const DIGEST = `sha256:${'a'.repeat(64)}`;

function parsed(input: string): ImageRef {
  const result = parseImageRef(input);
  assert.ok(result.ok, `${input}: ${result.ok ? '' : result.error.message}`);
  return result.value;
}

test('parseImageRef fills in Docker Hub, library/ and the latest tag for a bare name', () => {
  assert.deepEqual(parsed('busybox'), {
    transport: 'docker',
    registry: 'docker.io',
    repository: 'library/busybox',
    tag: 'latest',
    digest: undefined,
    canonical: 'docker.io/library/busybox:latest',
  });
});

test('parseImageRef keeps a registry with a port, a nested repository and a tag', () => {
  const ref = parsed('127.0.0.1:5000/team/app/busybox:1.36.1-musl');
  assert.equal(ref.transport, 'docker');
  if (ref.transport !== 'docker') return;
  assert.equal(ref.registry, '127.0.0.1:5000');
  assert.equal(ref.repository, 'team/app/busybox');
  assert.equal(ref.tag, '1.36.1-musl');
  assert.equal(ref.canonical, '127.0.0.1:5000/team/app/busybox:1.36.1-musl');
});

test('parseImageRef takes a digest without adding a tag, and keeps a tag given with it', () => {
  const pinned = parsed(`ghcr.io/org/app@${DIGEST}`);
  assert.equal(pinned.canonical, `ghcr.io/org/app@${DIGEST}`);
  assert.equal(pinned.transport === 'docker' && pinned.tag, undefined);
  const both = parsed(`ghcr.io/org/app:2@${DIGEST}`);
  assert.equal(both.canonical, `ghcr.io/org/app:2@${DIGEST}`);
});

test('parseImageRef tells a registry from a Docker Hub namespace the way Docker does', () => {
  assert.equal(parsed('localhost/app').canonical, 'localhost/app:latest');
  assert.equal(parsed('localhost:5000/app').canonical, 'localhost:5000/app:latest');
  assert.equal(parsed('library/busybox').canonical, 'docker.io/library/busybox:latest');
  assert.equal(parsed('grafana/agent:v1').canonical, 'docker.io/grafana/agent:v1');
  assert.equal(parsed('index.docker.io/library/busybox').canonical, 'docker.io/library/busybox:latest');
  assert.equal(parsed('[::1]:5000/app:1').canonical, '[::1]:5000/app:1');
});

test('parseImageRef accepts the docker:// prefix skopeo uses', () => {
  assert.equal(parsed('docker://127.0.0.1:5000/busybox:1').canonical, '127.0.0.1:5000/busybox:1');
});

test('parseImageRef reads side-load sources with and without a name', () => {
  assert.deepEqual(parsed('oci-archive:/var/lib/images/app.tar'), { transport: 'oci-archive', path: '/var/lib/images/app.tar', name: undefined, canonical: 'oci-archive:/var/lib/images/app.tar' });
  assert.deepEqual(parsed('oci-archive:/media/usb/app.tar:1'), { transport: 'oci-archive', path: '/media/usb/app.tar', name: '1', canonical: 'oci-archive:/media/usb/app.tar:1' });
  assert.deepEqual(parsed('docker-archive:/tmp/d.tar:busybox:1'), { transport: 'docker-archive', path: '/tmp/d.tar', name: 'busybox:1', canonical: 'docker-archive:/tmp/d.tar:busybox:1' });
  assert.equal(parsed('docker-archive:/tmp/d.tar:@0').canonical, 'docker-archive:/tmp/d.tar:@0');
  assert.equal(parsed('oci:/srv/layout:latest').transport, 'oci');
});

test('parseImageRef treats oci:5000/… as a registry named oci, not a layout', () => {
  const ref = parsed('oci:5000/app');
  assert.equal(ref.transport, 'docker');
  assert.equal(ref.canonical, 'oci:5000/app:latest');
});

test('parseImageRef rejects malformed references with CORRAL_IMAGE_REF_INVALID', () => {
  const bad = [
    '',
    ' busybox',
    'Busybox',
    'docker.io/Library/busybox',
    'busybox:',
    'busybox:-tag',
    `busybox:${'x'.repeat(129)}`,
    'busybox@sha256:abc',
    'busybox@md5:0123456789abcdef0123456789abcdef',
    'busybox@@sha256',
    'reg..io/app',
    'registry:99999999/app',
    '/busybox',
    'busybox/',
    'a//b',
    'http://registry/app',
    'oci-archive:/',
    'oci-archive:/a/../etc/shadow.tar',
    'oci-archive:/x.tar:',
    'oci-archive:/x.tar:bad name',
    'docker-archive:/x.tar:not a ref',
    `docker.io/${'a'.repeat(260)}`,
    'x'.repeat(2000),
  ];
  for (const input of bad) {
    const result = parseImageRef(input);
    assert.equal(result.ok, false, `${JSON.stringify(input)} should be rejected`);
    if (!result.ok) assert.equal(result.error.code, ErrorCode.ImageRefInvalid, input);
  }
});

test('canonicalImageRef normalizes equivalent spellings to one name', () => {
  const spellings = ['busybox', 'busybox:latest', 'library/busybox', 'docker.io/library/busybox:latest', 'docker://busybox'];
  for (const s of spellings) assert.deepEqual(canonicalImageRef(s), { ok: true, value: 'docker.io/library/busybox:latest' });
});

test('skopeoSource prefers the digest and passes side-load sources through', () => {
  assert.equal(skopeoSource(parsed('busybox')), 'docker://docker.io/library/busybox:latest');
  assert.equal(skopeoSource(parsed(`r.lan:5000/app:2@${DIGEST}`)), `docker://r.lan:5000/app@${DIGEST}`);
  assert.equal(skopeoSource(parsed('oci-archive:/m/app.tar:1')), 'oci-archive:/m/app.tar:1');
});
