import { z } from 'zod';
import { CorralError, ErrorCode, type Result, err, formatPath, ok } from '../../../protocol/src/index.js';
import type { Platform } from './skopeo.js';

/**
 * The parts of the OCI image-layout and image-spec documents the store reads, validated once when read
 * (index.json, a manifest, an image config). Pure: callers hand in the file text.
 */

export const REF_NAME_ANNOTATION = 'org.opencontainers.image.ref.name';
const MANIFEST_TYPES = ['application/vnd.oci.image.manifest.v1+json', 'application/vnd.docker.distribution.manifest.v2+json'];

const Digest = z.string().regex(/^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/, 'must be algorithm:hex');

const Descriptor = z.object({
  mediaType: z.string(),
  digest: Digest,
  size: z.number().int().nonnegative(),
  annotations: z.record(z.string(), z.string()).optional(),
  platform: z.object({ architecture: z.string(), os: z.string(), variant: z.string().optional() }).optional(),
});

/** umoci writes `"manifests": null` for an empty layout. */
const LayoutIndex = z.object({ schemaVersion: z.literal(2), manifests: z.array(Descriptor).nullish().transform((v) => v ?? []) });

const Manifest = z.object({ schemaVersion: z.literal(2), mediaType: z.string().optional(), config: Descriptor, layers: z.array(Descriptor) });

const stringList = z.array(z.string()).nullish().transform((v) => v ?? []);
const ConfigBlob = z.object({
  architecture: z.string(),
  os: z.string(),
  variant: z.string().optional(),
  config: z
    .object({
      User: z.string().nullish(),
      Env: stringList,
      Entrypoint: stringList,
      Cmd: stringList,
      WorkingDir: z.string().nullish(),
      Labels: z.record(z.string(), z.string()).nullish(),
      StopSignal: z.string().nullish(),
      ExposedPorts: z.record(z.string(), z.unknown()).nullish(),
    })
    .nullish(),
});

/** A named image in the layout. */
export interface LayoutEntry {
  refName: string;
  digest: string;
  mediaType: string;
}

export interface ImageManifest {
  configDigest: string;
  layers: Array<{ digest: string; size: number; mediaType: string }>;
  /** Config plus layers, compressed, in bytes: what the image costs in the layout's blob store. */
  size: number;
}

/** What a container's process is built from: the image config's defaults. */
export interface ImageConfig {
  entrypoint: string[];
  cmd: string[];
  env: string[];
  /** `/` when the image sets none. */
  workingDir: string;
  /** `user`, `uid`, `user:group` or `uid:gid` as the image spells it; empty means root. */
  user: string;
  labels: Record<string, string>;
  stopSignal: string | undefined;
  exposedPorts: string[];
  platform: Platform;
}

function parseJson<T>(what: string, text: string, schema: z.ZodType<T>): Result<T> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return err(new CorralError(ErrorCode.ImageStoreFailed, `${what}: not JSON: ${(error as Error).message}`, { cause: error }));
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = formatPath(issue?.path ?? []);
    return err(new CorralError(ErrorCode.ImageStoreFailed, `${what}: ${path}: ${issue?.message ?? 'invalid'}`, { path }));
  }
  return ok(parsed.data);
}

/** The named images of a layout's index.json, in file order; unnamed descriptors are skipped. */
export function parseLayoutIndex(text: string): Result<LayoutEntry[]> {
  const parsed = parseJson('index.json', text, LayoutIndex);
  if (!parsed.ok) return parsed;
  const entries: LayoutEntry[] = [];
  for (const d of parsed.value.manifests) {
    const refName = d.annotations?.[REF_NAME_ANNOTATION];
    if (refName !== undefined) entries.push({ refName, digest: d.digest, mediaType: d.mediaType });
  }
  return ok(entries);
}

export function parseManifest(text: string): Result<ImageManifest> {
  const parsed = parseJson('image manifest', text, Manifest);
  if (!parsed.ok) return parsed;
  const m = parsed.value;
  if (m.mediaType !== undefined && !MANIFEST_TYPES.includes(m.mediaType)) {
    return err(new CorralError(ErrorCode.ImageStoreFailed, `image manifest: unsupported media type ${m.mediaType}`, { path: 'mediaType' }));
  }
  const layers = m.layers.map((l) => ({ digest: l.digest, size: l.size, mediaType: l.mediaType }));
  return ok({ configDigest: m.config.digest, layers, size: m.config.size + layers.reduce((sum, l) => sum + l.size, 0) });
}

export function parseImageConfig(text: string): Result<ImageConfig> {
  const parsed = parseJson('image config', text, ConfigBlob);
  if (!parsed.ok) return parsed;
  const blob = parsed.value;
  const c = blob.config ?? undefined;
  return ok({
    entrypoint: c?.Entrypoint ?? [],
    cmd: c?.Cmd ?? [],
    env: c?.Env ?? [],
    workingDir: c?.WorkingDir || '/',
    user: c?.User ?? '',
    labels: c?.Labels ?? {},
    stopSignal: c?.StopSignal ?? undefined,
    exposedPorts: Object.keys(c?.ExposedPorts ?? {}),
    platform: { architecture: blob.architecture, os: blob.os, ...(blob.variant ? { variant: blob.variant } : {}) },
  });
}

/** Path of a blob inside a layout directory. */
export function blobPath(layoutDir: string, digest: string): string {
  const [algorithm, hex] = digest.split(':');
  return `${layoutDir}/blobs/${algorithm}/${hex}`;
}

/**
 * Whether an image built for `image` runs on a node of `node`. Variants are compared only when both
 * sides name one (many single-platform images omit it). Pure.
 */
export function platformMatches(node: Platform, image: Platform): boolean {
  if (node.os !== image.os || node.architecture !== image.architecture) return false;
  return node.variant === undefined || image.variant === undefined || node.variant === image.variant;
}

/** `linux/arm/v7`, as platforms are usually written. Pure. */
export function formatPlatform(platform: Platform): string {
  return `${platform.os}/${platform.architecture}${platform.variant ? `/${platform.variant}` : ''}`;
}
