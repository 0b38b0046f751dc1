import { createHash } from 'node:crypto';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { CorralError, ErrorCode, type Result, err, ok } from '../../../../protocol/src/index.js';
import { parseImageRef } from '../../../../agent/src/images/image-ref.js';
import type {
  GcOptions,
  GcReport,
  ImageConfig,
  ImageRecord,
  ImageStore,
  Platform,
  PullOptions,
  PulledImage,
  UnpackOptions,
  UnpackedRootfs,
} from '../../../../agent/src/images/image-store.js';
import { gcCandidates } from '../../../../agent/src/images/gc-plan.js';
import { platformMatches } from '../../../../agent/src/images/oci-layout.js';

/** An image a `FakeImageStore` can "pull": its config and the files its rootfs gets. */
export interface FakeImage {
  platform?: Platform;
  config?: Partial<Omit<ImageConfig, 'platform'>>;
  /** Path inside the rootfs → content. */
  files?: Record<string, string>;
}

const DEFAULT_PLATFORM: Platform = { architecture: 'amd64', os: 'linux' };

interface Stored {
  reference: string;
  digest: string;
  image: FakeImage;
  lastUsed: number;
}

/**
 * In-memory `ImageStore` for tests of the code that uses one (reconciler driver, runtime): the
 * "registry" is a map from references (any spelling) to `FakeImage`s, and unpack writes the image's
 * files into the bundle. It passes image-store.contract.ts like the real store.
 */
export class FakeImageStore implements ImageStore {
  readonly pulls: string[] = [];
  private readonly registry = new Map<string, FakeImage>();
  private readonly stored = new Map<string, Stored>();
  private readonly bundles = new Set<string>();
  private clock = 0;

  constructor(
    registry: Record<string, FakeImage> = {},
    private readonly freeBytes: () => number = () => 1e12,
  ) {
    for (const [reference, image] of Object.entries(registry)) {
      const canonical = parseImageRef(reference);
      if (!canonical.ok) throw canonical.error;
      this.registry.set(canonical.value.canonical, image);
    }
  }

  async pull(ref: string, options: PullOptions): Promise<Result<PulledImage>> {
    const parsed = parseImageRef(ref);
    if (!parsed.ok) return parsed;
    let name = parsed.value.canonical;
    if (options.name !== undefined) {
      const renamed = parseImageRef(options.name);
      if (!renamed.ok) return renamed;
      name = renamed.value.canonical;
    }
    this.pulls.push(parsed.value.canonical);
    options.onProgress?.({ kind: 'started', reference: name, source: parsed.value.canonical });
    const image = this.registry.get(parsed.value.canonical);
    if (!image || options.signal?.aborted) return err(new CorralError(ErrorCode.ImagePullFailed, `pull ${name}: manifest unknown`));
    const platform = image.platform ?? DEFAULT_PLATFORM;
    if (!platformMatches(options.platform, platform)) return err(new CorralError(ErrorCode.ImagePlatformMismatch, `pull ${name}: wrong platform`));
    const digest = `sha256:${createHash('sha256').update(JSON.stringify(image)).digest('hex')}`;
    options.onProgress?.({ kind: 'config', digest });
    this.stored.set(name, { reference: name, digest, image, lastUsed: 0 });
    options.onProgress?.({ kind: 'done', reference: name, digest });
    return ok({ reference: name, digest });
  }

  async inspect(ref: string): Promise<Result<ImageRecord>> {
    const found = this.find(ref);
    return found.ok ? ok(this.record(found.value)) : found;
  }

  async list(): Promise<Result<ImageRecord[]>> {
    return ok([...this.stored.values()].map((s) => this.record(s)).sort((a, b) => a.reference.localeCompare(b.reference)));
  }

  async imageConfig(ref: string): Promise<Result<ImageConfig>> {
    const found = this.find(ref);
    if (!found.ok) return found;
    const c = found.value.image.config ?? {};
    return ok({
      entrypoint: c.entrypoint ?? [],
      cmd: c.cmd ?? ['sh'],
      env: c.env ?? ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
      workingDir: c.workingDir ?? '/',
      user: c.user ?? '',
      labels: c.labels ?? {},
      stopSignal: c.stopSignal,
      exposedPorts: c.exposedPorts ?? [],
      platform: found.value.image.platform ?? DEFAULT_PLATFORM,
    });
  }

  async unpack(ref: string, bundleDir: string, _options?: UnpackOptions): Promise<Result<UnpackedRootfs>> {
    const found = this.find(ref);
    if (!found.ok) return found;
    const rootfs = join(resolve(bundleDir), 'rootfs');
    await mkdir(rootfs, { recursive: true });
    if ((await readdir(rootfs)).length === 0) {
      for (const [path, content] of Object.entries(found.value.image.files ?? { 'bin/sh': '' })) {
        await mkdir(dirname(join(rootfs, path)), { recursive: true });
        await writeFile(join(rootfs, path), content);
      }
    }
    found.value.lastUsed = ++this.clock;
    this.bundles.add(rootfs);
    return ok({ rootfs, digest: found.value.digest, strategy: 'copy' });
  }

  async release(bundleDir: string): Promise<Result<void>> {
    const rootfs = join(resolve(bundleDir), 'rootfs');
    this.bundles.delete(rootfs);
    await rm(rootfs, { recursive: true, force: true });
    return ok(undefined);
  }

  async remove(ref: string): Promise<Result<void>> {
    const found = this.find(ref);
    if (!found.ok) return found;
    this.stored.delete(found.value.reference);
    return ok(undefined);
  }

  async gc(options: GcOptions): Promise<Result<GcReport>> {
    const before = this.freeBytes();
    const removed: string[] = [];
    if (before < options.minFreeBytes) {
      const candidates = gcCandidates([...this.stored.values()], { inUse: options.inUse, mountedDigests: new Set() });
      for (const c of candidates) {
        if (this.freeBytes() >= options.minFreeBytes) break;
        this.stored.delete(c.reference);
        removed.push(c.reference);
      }
    }
    return ok({ removed, freeBytesBefore: before, freeBytesAfter: this.freeBytes() });
  }

  private find(ref: string): Result<Stored> {
    const parsed = parseImageRef(ref);
    if (!parsed.ok) return parsed;
    const stored = this.stored.get(parsed.value.canonical);
    return stored ? ok(stored) : err(new CorralError(ErrorCode.ImageNotFound, `image ${parsed.value.canonical} is not on this node`));
  }

  private record(s: Stored): ImageRecord {
    const size = Object.values(s.image.files ?? {}).reduce((n, c) => n + c.length, 0);
    return { reference: s.reference, digest: s.digest, size };
  }
}
