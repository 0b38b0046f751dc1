import assert from 'node:assert/strict';
import { mkdir, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { ErrorCode } from '../../../../protocol/src/index.js';
import { type Exec, type ExecOptions, type ExecResult, spawnExec } from '../../../../agent/src/images/exec.js';
import type { PullProgress } from '../../../../agent/src/images/image-store.js';
import { OciImageStore } from '../../../../agent/src/images/oci-image-store.js';
import { encodeRefName } from '../../../../agent/src/images/ref-name.js';
import { tempDir } from '../../../support/daemons.js';

/**
 * OciImageStore with the tools scripted: what it asks skopeo, umoci, mount and cp to do, and what it
 * makes of their answers. The real tools run in test/integration/images.
 */

const platform = { architecture: 'amd64', os: 'linux' };
const DIGEST = `sha256:${'5d'.repeat(32)}`;
const result = (over: Partial<ExecResult> = {}): ExecResult => ({ exitCode: 0, signal: null, stdout: '', stderr: '', ...over });

type Handler = (args: readonly string[], options: ExecOptions) => Promise<ExecResult> | ExecResult;

function scripted(handlers: Record<string, Handler>): { exec: Exec; calls: Array<{ command: string; args: readonly string[] }> } {
  const calls: Array<{ command: string; args: readonly string[] }> = [];
  const exec: Exec = async (command, args, options = {}) => {
    calls.push({ command, args });
    if (command === 'umoci' && args[0] === 'init') {
      const layout = args[2] as string;
      await mkdir(join(layout, 'blobs', 'sha256'), { recursive: true });
      await writeFile(join(layout, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
      await writeFile(join(layout, 'index.json'), '{"schemaVersion":2,"manifests":null}');
      return result();
    }
    const handler = handlers[command];
    return handler ? handler(args, options) : result({ exitCode: 1, stderr: `no script for ${command}` });
  };
  return { exec, calls };
}

/** Names `reference` in the layout's index.json, with a manifest blob, as a finished pull would. */
async function storeEntry(dataDir: string, reference: string): Promise<void> {
  const manifest = { schemaVersion: 2, config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: `sha256:${'c0'.repeat(32)}`, size: 2 }, layers: [] };
  await writeFile(join(dataDir, 'images', 'layout', 'blobs', 'sha256', DIGEST.slice('sha256:'.length)), JSON.stringify(manifest));
  const index = { schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: DIGEST, size: 349, annotations: { 'org.opencontainers.image.ref.name': encodeRefName(reference) } }] };
  await writeFile(join(dataDir, 'images', 'layout', 'index.json'), JSON.stringify(index));
}

async function open(dataDir: string, exec: Exec, extra: { mountinfo?: string } = {}): Promise<OciImageStore> {
  const opened = await OciImageStore.open({ dataDir, exec, mountinfo: async () => extra.mountinfo ?? '', freeBytes: async () => 1e12 });
  assert.ok(opened.ok, opened.ok ? '' : opened.error.message);
  return opened.value;
}

test('OciImageStore.open creates the layout once and reports a failing umoci as CORRAL_IMAGE_STORE_FAILED', async (t) => {
  const dir = await tempDir('images-unit');
  t.after(dir.remove);
  const { exec, calls } = scripted({});
  await open(dir.path, exec);
  await open(dir.path, exec);
  assert.equal(calls.filter((c) => c.command === 'umoci' && c.args[0] === 'init').length, 1);
  const broken = await OciImageStore.open({ dataDir: join(dir.path, 'other'), exec: async () => result({ exitCode: null, spawnError: 'spawn umoci ENOENT' }) });
  assert.ok(!broken.ok);
  assert.equal(broken.error.code, ErrorCode.ImageStoreFailed);
});

test("pull turns skopeo's failure into CORRAL_IMAGE_PULL_FAILED carrying its message", async (t) => {
  const dir = await tempDir('images-unit');
  t.after(dir.remove);
  const { exec } = scripted({ skopeo: () => result({ exitCode: 1, stderr: 'time="t" level=fatal msg="reading manifest 9 in r.lan/app: manifest unknown"\n' }) });
  const store = await open(dir.path, exec);
  const pulled = await store.pull('r.lan/app:9', { platform });
  assert.ok(!pulled.ok);
  assert.equal(pulled.error.code, ErrorCode.ImagePullFailed);
  assert.match(pulled.error.message, /manifest unknown/);
});

test('pull reports a missing skopeo as CORRAL_IMAGE_PULL_FAILED', async (t) => {
  const dir = await tempDir('images-unit');
  t.after(dir.remove);
  const { exec } = scripted({ skopeo: () => result({ exitCode: null, spawnError: 'spawn skopeo ENOENT' }) });
  const pulled = await (await open(dir.path, exec)).pull('busybox', { platform });
  assert.ok(!pulled.ok);
  assert.equal(pulled.error.code, ErrorCode.ImagePullFailed);
});

test('pull rejects a malformed reference before running anything', async (t) => {
  const dir = await tempDir('images-unit');
  t.after(dir.remove);
  const { exec, calls } = scripted({});
  const store = await open(dir.path, exec);
  const before = calls.length;
  const pulled = await store.pull('library/BusyBox', { platform });
  assert.ok(!pulled.ok);
  assert.equal(pulled.error.code, ErrorCode.ImageRefInvalid);
  const renamed = await store.pull('oci-archive:/x.tar', { platform, name: 'oci-archive:/y.tar' });
  assert.ok(!renamed.ok);
  assert.equal(renamed.error.code, ErrorCode.ImageRefInvalid);
  assert.equal(calls.length, before);
});

test('pull gives skopeo the credentials in a private auth file, never on the command line, and deletes it', async (t) => {
  const dir = await tempDir('images-unit');
  t.after(dir.remove);
  let seen: { args: readonly string[]; file: string; mode: number } | undefined;
  const { exec } = scripted({
    skopeo: async (args) => {
      const path = args[args.indexOf('--src-authfile') + 1] as string;
      seen = { args, file: await readFile(path, 'utf8'), mode: (await stat(path)).mode & 0o777 };
      return result({ exitCode: 1, stderr: 'level=fatal msg="unauthorized"' });
    },
  });
  const store = await open(dir.path, exec);
  await store.pull('registry.lan:5000/app:1', { platform, auth: { username: 'edge', password: 's3cret' } });
  assert.ok(seen);
  assert.ok(!seen.args.some((a) => a.includes('s3cret')), 'password not in argv');
  assert.equal(seen.mode, 0o600);
  assert.deepEqual(JSON.parse(seen.file), { auths: { 'registry.lan:5000': { auth: Buffer.from('edge:s3cret').toString('base64') } } });
  assert.deepEqual(await readdir(join(dir.path, 'images', 'tmp')), []);
});

test('pull resolves an index for the node platform and verifies TLS except for insecure registries', async (t) => {
  const dir = await tempDir('images-unit');
  t.after(dir.remove);
  const seen: Array<readonly string[]> = [];
  const { exec } = scripted({
    skopeo: (args) => {
      seen.push(args);
      return result({ exitCode: 1 });
    },
  });
  const opened = await OciImageStore.open({ dataDir: dir.path, exec, insecureRegistries: ['registry.lan'] });
  assert.ok(opened.ok);
  await opened.value.pull('registry.lan:5000/app:1', { platform: { architecture: 'arm', variant: 'v7', os: 'linux' } });
  await opened.value.pull('ghcr.io/org/app:1', { platform });
  const [lan, ghcr] = seen as [readonly string[], readonly string[]];
  assert.deepEqual(lan.slice(0, 6), ['--override-os', 'linux', '--override-arch', 'arm', '--override-variant', 'v7']);
  assert.ok(lan.includes('--src-tls-verify=false'));
  assert.ok(ghcr.includes('--src-tls-verify=true'));
  assert.match(lan.at(-1) ?? '', /^oci:.*\/images\/tmp\/pull-[0-9a-f]+:image$/, 'downloads land in a staging layout');
  assert.equal(lan[lan.indexOf('--dest-shared-blob-dir') + 1], join(dir.path, 'images', 'layout', 'blobs'), 'whose blobs go to the shared layout');
});

test("pull passes skopeo's progress lines on as events, started first", async (t) => {
  const dir = await tempDir('images-unit');
  t.after(dir.remove);
  const blob = `sha256:${'1f'.repeat(32)}`;
  const { exec } = scripted({
    skopeo: (_args, options) => {
      for (const line of ['Getting image source signatures', `Copying blob ${blob}`, `Copying config ${DIGEST}`, 'Writing manifest to image destination']) options.onLine?.(line, 'stdout');
      return result({ exitCode: 1, stderr: 'level=fatal msg="disk full"' });
    },
  });
  const events: PullProgress[] = [];
  await (await open(dir.path, exec)).pull('busybox:1', { platform, onProgress: (e) => events.push(e) });
  assert.deepEqual(events, [
    { kind: 'started', reference: 'docker.io/library/busybox:1', source: 'docker.io/library/busybox:1' },
    { kind: 'blob', digest: blob, skipped: false },
    { kind: 'config', digest: DIGEST },
    { kind: 'manifest' },
  ]);
});

test('pull with an aborted signal fails without running skopeo', async (t) => {
  const dir = await tempDir('images-unit');
  t.after(dir.remove);
  const { exec, calls } = scripted({ skopeo: () => result() });
  const store = await open(dir.path, exec);
  const pulled = await store.pull('busybox', { platform, signal: AbortSignal.abort() });
  assert.ok(!pulled.ok);
  assert.equal(pulled.error.code, ErrorCode.ImagePullFailed);
  assert.equal(calls.filter((c) => c.command === 'skopeo').length, 0);
});

/** umoci raw unpack makes a one-file tree; mount fails (as without privileges); cp is the real one. */
function unpackTools(mountWorks: boolean) {
  return scripted({
    umoci: async (args) => {
      if (args[0] !== 'raw') return result({ exitCode: 1 });
      const target = args.at(-1) as string;
      await mkdir(join(target, 'bin'), { recursive: true });
      await writeFile(join(target, 'bin', 'busybox'), 'ELF');
      return result();
    },
    mount: () => (mountWorks ? result() : result({ exitCode: 32, stderr: 'mount: permission denied' })),
    cp: (args) => spawnExec('cp', args),
  });
}

test('unpack falls back to a copy when overlay cannot be mounted, and unpacks each image only once', async (t) => {
  const dir = await tempDir('images-unit');
  t.after(dir.remove);
  const { exec, calls } = unpackTools(false);
  const store = await open(dir.path, exec);
  await storeEntry(dir.path, 'docker.io/library/busybox:1');
  const a = await store.unpack('busybox:1', join(dir.path, 'pods', 'a'));
  assert.ok(a.ok, a.ok ? '' : a.error.message);
  assert.deepEqual(a.value, { rootfs: join(dir.path, 'pods', 'a', 'rootfs'), strategy: 'copy', digest: DIGEST });
  assert.equal(await readFile(join(a.value.rootfs, 'bin', 'busybox'), 'utf8'), 'ELF');
  const b = await store.unpack('busybox:1', join(dir.path, 'pods', 'b'));
  assert.ok(b.ok);
  assert.equal(b.value.strategy, 'copy');
  assert.equal(calls.filter((c) => c.command === 'umoci' && c.args[0] === 'raw').length, 1, 'one unpack per digest');
  assert.equal(calls.filter((c) => c.command === 'mount').length, 1, 'overlay is not retried once it failed');
  const forced = await store.unpack('busybox:1', join(dir.path, 'pods', 'c'), { strategy: 'overlay' });
  assert.ok(!forced.ok);
  assert.equal(forced.error.code, ErrorCode.ImageUnpackFailed);
});

test('unpack mounts an overlay with the shared tree as its lower layer', async (t) => {
  const dir = await tempDir('images-unit');
  t.after(dir.remove);
  const { exec, calls } = unpackTools(true);
  const store = await open(dir.path, exec);
  await storeEntry(dir.path, 'docker.io/library/busybox:1');
  const bundle = join(dir.path, 'pods', 'a');
  const made = await store.unpack('busybox:1', bundle);
  assert.ok(made.ok);
  assert.equal(made.value.strategy, 'overlay');
  const mount = calls.find((c) => c.command === 'mount');
  const tree = join(dir.path, 'images', 'rootfs', DIGEST.replace(':', '-'));
  assert.deepEqual(mount?.args, ['-t', 'overlay', 'overlay', '-o', `lowerdir=${tree},upperdir=${bundle}/overlay/upper,workdir=${bundle}/overlay/work`, `${bundle}/rootfs`]);
});

test('release refuses to delete a rootfs that still has something mounted inside', async (t) => {
  const dir = await tempDir('images-unit');
  t.after(dir.remove);
  const { exec } = unpackTools(false);
  const bundle = join(dir.path, 'pods', 'a');
  const mountinfo = `50 22 0:50 / ${bundle}/rootfs/data rw - ext4 /dev/sdb1 rw\n`;
  const store = await open(dir.path, exec, { mountinfo });
  await storeEntry(dir.path, 'docker.io/library/busybox:1');
  assert.ok((await store.unpack('busybox:1', bundle)).ok);
  const released = await store.release(bundle);
  assert.ok(!released.ok);
  assert.equal(released.error.code, ErrorCode.ImageStoreFailed);
  assert.ok((await stat(join(bundle, 'rootfs', 'bin', 'busybox'))).isFile(), 'nothing deleted');
});

test('a broken index.json is CORRAL_IMAGE_STORE_FAILED, not an exception', async (t) => {
  const dir = await tempDir('images-unit');
  t.after(dir.remove);
  const { exec } = scripted({});
  const store = await open(dir.path, exec);
  await writeFile(join(dir.path, 'images', 'layout', 'index.json'), '{"schemaVersion":2,"manifests":[{"digest":42}]}');
  for (const outcome of [await store.list(), await store.inspect('busybox'), await store.gc({ inUse: new Set(), minFreeBytes: 0 })]) {
    assert.ok(!outcome.ok);
    assert.equal(outcome.error.code, ErrorCode.ImageStoreFailed);
  }
});

test('a download in progress holds up neither unpack, list, another pull nor gc, which then leaves blobs alone', async (t) => {
  const dir = await tempDir('images-unit');
  t.after(dir.remove);
  let openGate!: () => void;
  const gate = new Promise<void>((r) => (openGate = r));
  const tools = unpackTools(false);
  let blobSweeps = 0;
  const exec: Exec = async (command, args, options) => {
    if (command === 'skopeo' && args.includes('docker://r.lan/slow:1')) {
      await gate;
      return result({ exitCode: 1, stderr: 'level=fatal msg="connection reset"' });
    }
    if (command === 'skopeo') return result({ exitCode: 1, stderr: 'level=fatal msg="manifest unknown"' });
    if (command === 'umoci' && args[0] === 'gc') {
      blobSweeps += 1;
      return result();
    }
    return tools.exec(command, args, options);
  };
  const store = await open(dir.path, exec);
  await storeEntry(dir.path, 'docker.io/library/busybox:1');
  const slow = store.pull('r.lan/slow:1', { platform });
  assert.ok((await store.unpack('busybox:1', join(dir.path, 'pods', 'a'))).ok);
  assert.ok((await store.list()).ok);
  const other = await store.pull('r.lan/other:1', { platform });
  assert.equal(other.ok ? undefined : other.error.code, ErrorCode.ImagePullFailed);
  assert.ok((await store.gc({ inUse: new Set(), minFreeBytes: 0 })).ok);
  assert.equal(blobSweeps, 0, 'the running download has blobs no index.json references yet');
  openGate();
  const slowResult = await slow;
  assert.equal(slowResult.ok ? undefined : slowResult.error.code, ErrorCode.ImagePullFailed);
  assert.ok((await store.gc({ inUse: new Set(), minFreeBytes: 0 })).ok);
  assert.equal(blobSweeps, 1);
});
