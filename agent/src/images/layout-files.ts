import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CorralError, ErrorCode, type Result, err, ok } from '../../../protocol/src/index.js';
import { type ImageConfig, type ImageManifest, type LayoutEntry, blobPath, parseImageConfig, parseLayoutIndex, parseManifest } from './oci-layout.js';

/** Reads an OCI layout's documents from disk, each validated on the way in (oci-layout.ts). */

function storeFailed(message: string, cause?: unknown): Result<never> {
  return err(new CorralError(ErrorCode.ImageStoreFailed, message, { cause }));
}

async function readText(path: string): Promise<Result<string>> {
  try {
    return ok(await readFile(path, 'utf8'));
  } catch (error) {
    return storeFailed(`read ${path}: ${(error as Error).message}`, error);
  }
}

export async function readLayoutIndex(layoutDir: string): Promise<Result<LayoutEntry[]>> {
  const text = await readText(join(layoutDir, 'index.json'));
  return text.ok ? parseLayoutIndex(text.value) : text;
}

export async function readImageManifest(layoutDir: string, digest: string): Promise<Result<ImageManifest>> {
  const text = await readText(blobPath(layoutDir, digest));
  return text.ok ? parseManifest(text.value) : text;
}

/** The config of the image whose manifest is `manifestDigest`. */
export async function readImageConfig(layoutDir: string, manifestDigest: string): Promise<Result<ImageConfig>> {
  const manifest = await readImageManifest(layoutDir, manifestDigest);
  if (!manifest.ok) return manifest;
  const text = await readText(blobPath(layoutDir, manifest.value.configDigest));
  return text.ok ? parseImageConfig(text.value) : text;
}
