import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { lstat, readFile, readdir, readlink, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { ErrorCode } from '../../../protocol/src/index.js';
import { OciImageStore, type Platform, type PullProgress } from '../../../agent/src/images/index.js';
import { goArch } from '../../../agent/src/node-info.js';
import { freePort, tempDir } from '../../support/daemons.js';
import { type RegistryHandle, addPlatformIndex, copyLayout, ensureTestImage, pushTestImage, startRegistry } from '../../support/registry.js';
import { imageStoreContract } from '../../unit/agent/images/image-store.contract.js';

/**
 * The real image store against real tools: the busybox test image built by
 * test/fixtures/build-test-image.sh, a local docker-registry, skopeo and umoci. Nothing leaves 127.0.0.1.
 */

const run = promisify(execFile);
const platform: Platform = { architecture: goArch(process.arch), os: 'linux' };
const isRoot = process.getuid?.() === 0;

let work: Awaited<ReturnType<typeof tempDir>>;
let registry: RegistryHandle;
let layout: string;
/** Digest of the test image's manifest, as the fixture layout stores it. */
let imageDigest: string;
let refs: { tag1: string; latest: string; multi: string; foreign: string };
let platformDigests: Record<string, string>;
let ociArchive: string;
let dockerArchive: string;

/** Unmounts whatever a failed test left mounted under `dir`, so removing it cannot reach through a mount. */
async function unmountUnder(dir: string): Promise<void> {
  const mountinfo = await readFile('/proc/self/mountinfo', 'utf8');
  const points = mountinfo
    .split('\n')
    .map((l) => l.split(' ')[4])
    .filter((p): p is string => p !== undefined && p.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);
  for (const p of points) await run('umount', [p]).catch(() => undefined);
}

async function openStore(prefix: string) {
  const dir = await tempDir(prefix);
  const opened = await OciImageStore.open({ dataDir: join(dir.path, 'data') });
  assert.ok(opened.ok, opened.ok ? '' : opened.error.message);
  return {
    store: opened.value,
    dir: dir.path,
    blobs: () => readdir(join(dir.path, 'data', 'images', 'layout', 'blobs', 'sha256')),
    cleanup: async () => {
      await unmountUnder(dir.path);
      await dir.remove();
    },
  };
}

before(async () => {
  work = await tempDir('images-it');
  layout = await ensureTestImage();
  const index = JSON.parse(await readFile(join(layout, 'index.json'), 'utf8')) as { manifests: Array<{ digest: string }> };
  imageDigest = index.manifests[0]?.digest ?? '';
  registry = await startRegistry(join(work.path, 'registry'));
  const private_ = await copyLayout(layout, join(work.path, 'layout'));
  const other = platform.architecture === 'arm64' ? 'amd64' : 'arm64';
  platformDigests = await addPlatformIndex(private_, { from: '1', tag: 'multi', otherArchitectures: [other] });
  refs = {
    tag1: await pushTestImage(layout, '1', registry.host, 'busybox'),
    latest: await pushTestImage(layout, 'latest', registry.host, 'busybox'),
    multi: await pushTestImage(private_, 'multi', registry.host, 'busybox'),
    foreign: await pushTestImage(private_, `1-${other}`, registry.host, 'busybox'),
  };
  ociArchive = join(work.path, 'busybox-oci.tar');
  dockerArchive = join(work.path, 'busybox-docker.tar');
  await run('skopeo', ['copy', '--quiet', `oci:${layout}:1`, `oci-archive:${ociArchive}:1`]);
  await run('skopeo', ['copy', '--quiet', `oci:${layout}:1`, `docker-archive:${dockerArchive}:corral/busybox:1`]);
});

after(async () => {
  await registry?.stop();
  await unmountUnder(work.path);
  await work?.remove();
});

imageStoreContract('OciImageStore', async () => {
  const s = await openStore('images-contract');
  return { store: s.store, pullable: refs.tag1, missing: `${registry.host}/busybox:missing`, platform, scratch: s.dir, cleanup: s.cleanup };
});

describe('OciImageStore with a local registry', () => {
  test('pulls by tag and by digest to the manifest digest the registry serves', async () => {
    const s = await openStore('images-digest');
    try {
      const byTag = await s.store.pull(refs.tag1, { platform });
      assert.ok(byTag.ok, byTag.ok ? '' : byTag.error.message);
      assert.equal(byTag.value.digest, imageDigest);
      const pinned = `${registry.host}/busybox@${imageDigest}`;
      const byDigest = await s.store.pull(pinned, { platform });
      assert.ok(byDigest.ok, byDigest.ok ? '' : byDigest.error.message);
      assert.deepEqual(byDigest.value, { reference: pinned, digest: imageDigest });
      const listed = await s.store.list();
      assert.ok(listed.ok);
      assert.deepEqual(listed.value.map((i) => i.reference).sort(), [refs.tag1, pinned].sort());
    } finally {
      await s.cleanup();
    }
  });

  test('reports started, each blob, the config, the manifest and done while pulling', async () => {
    const s = await openStore('images-progress');
    try {
      const events: PullProgress[] = [];
      const pulled = await s.store.pull(refs.tag1, { platform, onProgress: (e) => events.push(e) });
      assert.ok(pulled.ok);
      assert.deepEqual(
        events.map((e) => e.kind),
        ['started', 'blob', 'config', 'manifest', 'done'],
      );
    } finally {
      await s.cleanup();
    }
  });

  test('stores the blobs of one image once, whatever the number of tags', async () => {
    const s = await openStore('images-dedup');
    try {
      assert.ok((await s.store.pull(refs.tag1, { platform })).ok);
      const once = (await s.blobs()).sort();
      assert.equal(once.length, 3, 'manifest, config, one layer');
      assert.ok((await s.store.pull(refs.latest, { platform })).ok);
      assert.ok((await s.store.pull(`oci-archive:${ociArchive}:1`, { platform })).ok);
      assert.deepEqual((await s.blobs()).sort(), once);
      const listed = await s.store.list();
      assert.ok(listed.ok);
      assert.equal(listed.value.length, 3);
      assert.ok(listed.value.every((i) => i.digest === imageDigest));
    } finally {
      await s.cleanup();
    }
  });

  test('resolves an image index to the manifest of the node platform', async () => {
    const s = await openStore('images-index');
    try {
      for (const [architecture, digest] of Object.entries(platformDigests)) {
        const pulled = await s.store.pull(refs.multi, { platform: { architecture, os: 'linux' } });
        assert.ok(pulled.ok, pulled.ok ? '' : pulled.error.message);
        assert.equal(pulled.value.digest, digest, architecture);
        const config = await s.store.imageConfig(refs.multi);
        assert.ok(config.ok);
        assert.equal(config.value.platform.architecture, architecture);
      }
      const none = await s.store.pull(refs.multi, { platform: { architecture: 'riscv64', os: 'linux' } });
      assert.ok(!none.ok);
      assert.equal(none.error.code, ErrorCode.ImagePullFailed);
    } finally {
      await s.cleanup();
    }
  });

  test('refuses a single-platform image built for another architecture and keeps what it had', async () => {
    const s = await openStore('images-foreign');
    try {
      assert.ok((await s.store.pull(refs.tag1, { platform, name: refs.foreign })).ok);
      const pulled = await s.store.pull(refs.foreign, { platform });
      assert.ok(!pulled.ok);
      assert.equal(pulled.error.code, ErrorCode.ImagePlatformMismatch);
      const kept = await s.store.inspect(refs.foreign);
      assert.ok(kept.ok);
      assert.equal(kept.value.digest, imageDigest, 'the image already stored under that name is untouched');
    } finally {
      await s.cleanup();
    }
  });

  test('fails with CORRAL_IMAGE_PULL_FAILED for a missing tag or an unreachable registry', async () => {
    const s = await openStore('images-fail');
    try {
      const missing = await s.store.pull(`${registry.host}/busybox:nope`, { platform });
      assert.ok(!missing.ok);
      assert.equal(missing.error.code, ErrorCode.ImagePullFailed);
      assert.match(missing.error.message, /manifest unknown/);
      const closed = await s.store.pull(`127.0.0.1:${await freePort()}/busybox:1`, { platform });
      assert.ok(!closed.ok);
      assert.equal(closed.error.code, ErrorCode.ImagePullFailed);
      const absent = await s.store.pull(`oci-archive:${join(s.dir, 'absent.tar')}`, { platform });
      assert.ok(!absent.ok);
      assert.equal(absent.error.code, ErrorCode.ImagePullFailed);
      assert.deepEqual(await s.store.list(), { ok: true, value: [] });
    } finally {
      await s.cleanup();
    }
  });

  test('side-loads oci-archive and docker-archive files, optionally under a registry name', async () => {
    const s = await openStore('images-sideload');
    try {
      const oci = await s.store.pull(`oci-archive:${ociArchive}:1`, { platform });
      assert.ok(oci.ok, oci.ok ? '' : oci.error.message);
      assert.deepEqual(oci.value, { reference: `oci-archive:${ociArchive}:1`, digest: imageDigest });
      const docker = await s.store.pull(`docker-archive:${dockerArchive}`, { platform, name: 'registry.lan/corral/busybox:1' });
      assert.ok(docker.ok, docker.ok ? '' : docker.error.message);
      assert.equal(docker.value.reference, 'registry.lan/corral/busybox:1');
      const config = await s.store.imageConfig('registry.lan/corral/busybox:1');
      assert.ok(config.ok);
      assert.deepEqual(config.value.cmd, ['sh']);
    } finally {
      await s.cleanup();
    }
  });

  test('imageConfig returns what the fixture script set', async () => {
    const s = await openStore('images-config');
    try {
      assert.ok((await s.store.pull(refs.tag1, { platform })).ok);
      const config = await s.store.imageConfig(refs.tag1);
      assert.deepEqual(config, {
        ok: true,
        value: {
          entrypoint: [],
          cmd: ['sh'],
          env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
          workingDir: '/',
          user: '',
          labels: {},
          stopSignal: undefined,
          exposedPorts: [],
          platform,
        },
      });
    } finally {
      await s.cleanup();
    }
  });

  for (const strategy of ['overlay', 'copy'] as const) {
    test(`unpacks a runnable rootfs per container (${strategy}), each with its own writes`, { skip: strategy === 'overlay' && !isRoot ? 'overlay needs root' : false }, async () => {
      const s = await openStore(`images-unpack-${strategy}`);
      try {
        assert.ok((await s.store.pull(refs.tag1, { platform })).ok);
        const a = await s.store.unpack(refs.tag1, join(s.dir, 'pods', 'a'), { strategy });
        const b = await s.store.unpack(refs.tag1, join(s.dir, 'pods', 'b'), { strategy });
        assert.ok(a.ok, a.ok ? '' : a.error.message);
        assert.ok(b.ok, b.ok ? '' : b.error.message);
        assert.equal(a.value.strategy, strategy);
        assert.equal(a.value.digest, imageDigest);
        const busybox = join(a.value.rootfs, 'bin', 'busybox');
        assert.ok((await stat(busybox)).isFile());
        assert.equal(await readlink(join(a.value.rootfs, 'bin', 'sh')), 'busybox');
        assert.match(await readFile(join(a.value.rootfs, 'etc', 'passwd'), 'utf8'), /^nobody:x:65534:65534:/m);
        assert.equal((await lstat(join(a.value.rootfs, 'tmp'))).mode & 0o7777, 0o1777);
        const { stdout } = await run(busybox, ['echo', 'hello from the image']);
        assert.equal(stdout, 'hello from the image\n');
        await writeFile(join(a.value.rootfs, 'etc', 'motd'), 'container a');
        await assert.rejects(stat(join(b.value.rootfs, 'etc', 'motd')), 'b does not see the writes of a');
        const again = await s.store.unpack(refs.tag1, join(s.dir, 'pods', 'a'), { strategy });
        assert.ok(again.ok);
        assert.equal(await readFile(join(again.value.rootfs, 'etc', 'motd'), 'utf8'), 'container a', 'unpack again keeps the container layer');
        assert.deepEqual(await s.store.release(join(s.dir, 'pods', 'a')), { ok: true, value: undefined });
        assert.deepEqual(await s.store.release(join(s.dir, 'pods', 'b')), { ok: true, value: undefined });
        await assert.rejects(stat(a.value.rootfs));
      } finally {
        await s.cleanup();
      }
    });
  }

  test('remove and gc drop blobs and unpacked trees no image needs any more', async () => {
    const s = await openStore('images-gc');
    try {
      assert.ok((await s.store.pull(refs.tag1, { platform })).ok);
      assert.ok((await s.store.pull(refs.latest, { platform })).ok);
      const bundle = join(s.dir, 'pods', 'a');
      assert.ok((await s.store.unpack(refs.tag1, bundle, { strategy: 'copy' })).ok);
      const trees = () => readdir(join(s.dir, 'data', 'images', 'rootfs'));
      assert.equal((await trees()).length, 1);
      assert.deepEqual(await s.store.remove(refs.tag1), { ok: true, value: undefined });
      assert.equal((await s.blobs()).length, 3, 'latest still needs every blob');
      assert.equal((await trees()).length, 1);
      const gc = await s.store.gc({ inUse: new Set(), minFreeBytes: Number.MAX_SAFE_INTEGER });
      assert.ok(gc.ok, gc.ok ? '' : gc.error.message);
      assert.deepEqual(gc.value.removed, [refs.latest]);
      assert.deepEqual(await s.blobs(), []);
      assert.deepEqual(await trees(), []);
      assert.ok((await stat(join(bundle, 'rootfs', 'bin', 'busybox'))).isFile(), 'a copied rootfs outlives its image');
    } finally {
      await s.cleanup();
    }
  });

  test('concurrent pulls, unpacks and lists leave a consistent layout', async () => {
    const s = await openStore('images-concurrent');
    try {
      const pinned = `${registry.host}/busybox@${imageDigest}`;
      const pulls = await Promise.all([refs.tag1, refs.latest, pinned, `oci-archive:${ociArchive}:1`].map((r) => s.store.pull(r, { platform })));
      assert.ok(pulls.every((p) => p.ok));
      const work = await Promise.all([
        s.store.unpack(refs.tag1, join(s.dir, 'pods', 'a'), { strategy: 'copy' }),
        s.store.unpack(refs.latest, join(s.dir, 'pods', 'b'), { strategy: 'copy' }),
        s.store.list(),
        s.store.pull(refs.tag1, { platform }),
      ]);
      assert.ok(work.every((w) => w.ok));
      const listed = await s.store.list();
      assert.ok(listed.ok);
      assert.equal(listed.value.length, 4);
      const { stdout } = await run('umoci', ['ls', '--layout', join(s.dir, 'data', 'images', 'layout')]);
      assert.equal(stdout.trim().split('\n').length, 4, 'no temporary names left behind');
    } finally {
      await s.cleanup();
    }
  });
});
