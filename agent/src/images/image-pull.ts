import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CorralError, ErrorCode, type Result, err, ok } from '../../../protocol/src/index.js';
import type { Exec } from './exec.js';
import type { ImageRef } from './image-ref.js';
import type { PullOptions } from './image-store.js';
import { readImageConfig, readLayoutIndex } from './layout-files.js';
import { formatPlatform, platformMatches } from './oci-layout.js';
import { authFileContent, isInsecureRegistry, parseSkopeoProgress, skopeoCommitArgs, skopeoCopyArgs } from './skopeo.js';
import { runTool } from './tool.js';

/**
 * A pull in two steps, so that a long download does not stop the store's other work.
 *
 * 1. `stagePull` (under the layout's shared lock, alongside reads, unpacks and other downloads): skopeo
 *    copies the image into a private staging layout whose blobs go straight into the store layout's blob
 *    directory (`--dest-shared-blob-dir`): a blob already there is neither fetched nor written again,
 *    and one written by a concurrent download lands atomically (skopeo renames finished blobs into
 *    place). The staging layout holds only an index.json. Its platform is checked here.
 * 2. `commitPull` (under the exclusive lock, milliseconds): a local skopeo copy from the staging layout
 *    names the image in the store's index.json; every blob is present, so nothing is copied.
 * Between the two, the store keeps garbage collection from sweeping the staged blobs.
 */

const STAGED_NAME = 'image';

export interface PullContext {
  exec: Exec;
  layoutDir: string;
  /** Private (0700) scratch dir on the data dir's filesystem. */
  tmpDir: string;
  insecureRegistries: readonly string[];
  policyPath: string | undefined;
}

export interface StagedImage {
  /** `oci:<staging dir>:image` */
  source: string;
  dir: string;
  digest: string;
}

function pullFailed(reference: string, message: string, cause?: unknown): Result<never> {
  return err(new CorralError(ErrorCode.ImagePullFailed, `pull ${reference}: ${message}`, { cause }));
}

/** Downloads `source` for `reference` into a staging layout; see above. Removes the staging dir on failure. */
export async function stagePull(ctx: PullContext, request: { source: ImageRef; reference: string; id: string; options: PullOptions }): Promise<Result<StagedImage>> {
  const { source, reference, id, options } = request;
  const progress = options.onProgress ?? (() => undefined);
  const dir = join(ctx.tmpDir, `pull-${id}`);
  const authFile = options.auth && source.transport === 'docker' ? join(ctx.tmpDir, `auth-${id}.json`) : undefined;
  let staged = false;
  try {
    if (options.signal?.aborted) return pullFailed(reference, 'aborted before it started');
    await mkdir(dir, { recursive: true });
    if (authFile && options.auth && source.transport === 'docker') {
      await writeFile(authFile, authFileContent(source.registry, options.auth), { mode: 0o600 });
    }
    const args = skopeoCopyArgs(source, {
      platform: options.platform,
      destination: `oci:${dir}:${STAGED_NAME}`,
      sharedBlobDir: join(ctx.layoutDir, 'blobs'),
      insecure: source.transport === 'docker' && isInsecureRegistry(source.registry, { insecureRegistries: ctx.insecureRegistries, requested: options.insecure ?? false }),
      tmpDir: ctx.tmpDir,
      ...(authFile ? { authFile } : {}),
      ...(ctx.policyPath ? { policyPath: ctx.policyPath } : {}),
    });
    progress({ kind: 'started', reference, source: source.canonical });
    const copy = await runTool(ctx.exec, {
      command: 'skopeo',
      args,
      code: ErrorCode.ImagePullFailed,
      what: `pull ${reference}`,
      onLine: (line, stream) => {
        const event = stream === 'stdout' ? parseSkopeoProgress(line) : undefined;
        if (event) progress(event);
      },
      ...(options.signal ? { signal: options.signal } : {}),
    });
    if (!copy.ok) return copy;
    const index = await readLayoutIndex(dir);
    if (!index.ok) return pullFailed(reference, index.error.message, index.error);
    const entry = index.value.find((e) => e.refName === STAGED_NAME);
    if (!entry) return pullFailed(reference, 'skopeo left no image in the staging layout');
    const config = await readImageConfig(ctx.layoutDir, entry.digest);
    if (!config.ok) return pullFailed(reference, config.error.message, config.error);
    if (!platformMatches(options.platform, config.value.platform)) {
      const message = `pull ${reference}: image is for ${formatPlatform(config.value.platform)}, this node is ${formatPlatform(options.platform)}`;
      return err(new CorralError(ErrorCode.ImagePlatformMismatch, message));
    }
    staged = true;
    return ok({ source: `oci:${dir}:${STAGED_NAME}`, dir, digest: entry.digest });
  } catch (error) {
    return pullFailed(reference, (error as Error).message, error);
  } finally {
    if (authFile) await rm(authFile, { force: true }).catch(() => undefined);
    if (!staged) await rm(dir, { recursive: true, force: true }).catch(() => undefined);
  }
}

/** Names a staged image `refName` in the store's layout (replacing what had that name). */
export async function commitPull(ctx: PullContext, request: { staged: StagedImage; reference: string; refName: string }): Promise<Result<void>> {
  const args = skopeoCommitArgs({ staged: request.staged.source, sharedBlobDir: join(ctx.layoutDir, 'blobs'), destination: `oci:${ctx.layoutDir}:${request.refName}` });
  const run = await runTool(ctx.exec, { command: 'skopeo', args, code: ErrorCode.ImagePullFailed, what: `store ${request.reference}` });
  return run.ok ? ok(undefined) : run;
}
