import type { Result } from '../../../protocol/src/index.js';
import type { ImageConfig } from './oci-layout.js';
import type { Platform, PullProgress, RegistryAuth } from './skopeo.js';

export type { ImageConfig } from './oci-layout.js';
export type { Platform, PullProgress, RegistryAuth } from './skopeo.js';

export interface PullOptions {
  /** The node's platform; an image index resolves to its matching manifest. */
  platform: Platform;
  /** Plain HTTP / unverified TLS for this pull, on top of the store's insecure-registry list. */
  insecure?: boolean;
  auth?: RegistryAuth;
  onProgress?: (event: PullProgress) => void;
  /** Aborting stops the pull; it then fails with CORRAL_IMAGE_PULL_FAILED and stores nothing. */
  signal?: AbortSignal;
  /**
   * Store the image under this registry-style reference instead of its source. Lets a side-loaded
   * archive stand in for the name pods use (`oci-archive:/media/usb/app.tar` as `registry.lan/app:3`).
   */
  name?: string;
}

export interface PulledImage {
  /** The canonical reference it is stored under (`docker.io/library/busybox:1`). */
  reference: string;
  /**
   * Digest of the image manifest as stored: the node's platform manifest when the source was an index.
   * Equals the registry's digest unless skopeo converted a Docker v2 manifest to OCI on the way in.
   */
  digest: string;
}

export interface ImageRecord {
  reference: string;
  digest: string;
  /** Compressed size of its config and layers, in bytes (blobs shared with other images counted in each). */
  size: number;
}

export type UnpackStrategy = 'overlay' | 'copy';

export interface UnpackOptions {
  /** `auto` (default): overlay when the kernel and filesystem allow it, else a copy. */
  strategy?: 'auto' | UnpackStrategy;
}

export interface UnpackedRootfs {
  /** `<bundleDir>/rootfs`, writable by the container, the image's files underneath. */
  rootfs: string;
  digest: string;
  strategy: UnpackStrategy;
}

export interface GcOptions {
  /** Images pods use, as their specs spell them or as digests; never removed. */
  inUse: ReadonlySet<string>;
  /** Images are removed, least recently used first, only while the data dir has less free space than this. */
  minFreeBytes: number;
}

export interface GcReport {
  removed: string[];
  freeBytesBefore: number;
  freeBytesAfter: number;
}

/**
 * The node's images: fetched from registries or side-loaded from archives, kept once (blobs shared
 * between images), and turned into container root filesystems. Every failure is a `Result` error with a
 * stable code (CORRAL_IMAGE_REF_INVALID, …_PULL_FAILED, …_PLATFORM_MISMATCH, …_NOT_FOUND,
 * …_UNPACK_FAILED, …_STORE_FAILED); no method rejects.
 */
export interface ImageStore {
  /** Fetches an image (registry reference or side-load source) and stores it under its canonical reference. */
  pull(ref: string, options: PullOptions): Promise<Result<PulledImage>>;
  /** The stored image a reference names; CORRAL_IMAGE_NOT_FOUND when it is not here. */
  inspect(ref: string): Promise<Result<ImageRecord>>;
  list(): Promise<Result<ImageRecord[]>>;
  /** Entrypoint, Cmd, Env, WorkingDir, User… from the image's config blob. */
  imageConfig(ref: string): Promise<Result<ImageConfig>>;
  /**
   * Gives `bundleDir` a `rootfs/` with the image's files. Idempotent: a bundle whose rootfs exists is
   * reused with its contents (a container's writes survive an agent or node restart). Writes no
   * config.json: callers generate the runtime spec from `imageConfig`.
   */
  unpack(ref: string, bundleDir: string, options?: UnpackOptions): Promise<Result<UnpackedRootfs>>;
  /** Undoes `unpack`: unmounts the rootfs and deletes what unpack made. Call it before deleting a bundle. */
  release(bundleDir: string): Promise<Result<void>>;
  /** Forgets a reference; its blobs go when no other image uses them. */
  remove(ref: string): Promise<Result<void>>;
  /** Removes unused images while disk is short, then unreferenced blobs, rootfs trees and leftovers. */
  gc(options: GcOptions): Promise<Result<GcReport>>;
}
