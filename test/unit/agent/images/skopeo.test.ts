import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseImageRef } from '../../../../agent/src/images/image-ref.js';
import { authFileContent, isInsecureRegistry, parseSkopeoProgress, platformArgs, skopeoCommitArgs, skopeoCopyArgs } from '../../../../agent/src/images/skopeo.js';

const BLOB = `sha256:${'1f'.repeat(32)}`;
const CONFIG = `sha256:${'d0'.repeat(32)}`;

function ref(input: string) {
  const r = parseImageRef(input);
  assert.ok(r.ok);
  return r.value;
}

test('platformArgs overrides os and architecture, and the variant only when there is one', () => {
  assert.deepEqual(platformArgs({ os: 'linux', architecture: 'amd64' }), ['--override-os', 'linux', '--override-arch', 'amd64']);
  assert.deepEqual(platformArgs({ os: 'linux', architecture: 'arm', variant: 'v7' }), ['--override-os', 'linux', '--override-arch', 'arm', '--override-variant', 'v7']);
});

test('skopeoCopyArgs puts platform flags before the copy command and the source before the destination', () => {
  const args = skopeoCopyArgs(ref('127.0.0.1:5000/busybox:1'), {
    platform: { os: 'linux', architecture: 'arm64' },
    destination: 'oci:/data/images/tmp/pull-1:image',
    sharedBlobDir: '/data/images/layout/blobs',
    insecure: true,
    tmpDir: '/data/images/tmp',
  });
  assert.deepEqual(args, [
    '--override-os', 'linux', '--override-arch', 'arm64',
    '--tmpdir', '/data/images/tmp',
    'copy', '--dest-shared-blob-dir', '/data/images/layout/blobs', '--src-tls-verify=false',
    'docker://127.0.0.1:5000/busybox:1', 'oci:/data/images/tmp/pull-1:image',
  ]);
});

test('skopeoCopyArgs verifies TLS unless insecure, and names the auth file but never the password', () => {
  const args = skopeoCopyArgs(ref('registry.example/app:2'), {
    platform: { os: 'linux', architecture: 'amd64' },
    destination: 'oci:/l:t',
    sharedBlobDir: '/l/blobs',
    insecure: false,
    authFile: '/data/images/tmp/auth-1.json',
    policyPath: '/etc/corral/policy.json',
  });
  assert.ok(args.includes('--src-tls-verify=true'));
  assert.deepEqual(args.slice(args.indexOf('--src-authfile'), args.indexOf('--src-authfile') + 2), ['--src-authfile', '/data/images/tmp/auth-1.json']);
  assert.deepEqual(args.slice(args.indexOf('--policy'), args.indexOf('--policy') + 2), ['--policy', '/etc/corral/policy.json']);
  assert.ok(args.indexOf('--policy') < args.indexOf('copy'), 'global flag before the command');
  assert.ok(!args.some((a) => a.includes('--src-creds')));
});

test('skopeoCopyArgs gives side-load sources no registry flags', () => {
  const args = skopeoCopyArgs(ref('oci-archive:/media/usb/app.tar:1'), {
    platform: { os: 'linux', architecture: 'amd64' },
    destination: 'oci:/l:t',
    sharedBlobDir: '/l/blobs',
    insecure: false,
    authFile: '/x',
  });
  assert.ok(!args.some((a) => a.startsWith('--src-')));
  assert.ok(args.includes('--dest-shared-blob-dir'));
  assert.deepEqual(args.slice(-2), ['oci-archive:/media/usb/app.tar:1', 'oci:/l:t']);
});

test('skopeoCommitArgs copies a staged image into the layout, reading blobs from the shared dir', () => {
  assert.deepEqual(skopeoCommitArgs({ staged: 'oci:/d/images/tmp/pull-1:image', sharedBlobDir: '/d/images/layout/blobs', destination: 'oci:/d/images/layout:rname' }), [
    'copy', '--quiet', '--src-shared-blob-dir', '/d/images/layout/blobs', 'oci:/d/images/tmp/pull-1:image', 'oci:/d/images/layout:rname',
  ]);
});

test('isInsecureRegistry allows loopback registries, listed ones, and explicit requests only', () => {
  assert.equal(isInsecureRegistry('127.0.0.1:5000', { insecureRegistries: [] }), true);
  assert.equal(isInsecureRegistry('localhost:5000', { insecureRegistries: [] }), true);
  assert.equal(isInsecureRegistry('[::1]:5000', { insecureRegistries: [] }), true);
  assert.equal(isInsecureRegistry('registry.lan:5000', { insecureRegistries: ['registry.lan:5000'] }), true);
  assert.equal(isInsecureRegistry('registry.lan:5001', { insecureRegistries: ['registry.lan'] }), true);
  assert.equal(isInsecureRegistry('registry.lan:5001', { insecureRegistries: ['registry.lan:5000'] }), false);
  assert.equal(isInsecureRegistry('docker.io', { insecureRegistries: ['registry.lan'] }), false);
  assert.equal(isInsecureRegistry('docker.io', { insecureRegistries: [], requested: true }), true);
  assert.equal(isInsecureRegistry('127.evil.example', { insecureRegistries: [] }), false);
});

test('authFileContent is a containers-auth.json with the base64 user:password of one registry', () => {
  const parsed = JSON.parse(authFileContent('registry.lan:5000', { username: 'edge', password: 'p:ss w0rd' })) as { auths: Record<string, { auth: string }> };
  assert.deepEqual(Object.keys(parsed.auths), ['registry.lan:5000']);
  assert.equal(Buffer.from(parsed.auths['registry.lan:5000']?.auth ?? '', 'base64').toString('utf8'), 'edge:p:ss w0rd');
});

test('parseSkopeoProgress turns copy lines into blob, config and manifest events', () => {
  assert.deepEqual(parseSkopeoProgress(`Copying blob ${BLOB}`), { kind: 'blob', digest: BLOB, skipped: false });
  assert.deepEqual(parseSkopeoProgress(`Copying blob ${BLOB} skipped: already exists`), { kind: 'blob', digest: BLOB, skipped: true });
  assert.deepEqual(parseSkopeoProgress(`Copying config ${CONFIG}`), { kind: 'config', digest: CONFIG });
  assert.deepEqual(parseSkopeoProgress('Writing manifest to image destination'), { kind: 'manifest' });
  assert.deepEqual(parseSkopeoProgress(`  Copying blob ${BLOB} done  \r`), { kind: 'blob', digest: BLOB, skipped: false });
});

test('parseSkopeoProgress ignores lines that are not progress', () => {
  for (const line of ['Getting image source signatures', 'Storing signatures', '', 'Copying blob sha256:short', 'time="x" level=warning msg="y"']) {
    assert.equal(parseSkopeoProgress(line), undefined, line);
  }
});
