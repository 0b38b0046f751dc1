import { canonicalImageRef } from './image-ref.js';

/** An image as garbage collection sees it. */
export interface GcImage {
  reference: string;
  digest: string;
  /** When a container was last unpacked from it (ms since the epoch); 0 when never. */
  lastUsed: number;
}

export interface GcInputs {
  /** Images pods use, as their specs spell them (`busybox:1`) or as digests (`sha256:…`). */
  inUse: ReadonlySet<string>;
  /** Digests whose unpacked tree is a live overlay lower layer: in use whatever the pods say. */
  mountedDigests: ReadonlySet<string>;
}

const DIGEST = /^sha(?:256|512):[a-f0-9]+$/;

/**
 * The images garbage collection may remove, least recently used first. An image is kept when a pod
 * names it, or when any image a pod names (or a mounted rootfs) has the same digest: removing an alias
 * of a used image frees nothing. Pure.
 */
export function gcCandidates(images: readonly GcImage[], inputs: GcInputs): GcImage[] {
  const usedRefs = new Set<string>();
  const usedDigests = new Set<string>(inputs.mountedDigests);
  for (const entry of inputs.inUse) {
    if (DIGEST.test(entry)) {
      usedDigests.add(entry);
      continue;
    }
    const canonical = canonicalImageRef(entry);
    if (canonical.ok) usedRefs.add(canonical.value);
  }
  for (const image of images) if (usedRefs.has(image.reference)) usedDigests.add(image.digest);
  return images
    .filter((image) => !usedDigests.has(image.digest))
    .sort((a, b) => a.lastUsed - b.lastUsed || (a.reference < b.reference ? -1 : a.reference > b.reference ? 1 : 0));
}
