import assert from 'node:assert/strict';
import { appendFile, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { rotateLog, tailLines } from '../../../../agent/src/pods/pod-logs.js';

async function withDir(run: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'corral-logs-'));
  try {
    await run(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('tailLines returns the last lines, and nothing for a missing file', async () => {
  await withDir(async (dir) => {
    const file = join(dir, 'c.log');
    await writeFile(file, Array.from({ length: 100 }, (_, i) => `line ${i}`).join('\n') + '\n');
    assert.deepEqual(await tailLines(file, { tail: 3 }), { lines: ['line 97', 'line 98', 'line 99'], truncated: true });
    assert.equal((await tailLines(file)).lines.length, 100);
    assert.deepEqual(await tailLines(join(dir, 'none.log')), { lines: [], truncated: false });
  });
});

test('tailLines reads only a window from the end of a large file and drops the cut first line', async () => {
  await withDir(async (dir) => {
    const file = join(dir, 'c.log');
    await writeFile(file, 'x'.repeat(5000) + '\nlast line\n');
    assert.deepEqual(await tailLines(file, { maxBytes: 100 }), { lines: ['last line'], truncated: true });
  });
});

test('rotateLog moves an oversized log aside and truncates it in place, so an open appender keeps writing', async () => {
  await withDir(async (dir) => {
    const file = join(dir, 'c.log');
    const writer = await open(file, 'a');
    await writer.write('a'.repeat(2000) + '\n');
    assert.equal(await rotateLog(file, 1000), true);
    assert.equal((await stat(file)).size, 0);
    assert.equal((await readFile(`${file}.1`, 'utf8')).length, 2001);
    await writer.write('after rotation\n');
    await writer.close();
    assert.equal(await readFile(file, 'utf8'), 'after rotation\n');
    assert.equal(await rotateLog(file, 1000), false);
    await appendFile(file, 'b'.repeat(10));
  });
});
