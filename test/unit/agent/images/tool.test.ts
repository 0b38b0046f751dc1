import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ErrorCode } from '../../../../protocol/src/index.js';
import type { Exec, ExecResult } from '../../../../agent/src/images/exec.js';
import { type ToolFailure, describeFailure, runTool, toolErrorMessage } from '../../../../agent/src/images/tool.js';

const done = (over: Partial<ExecResult>): ExecResult => ({ exitCode: 0, signal: null, stdout: '', stderr: '', ...over });

test("toolErrorMessage keeps skopeo's fatal message, unescaped", () => {
  const stderr = 'time="2026-01-01T00:00:00Z" level=warning msg="ignored"\ntime="2026-01-01T00:00:00Z" level=fatal msg="initializing source docker://r/b:nope: reading manifest nope in r/b: manifest unknown: \\"quoted\\""\n';
  assert.equal(toolErrorMessage(stderr), 'initializing source docker://r/b:nope: reading manifest nope in r/b: manifest unknown: "quoted"');
});

test("toolErrorMessage keeps umoci's ⨯ line", () => {
  assert.equal(toolErrorMessage('   • unpacking rootfs ...\n   ⨯ tag is not found: nope   \n'), 'tag is not found: nope');
});

test('toolErrorMessage falls back to the last lines and trims to the limit', () => {
  assert.equal(toolErrorMessage('a\n\nb\nc\nd\n'), 'b | c | d');
  assert.equal(toolErrorMessage('   \n'), 'no error output');
  const long = toolErrorMessage('x'.repeat(2000), 100);
  assert.equal(long.length, 100);
  assert.ok(long.endsWith('…'));
});

test('describeFailure names a missing tool, a signal, or the exit code', () => {
  assert.match(describeFailure('skopeo', done({ exitCode: null, spawnError: 'spawn skopeo ENOENT' })), /cannot run skopeo: spawn skopeo ENOENT/);
  assert.match(describeFailure('skopeo', done({ exitCode: null, signal: 'SIGTERM' })), /killed by SIGTERM/);
  assert.match(describeFailure('umoci', done({ exitCode: 1, stderr: '⨯ boom' })), /umoci exited 1: boom/);
});

test('runTool returns the result on exit 0 and a coded error with the stderr tail otherwise', async () => {
  const calls: Array<[string, readonly string[]]> = [];
  const exec: Exec = async (command, args) => {
    calls.push([command, args]);
    return args[0] === 'good' ? done({ stdout: 'out' }) : done({ exitCode: 2, stderr: 'level=fatal msg="no such image"' });
  };
  const good = await runTool(exec, { command: 'skopeo', args: ['good'], code: ErrorCode.ImagePullFailed, what: 'pull x' });
  assert.ok(good.ok);
  assert.equal(good.value.stdout, 'out');
  const bad = await runTool(exec, { command: 'skopeo', args: ['bad'], code: ErrorCode.ImagePullFailed, what: 'pull x' });
  assert.ok(!bad.ok);
  assert.equal(bad.error.code, ErrorCode.ImagePullFailed);
  assert.equal((bad.error.cause as ToolFailure).exitCode, 2);
  assert.equal((bad.error.cause as ToolFailure).stderr, 'level=fatal msg="no such image"');
  assert.deepEqual(calls, [['skopeo', ['good']], ['skopeo', ['bad']]]);
});
