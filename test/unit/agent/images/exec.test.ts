import assert from 'node:assert/strict';
import { test } from 'node:test';
import { spawnExec } from '../../../../agent/src/images/exec.js';

test('spawnExec returns exit code and output, and hands over complete lines as they come', async () => {
  const lines: Array<[string, string]> = [];
  const result = await spawnExec('sh', ['-c', 'printf "one\\ntwo\\r\\nthree"; printf "oops\\n" >&2; exit 3'], { onLine: (line, stream) => lines.push([line, stream]) });
  assert.equal(result.exitCode, 3);
  assert.equal(result.stdout, 'one\ntwo\r\nthree');
  assert.equal(result.stderr, 'oops\n');
  assert.deepEqual(
    lines.filter(([, s]) => s === 'stdout').map(([l]) => l),
    ['one', 'two', 'three'],
  );
  assert.deepEqual(lines.filter(([, s]) => s === 'stderr'), [['oops', 'stderr']]);
});

test('spawnExec reports a command that cannot start instead of rejecting', async () => {
  const result = await spawnExec('/nonexistent/corral-tool', []);
  assert.equal(result.exitCode, null);
  assert.match(result.spawnError ?? '', /ENOENT/);
});

test('spawnExec kills the command when the signal aborts', async () => {
  const controller = new AbortController();
  const running = spawnExec('sh', ['-c', 'echo started; exec sleep 30'], {
    signal: controller.signal,
    onLine: (line) => {
      if (line === 'started') controller.abort();
    },
  });
  const result = await running;
  assert.equal(result.signal, 'SIGTERM');
  assert.equal(result.exitCode, null);
});
