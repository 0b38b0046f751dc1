export type {
  GcOptions,
  GcReport,
  ImageConfig,
  ImageRecord,
  ImageStore,
  Platform,
  PullOptions,
  PullProgress,
  PulledImage,
  RegistryAuth,
  UnpackOptions,
  UnpackStrategy,
  UnpackedRootfs,
} from './image-store.js';
export { type ImageRef, type LocalImageRef, type RegistryImageRef, canonicalImageRef, parseImageRef } from './image-ref.js';
export { OciImageStore, type OciImageStoreOptions } from './oci-image-store.js';
export { type Exec, type ExecOptions, type ExecResult, spawnExec } from './exec.js';
