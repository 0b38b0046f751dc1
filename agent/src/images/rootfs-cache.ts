import { mkdir, mkdtemp, readdir, realpath, rename, rm, stat, utimes } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { CorralError, ErrorCode, type Result, err, ok } from '../../../protocol/src/index.js';
import type { Exec } from './exec.js';
import type { UnpackStrategy } from './image-store.js';
import { type MountEntry, isMountPoint, overlayLowerDirs, overlayMountArgs, parseMountinfo } from './mounts.js';
import { runTool } from './tool.js';

/**
 * Container root filesystems, made from read-only image trees.
 *
 * Strategy. `umoci unpack` per container would decompress every layer again for each container and
 * each restart, and also walks the result to write an mtree manifest (for `umoci repack`, which the
 * agent never does). Instead each image (by manifest digest) is unpacked once, with `umoci raw unpack`
 * (layers only, no mtree, no config.json), into `images/rootfs/<algo>-<hex>`; that tree is never
 * written again. A container then gets either:
 *  - `overlay` (preferred): an overlayfs mount at `<bundle>/rootfs` with the tree as lower layer and
 *    `<bundle>/overlay/{upper,work}` taking the container's writes. Instant, no extra disk per
 *    container, and no flash wear on SD-card devices. Needs root and a kernel/filesystem that allow it
 *    (not on top of another overlay, as inside some container builds).
 *  - `copy`: `cp -a --reflink=auto` of the tree (a cheap reflink on btrfs/xfs, a real copy elsewhere).
 * `auto` tries overlay and, if the mount fails, uses copy from then on. Mounts do not survive a reboot;
 * `materialize` on a bundle that has an `overlay/` dir mounts it again over the kept upper layer, so a
 * container's writes persist like a Docker container layer. `release` undoes it before a bundle is
 * deleted; a tree is pruned only when no image references its digest and no mount uses it.
 */
export interface RootfsCacheDeps {
  exec: Exec;
  /** `<dataDir>/images/rootfs`, absolute. */
  dir: string;
  layoutDir: string;
  mountinfo: () => Promise<string>;
  rootless: boolean;
}

const TREE = /^(sha256|sha512)-([a-f0-9]+)$/;
const TMP_PREFIX = '.tmp-';

function failed(message: string, cause?: unknown): Result<never> {
  return err(new CorralError(ErrorCode.ImageUnpackFailed, message, { cause }));
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

async function nonEmptyDir(path: string): Promise<boolean> {
  return readdir(path).then(
    (names) => names.length > 0,
    () => false,
  );
}

export class RootfsCache {
  private readonly inflight = new Map<string, Promise<Result<string>>>();
  /** Why overlay did not work here, once it has failed under `auto`. */
  private overlayUnusable: string | undefined;

  constructor(private readonly deps: RootfsCacheDeps) {}

  treeDir(digest: string): string {
    return join(this.deps.dir, digest.replace(':', '-'));
  }

  /** The unpacked tree of the image stored as `refName` with `digest`, unpacking it on first use. */
  ensureTree(refName: string, digest: string): Promise<Result<string>> {
    const running = this.inflight.get(digest);
    if (running) return running;
    const work = this.unpackTree(refName, digest).finally(() => this.inflight.delete(digest));
    this.inflight.set(digest, work);
    return work;
  }

  private async unpackTree(refName: string, digest: string): Promise<Result<string>> {
    const tree = this.treeDir(digest);
    const now = new Date();
    if (await exists(tree)) {
      await utimes(tree, now, now).catch(() => undefined);
      return ok(tree);
    }
    let tmp: string | undefined;
    try {
      await mkdir(this.deps.dir, { recursive: true });
      tmp = await mkdtemp(join(this.deps.dir, TMP_PREFIX));
      const args = ['raw', 'unpack', ...(this.deps.rootless ? ['--rootless'] : []), '--image', `${this.deps.layoutDir}:${refName}`, join(tmp, 'rootfs')];
      const run = await runTool(this.deps.exec, { command: 'umoci', args, code: ErrorCode.ImageUnpackFailed, what: `unpack ${digest}` });
      if (!run.ok) return run;
      try {
        await rename(join(tmp, 'rootfs'), tree);
      } catch (error) {
        // Another unpack of the same digest got there first (ENOTEMPTY/EEXIST): use its tree.
        if (!(await exists(tree))) throw error;
      }
      await utimes(tree, now, now).catch(() => undefined);
      return ok(tree);
    } catch (error) {
      return failed(`unpack ${digest}: ${(error as Error).message}`, error);
    } finally {
      if (tmp) await rm(tmp, { recursive: true, force: true }).catch(() => undefined);
    }
  }

  /** Gives `bundleDir/rootfs` the files of `tree`; see the class comment for the strategies. */
  async materialize(tree: string, bundleDir: string, strategy: 'auto' | UnpackStrategy): Promise<Result<{ rootfs: string; strategy: UnpackStrategy }>> {
    try {
      await mkdir(bundleDir, { recursive: true });
      const bundle = await realpath(resolve(bundleDir));
      const rootfs = join(bundle, 'rootfs');
      const overlayDir = join(bundle, 'overlay');
      const mounts = await this.mounts();
      if (isMountPoint(mounts, rootfs)) return ok({ rootfs, strategy: 'overlay' });
      const hadOverlay = await exists(overlayDir);
      if (!hadOverlay && (await nonEmptyDir(rootfs))) return ok({ rootfs, strategy: 'copy' });
      const tryOverlay = hadOverlay || strategy === 'overlay' || (strategy === 'auto' && this.overlayUnusable === undefined);
      if (tryOverlay) {
        const mounted = await this.mountOverlay(tree, rootfs, overlayDir);
        if (mounted.ok) return ok({ rootfs, strategy: 'overlay' });
        if (hadOverlay || strategy === 'overlay') return mounted;
        this.overlayUnusable = mounted.error.message;
        await rm(overlayDir, { recursive: true, force: true });
      }
      const copied = await this.copy(tree, bundle, rootfs);
      return copied.ok ? ok({ rootfs, strategy: 'copy' }) : copied;
    } catch (error) {
      return failed(`prepare rootfs in ${bundleDir}: ${(error as Error).message}`, error);
    }
  }

  private async mountOverlay(tree: string, rootfs: string, overlayDir: string): Promise<Result<void>> {
    const upper = join(overlayDir, 'upper');
    const work = join(overlayDir, 'work');
    const args = overlayMountArgs({ lower: tree, upper, work, target: rootfs });
    if (!args) return failed(`overlay cannot use ${overlayDir}: a path contains "," ":" or a backslash`);
    await mkdir(upper, { recursive: true });
    await mkdir(work, { recursive: true });
    await mkdir(rootfs, { recursive: true });
    const run = await runTool(this.deps.exec, { command: 'mount', args, code: ErrorCode.ImageUnpackFailed, what: `mount overlay at ${rootfs}` });
    return run.ok ? ok(undefined) : run;
  }

  private async copy(tree: string, bundle: string, rootfs: string): Promise<Result<void>> {
    const staging = join(bundle, '.rootfs-copy');
    await rm(staging, { recursive: true, force: true });
    const run = await runTool(this.deps.exec, { command: 'cp', args: ['-a', '--reflink=auto', tree, staging], code: ErrorCode.ImageUnpackFailed, what: `copy rootfs to ${bundle}` });
    if (!run.ok) {
      await rm(staging, { recursive: true, force: true }).catch(() => undefined);
      return run;
    }
    await rm(rootfs, { recursive: true, force: true });
    await rename(staging, rootfs);
    return ok(undefined);
  }

  /** Unmounts `bundleDir/rootfs` if mounted and deletes what `materialize` made there. */
  async release(bundleDir: string): Promise<Result<void>> {
    let bundle: string;
    try {
      bundle = await realpath(resolve(bundleDir));
    } catch {
      return ok(undefined); // nothing there
    }
    const rootfs = join(bundle, 'rootfs');
    try {
      let mounts = await this.mounts();
      if (isMountPoint(mounts, rootfs)) {
        const run = await runTool(this.deps.exec, { command: 'umount', args: [rootfs], code: ErrorCode.ImageStoreFailed, what: `release ${bundleDir}` });
        if (!run.ok) return run;
        mounts = await this.mounts();
      }
      // Never delete through a mount (a bind-mounted host directory would go with it).
      const inside = mounts.find((m) => m.mountPoint === rootfs || m.mountPoint.startsWith(`${rootfs}/`));
      if (inside) return err(new CorralError(ErrorCode.ImageStoreFailed, `release ${bundleDir}: ${inside.mountPoint} is still mounted`));
      for (const name of ['rootfs', 'overlay', '.rootfs-copy']) await rm(join(bundle, name), { recursive: true, force: true });
      return ok(undefined);
    } catch (error) {
      return err(new CorralError(ErrorCode.ImageStoreFailed, `release ${bundleDir}: ${(error as Error).message}`, { cause: error }));
    }
  }

  /** Digests whose tree is the lower layer of a live overlay mount. */
  async mountedDigests(): Promise<Set<string>> {
    const digests = new Set<string>();
    for (const dir of overlayLowerDirs(await this.mounts())) {
      const m = dir.startsWith(`${this.deps.dir}/`) ? TREE.exec(dir.slice(this.deps.dir.length + 1)) : null;
      if (m) digests.add(`${m[1]}:${m[2]}`);
    }
    return digests;
  }

  /** When a container was last made from `digest` (ms), 0 when never. */
  async lastUsed(digest: string): Promise<number> {
    return stat(this.treeDir(digest)).then(
      (s) => s.mtimeMs,
      () => 0,
    );
  }

  /** Deletes trees of digests not in `keep` and not mounted, and unfinished unpacks. Only while nothing unpacks. */
  async prune(keep: ReadonlySet<string>): Promise<string[]> {
    const mounted = await this.mountedDigests();
    const removed: string[] = [];
    const names = await readdir(this.deps.dir).catch(() => [] as string[]);
    for (const name of names) {
      const m = TREE.exec(name);
      const digest = m ? `${m[1]}:${m[2]}` : undefined;
      if (digest !== undefined && (keep.has(digest) || mounted.has(digest))) continue;
      if (digest === undefined && !name.startsWith(TMP_PREFIX)) continue;
      await rm(join(this.deps.dir, name), { recursive: true, force: true });
      if (digest !== undefined) removed.push(digest);
    }
    return removed;
  }

  private async mounts(): Promise<MountEntry[]> {
    return parseMountinfo(await this.deps.mountinfo());
  }
}
