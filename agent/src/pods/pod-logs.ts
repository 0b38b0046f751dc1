import { open, stat, truncate, copyFile } from 'node:fs/promises';

/** The last `tail` lines of a log file (all of it up to `maxBytes` from the end when no tail is given). */
export async function tailLines(path: string, options: { tail?: number; maxBytes?: number } = {}): Promise<{ lines: string[]; truncated: boolean }> {
  const maxBytes = options.maxBytes ?? 1024 * 1024;
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch {
    return { lines: [], truncated: false };
  }
  const start = Math.max(0, size - maxBytes);
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(size - start);
    await handle.read(buffer, 0, buffer.length, start);
    let lines = buffer.toString('utf8').split('\n');
    if (lines.at(-1) === '') lines.pop();
    if (start > 0) lines.shift(); // the first line was cut by the byte window
    const truncated = start > 0 || (options.tail !== undefined && lines.length > options.tail);
    if (options.tail !== undefined) lines = lines.slice(-options.tail);
    return { lines: lines.map((l) => l.slice(0, 16_384)), truncated };
  } finally {
    await handle.close();
  }
}

/**
 * Keeps a container log under `maxBytes` (SD cards are small): when it is
 * over, its content moves to `<path>.1` (replacing the previous one) and the
 * file is truncated in place — the container keeps appending to the same open
 * file (O_APPEND), so nothing has to be reopened. Returns whether it rotated.
 */
export async function rotateLog(path: string, maxBytes: number): Promise<boolean> {
  const size = await stat(path).then((s) => s.size, () => 0);
  if (size <= maxBytes) return false;
  await copyFile(path, `${path}.1`);
  await truncate(path, 0);
  return true;
}
