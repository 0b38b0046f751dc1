import { randomBytes } from 'node:crypto';
import { link, open, readFile, rename, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';

/** Writes `data` to a new temp file beside `path` with `mode`, fsynced; returns the temp path. */
async function writeTemp(path: string, data: string, mode: number): Promise<string> {
  const temp = `${path}.tmp-${randomBytes(6).toString('hex')}`;
  const handle = await open(temp, 'wx', mode);
  try {
    await handle.chmod(mode); // the umask may have narrowed `mode` (never widened: 0600 stays 0600)
    await handle.writeFile(data, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  return temp;
}

/** Makes a rename or link into `dir` durable. */
async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Replaces `path` atomically and durably: an fsynced temp file beside it, with `mode` from the start, renamed over it. */
export async function writeFileAtomic(path: string, data: string, mode: number): Promise<void> {
  const temp = await writeTemp(path, data, mode);
  try {
    await rename(temp, path);
    await syncDir(dirname(path));
  } catch (error) {
    await unlink(temp).catch(() => {});
    throw error;
  }
}

/**
 * Creates `path` with `data` unless it already exists, and returns what `path` holds afterwards.
 * Atomic, durable and exclusive (a complete, fsynced temp file hard-linked into place): two racing
 * writers agree on one content.
 */
export async function createFileOnce(path: string, data: string, mode: number): Promise<string> {
  const existing = await readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  if (existing !== undefined) return existing;
  const temp = await writeTemp(path, data, mode);
  try {
    await link(temp, path);
    await syncDir(dirname(path));
    return data;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return readFile(path, 'utf8');
    throw error;
  } finally {
    await unlink(temp).catch(() => {});
  }
}
