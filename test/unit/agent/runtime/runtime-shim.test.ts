import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseExitFile, parseShimReport, shimFiles } from '../../../../agent/src/runtime/runtime-shim.js';

test('parseShimReport reads "created <pid>" and "failed <reason>"', () => {
  assert.deepEqual(parseShimReport('created 4242\n'), { created: true, pid: 4242 });
  assert.deepEqual(parseShimReport('failed runtime exit 1\n'), { created: false, reason: 'runtime exit 1' });
  assert.deepEqual(parseShimReport(''), { created: false, reason: 'the shim exited without a report' });
  assert.equal(parseShimReport('Can’t locate Fcntl.pm').created, false);
});

test('parseExitFile accepts exit statuses only', () => {
  assert.equal(parseExitFile('143\n'), 143);
  assert.equal(parseExitFile('0'), 0);
  assert.equal(parseExitFile(undefined), undefined);
  assert.equal(parseExitFile(''), undefined);
  assert.equal(parseExitFile('12a'), undefined);
  assert.equal(parseExitFile('1234'), undefined);
});

test('shimFiles keeps everything of one container in its directory', () => {
  const files = shimFiles('/data/runtime/runc/shims/c1');
  for (const path of Object.values(files)) assert.ok(path.startsWith('/data/runtime/runc/shims/c1'));
});
