import { randomBytes } from 'node:crypto';
import { chmod, link, readFile, rename, unlink, writeFile } from 'node:fs/promises';

function tempPath(path: string): string {
  return `${path}.tmp-${randomBytes(6).toString('hex')}`;
}

/** Replaces `path` atomically: a temp file beside it, with `mode` from the start, renamed over it. */
export async function writeFileAtomic(path: string, data: string, mode: number): Promise<void> {
  const temp = tempPath(path);
  try {
    await writeFile(temp, data, { mode, flag: 'wx' });
    await chmod(temp, mode);
    await rename(temp, path);
  } catch (error) {
    await unlink(temp).catch(() => {});
    throw error;
  }
}

/**
 * Creates `path` with `data` unless it already exists, and returns what `path` holds afterwards.
 * Atomic and exclusive (a complete temp file hard-linked into place): two racing writers agree on one content.
 */
export async function createFileOnce(path: string, data: string, mode: number): Promise<string> {
  const existing = await readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  if (existing !== undefined) return existing;
  const temp = tempPath(path);
  try {
    await writeFile(temp, data, { mode, flag: 'wx' });
    await chmod(temp, mode);
    await link(temp, path);
    return data;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return readFile(path, 'utf8');
    throw error;
  } finally {
    await unlink(temp).catch(() => {});
  }
}
