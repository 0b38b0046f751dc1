import { randomBytes } from 'node:crypto';
import { mkdir, readFile, readdir, rm, stat, statfs } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { CorralError, ErrorCode, type Result, err, ok } from '../../../protocol/src/index.js';
import { type Exec, spawnExec } from './exec.js';
import { gcCandidates } from './gc-plan.js';
import { type PullContext, commitPull, stagePull } from './image-pull.js';
import { parseImageRef } from './image-ref.js';
import type { GcOptions, GcReport, ImageRecord, ImageStore, PullOptions, PulledImage, UnpackOptions, UnpackedRootfs } from './image-store.js';
import { readImageConfig, readImageManifest, readLayoutIndex } from './layout-files.js';
import type { ImageConfig, LayoutEntry } from './oci-layout.js';
import { ReadWriteLock } from './read-write-lock.js';
import { decodeRefName, encodeRefName } from './ref-name.js';
import { RootfsCache } from './rootfs-cache.js';
import { runTool } from './tool.js';

export interface OciImageStoreOptions {
  /** The agent's data dir; the store lives in `<dataDir>/images`. */
  dataDir: string;
  /** Runs skopeo, umoci, mount, umount and cp. Default: `spawnExec`. */
  exec?: Exec;
  /** Registries reached over plain HTTP or unverified TLS (`host:port`, or `host` for any port). */
  insecureRegistries?: readonly string[];
  /** Signature policy for skopeo; its default (/etc/containers/policy.json) when absent. */
  policyPath?: string;
  /** `umoci raw unpack --rootless`, for an agent not running as root (then only `copy` works). */
  rootless?: boolean;
  /** Text of /proc/self/mountinfo. */
  mountinfo?: () => Promise<string>;
  /** Free bytes of the filesystem holding `path`, for gc. */
  freeBytes?: (path: string) => Promise<number>;
}

async function readMountinfo(): Promise<string> {
  return readFile('/proc/self/mountinfo', 'utf8');
}

async function statfsFree(path: string): Promise<number> {
  const s = await statfs(path);
  return s.bavail * s.bsize;
}

function notFound(reference: string): Result<never> {
  return err(new CorralError(ErrorCode.ImageNotFound, `image ${reference} is not on this node`));
}

/**
 * `ImageStore` over one OCI image layout shared by all images (`<dataDir>/images/layout`), so a blob
 * is stored once however many images use it. skopeo pulls into it (image-pull.ts), umoci removes and
 * garbage-collects, and `RootfsCache` turns images into container root filesystems. Images are named in
 * the layout by their canonical reference, escaped (ref-name.ts): index.json alone says what is here.
 *
 * Concurrency, with two `ReadWriteLock`s:
 *  - `index`: skopeo and umoci rewrite index.json in place without locking, so whatever writes it (a
 *    pull's commit, remove, gc) holds it exclusively; list, inspect, image config and unpack share it.
 *  - `blobs`: a pull holds it shared from download to commit, as its blobs are in the layout but no
 *    index.json references them yet; `umoci gc` runs only if it can take it exclusively at once, and is
 *    otherwise left to the next gc. Downloads therefore take no part in the index lock: a slow pull
 *    holds up neither unpacks nor other pulls. (Lock order: blobs, then index; gc never waits on blobs.)
 */
export class OciImageStore implements ImageStore {
  private readonly index = new ReadWriteLock();
  private readonly blobs = new ReadWriteLock();
  private readonly exec: Exec;
  private readonly freeBytes: (path: string) => Promise<number>;
  private readonly rootfs: RootfsCache;
  private readonly pullContext: PullContext;

  private constructor(
    private readonly dirs: { data: string; layout: string; tmp: string },
    options: OciImageStoreOptions,
  ) {
    this.exec = options.exec ?? spawnExec;
    this.freeBytes = options.freeBytes ?? statfsFree;
    this.rootfs = new RootfsCache({
      exec: this.exec,
      dir: join(dirs.data, 'images', 'rootfs'),
      layoutDir: dirs.layout,
      mountinfo: options.mountinfo ?? readMountinfo,
      rootless: options.rootless ?? false,
    });
    this.pullContext = { exec: this.exec, layoutDir: dirs.layout, tmpDir: dirs.tmp, insecureRegistries: options.insecureRegistries ?? [], policyPath: options.policyPath };
  }

  /** Opens the store, creating the layout on first use. */
  static async open(options: OciImageStoreOptions): Promise<Result<OciImageStore>> {
    const data = resolve(options.dataDir);
    const images = join(data, 'images');
    const dirs = { data, layout: join(images, 'layout'), tmp: join(images, 'tmp') };
    const store = new OciImageStore(dirs, options);
    try {
      await mkdir(dirs.tmp, { recursive: true, mode: 0o700 });
      await mkdir(join(images, 'rootfs'), { recursive: true });
      const hasLayout = await stat(join(dirs.layout, 'index.json')).then(
        () => true,
        () => false,
      );
      if (!hasLayout) {
        await rm(dirs.layout, { recursive: true, force: true });
        const init = await runTool(store.exec, { command: 'umoci', args: ['init', '--layout', dirs.layout], code: ErrorCode.ImageStoreFailed, what: 'create image layout' });
        if (!init.ok) return init;
      }
    } catch (error) {
      return err(new CorralError(ErrorCode.ImageStoreFailed, `open image store in ${images}: ${(error as Error).message}`, { cause: error }));
    }
    return ok(store);
  }

  async pull(ref: string, options: PullOptions): Promise<Result<PulledImage>> {
    const source = parseImageRef(ref);
    if (!source.ok) return source;
    let reference = source.value.canonical;
    if (options.name !== undefined) {
      const name = parseImageRef(options.name);
      if (!name.ok) return name;
      if (name.value.transport !== 'docker') {
        return err(new CorralError(ErrorCode.ImageRefInvalid, `pull ${ref}: name ${JSON.stringify(options.name)} must be a registry reference`));
      }
      reference = name.value.canonical;
    }
    const request = { source: source.value, reference, id: randomBytes(8).toString('hex'), options };
    const pulled = await this.guard(
      () =>
        this.blobs.shared(async () => {
          const staged = await stagePull(this.pullContext, request);
          if (!staged.ok) return staged;
          try {
            const refName = encodeRefName(reference);
            const committed = await this.index.exclusive(() => commitPull(this.pullContext, { staged: staged.value, reference, refName }));
            return committed.ok ? ok({ reference, digest: staged.value.digest }) : committed;
          } finally {
            await rm(staged.value.dir, { recursive: true, force: true });
          }
        }),
      ErrorCode.ImagePullFailed,
    );
    if (pulled.ok) options.onProgress?.({ kind: 'done', reference, digest: pulled.value.digest });
    return pulled;
  }

  inspect(ref: string): Promise<Result<ImageRecord>> {
    return this.guard(() =>
      this.index.shared(async () => {
        const found = await this.find(ref);
        return found.ok ? this.record(found.value.reference, found.value.entry) : found;
      }),
    );
  }

  list(): Promise<Result<ImageRecord[]>> {
    return this.guard(() => this.index.shared(() => this.listLocked()));
  }

  imageConfig(ref: string): Promise<Result<ImageConfig>> {
    return this.guard(() =>
      this.index.shared(async () => {
        const found = await this.find(ref);
        return found.ok ? readImageConfig(this.dirs.layout, found.value.entry.digest) : found;
      }),
    );
  }

  unpack(ref: string, bundleDir: string, options: UnpackOptions = {}): Promise<Result<UnpackedRootfs>> {
    return this.guard(
      () =>
        this.index.shared(async () => {
          const found = await this.find(ref);
          if (!found.ok) return found;
          const { entry } = found.value;
          const tree = await this.rootfs.ensureTree(entry.refName, entry.digest);
          if (!tree.ok) return tree;
          const made = await this.rootfs.materialize(tree.value, bundleDir, options.strategy ?? 'auto');
          return made.ok ? ok({ ...made.value, digest: entry.digest }) : made;
        }),
      ErrorCode.ImageUnpackFailed,
    );
  }

  release(bundleDir: string): Promise<Result<void>> {
    return this.guard(() => this.rootfs.release(bundleDir));
  }

  remove(ref: string): Promise<Result<void>> {
    return this.guard(() =>
      this.index.exclusive(async () => {
        const found = await this.find(ref);
        if (!found.ok) return found;
        const untagged = await this.untag(found.value.entry.refName, `remove ${found.value.reference}`);
        return untagged.ok ? this.sweep() : untagged;
      }),
    );
  }

  gc(options: GcOptions): Promise<Result<GcReport>> {
    return this.guard(() => this.index.exclusive(() => this.gcLocked(options)));
  }

  private async gcLocked(options: GcOptions): Promise<Result<GcReport>> {
    const freeBytesBefore = await this.freeBytes(this.dirs.data);
    const removed: string[] = [];
    let free = freeBytesBefore;
    if (free < options.minFreeBytes) {
      const images = await this.listLocked();
      if (!images.ok) return images;
      const withUse = await Promise.all(images.value.map(async (i) => ({ ...i, lastUsed: await this.rootfs.lastUsed(i.digest) })));
      const candidates = gcCandidates(withUse, { inUse: options.inUse, mountedDigests: await this.rootfs.mountedDigests() });
      for (const image of candidates) {
        if (free >= options.minFreeBytes) break;
        const untagged = await this.untag(encodeRefName(image.reference), `remove ${image.reference}`);
        if (!untagged.ok) return untagged;
        removed.push(image.reference);
        const swept = await this.sweep();
        if (!swept.ok) return swept;
        free = await this.freeBytes(this.dirs.data);
      }
    }
    // Housekeeping whatever the disk: names that are not images, then blobs, trees and scratch files.
    const index = await readLayoutIndex(this.dirs.layout);
    if (!index.ok) return index;
    for (const entry of index.value) {
      if (decodeRefName(entry.refName) !== undefined) continue;
      const dropped = await this.untag(entry.refName, `drop ${entry.refName}`);
      if (!dropped.ok) return dropped;
    }
    const swept = await this.sweep();
    if (!swept.ok) return swept;
    await this.blobs.tryExclusive(async () => {
      // No pull is running: whatever is in the scratch dir was left by a crash.
      for (const name of await readdir(this.dirs.tmp)) await rm(join(this.dirs.tmp, name), { recursive: true, force: true });
    });
    return ok({ removed, freeBytesBefore, freeBytesAfter: await this.freeBytes(this.dirs.data) });
  }

  private async listLocked(): Promise<Result<ImageRecord[]>> {
    const index = await readLayoutIndex(this.dirs.layout);
    if (!index.ok) return index;
    const records: ImageRecord[] = [];
    for (const entry of index.value) {
      const reference = decodeRefName(entry.refName);
      if (reference === undefined) continue;
      const record = await this.record(reference, entry);
      if (!record.ok) return record;
      records.push(record.value);
    }
    records.sort((a, b) => (a.reference < b.reference ? -1 : a.reference > b.reference ? 1 : 0));
    return ok(records);
  }

  /**
   * `umoci gc` (unless a pull is under way: its blobs are not referenced yet), then drops unpacked
   * trees no stored image references. Under the exclusive index lock.
   */
  private async sweep(): Promise<Result<void>> {
    const gc = await this.blobs.tryExclusive(() =>
      runTool(this.exec, { command: 'umoci', args: ['gc', '--layout', this.dirs.layout], code: ErrorCode.ImageStoreFailed, what: 'collect unreferenced blobs' }),
    );
    if (gc.ran && !gc.value.ok) return gc.value;
    const index = await readLayoutIndex(this.dirs.layout);
    if (!index.ok) return index;
    await this.rootfs.prune(new Set(index.value.map((e) => e.digest)));
    return ok(undefined);
  }

  private async untag(refName: string, what: string): Promise<Result<void>> {
    const run = await runTool(this.exec, { command: 'umoci', args: ['rm', '--image', `${this.dirs.layout}:${refName}`], code: ErrorCode.ImageStoreFailed, what });
    return run.ok ? ok(undefined) : run;
  }

  /** Runs an operation, turning anything thrown (a full disk, a vanished file) into a Result error. */
  private async guard<T>(work: () => Promise<Result<T>>, code: ErrorCode = ErrorCode.ImageStoreFailed): Promise<Result<T>> {
    try {
      return await work();
    } catch (error) {
      return err(new CorralError(code, `image store: ${(error as Error).message}`, { cause: error }));
    }
  }

  private async find(ref: string): Promise<Result<{ reference: string; entry: LayoutEntry }>> {
    const parsed = parseImageRef(ref);
    if (!parsed.ok) return parsed;
    const reference = parsed.value.canonical;
    const index = await readLayoutIndex(this.dirs.layout);
    if (!index.ok) return index;
    const refName = encodeRefName(reference);
    const entry = index.value.find((e) => e.refName === refName);
    return entry ? ok({ reference, entry }) : notFound(reference);
  }

  private async record(reference: string, entry: LayoutEntry): Promise<Result<ImageRecord>> {
    const manifest = await readImageManifest(this.dirs.layout, entry.digest);
    return manifest.ok ? ok({ reference, digest: entry.digest, size: manifest.value.size }) : manifest;
  }
}
