import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { RuncRuntime, needsUnifiedCgroupHidden } from '../../../../agent/src/runtime/runc-runtime.js';
import type { CommandResult, CommandRunner } from '../../../../agent/src/runtime/runtime-command.js';
import { prctlSyscallNumber } from '../../../../agent/src/runtime/runtime-shim.js';
import { ErrorCode } from '../../../../protocol/src/index.js';

/** A runner that answers from a script and records every command line. */
function scripted(answer: (args: readonly string[]) => Partial<CommandResult>): { run: CommandRunner; calls: string[][] } {
  const calls: string[][] = [];
  return {
    calls,
    run: async (file, args) => {
      calls.push([file, ...args]);
      return { exitCode: 0, signal: null, stdout: '', stderr: '', ...answer(args) };
    },
  };
}

const code = (r: { ok: boolean; error?: { code: string } }) => (r.ok ? 'ok' : r.error?.code);

describe('RuncRuntime with a scripted runtime', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'corral-runc-unit-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  test('every command runs with Corral’s own --root', () => {
    const rt = new RuncRuntime({ binary: 'runc', stateDir: '/var/lib/corral/runtime/runc' });
    assert.deepEqual(rt.argv(['state', 'c1']), { file: 'runc', args: ['--root', '/var/lib/corral/runtime/runc/state', 'state', 'c1'] });
    assert.equal(rt.name, 'runc');
  });

  test('with the unified hierarchy hidden, commands run in a private mount namespace without it', () => {
    const rt = new RuncRuntime({ binary: '/usr/bin/crun', stateDir: '/s', hideUnifiedCgroup: true });
    const { file, args } = rt.argv(['kill', 'c1', '15']);
    assert.equal(file, 'unshare');
    assert.deepEqual(args.slice(0, 4), ['--mount', '--propagation', 'private', 'sh']);
    assert.match(args[5] ?? '', /umount -l \/sys\/fs\/cgroup\/unified/);
    assert.deepEqual(args.slice(7), ['/usr/bin/crun', '--root', '/s/state', 'kill', 'c1', '15']);
    assert.equal(rt.name, 'crun');
  });

  test('needsUnifiedCgroupHidden: only crun, only with controllers in the unified hierarchy', () => {
    assert.equal(needsUnifiedCgroupHidden('crun', 'hugetlb\n'), true);
    assert.equal(needsUnifiedCgroupHidden('/usr/local/bin/crun', 'memory pids'), true);
    assert.equal(needsUnifiedCgroupHidden('crun', '\n'), false);
    assert.equal(needsUnifiedCgroupHidden('crun', undefined), false);
    assert.equal(needsUnifiedCgroupHidden('runc', 'hugetlb'), false);
  });

  test('state maps the runtime’s JSON; paused reads as running', async () => {
    const created = '2026-01-02T03:04:05.5Z';
    const { run } = scripted(() => ({ stdout: JSON.stringify({ id: 'c1', pid: 42, status: 'paused', bundle: '/b', created }) }));
    const rt = new RuncRuntime({ binary: 'runc', stateDir: join(dir, 'a'), run });
    const state = await rt.state('c1');
    assert.deepEqual(state.ok && state.value, { id: 'c1', status: 'running', pid: 42, bundle: '/b', createdAt: Date.parse(created) });
  });

  test('state: garbage output or an unknown status is CORRAL_RUNTIME_STATE_FAILED', async () => {
    const garbage = new RuncRuntime({ binary: 'runc', stateDir: join(dir, 'b'), run: scripted(() => ({ stdout: 'not json' })).run });
    assert.equal(code(await garbage.state('c1')), ErrorCode.RuntimeStateFailed);
    const odd = new RuncRuntime({ binary: 'runc', stateDir: join(dir, 'b'), run: scripted(() => ({ stdout: '{"status":"exploded"}' })).run });
    assert.equal(code(await odd.state('c1')), ErrorCode.RuntimeStateFailed);
  });

  test('state: unknown to the runtime and without shim files is no container', async () => {
    const rt = new RuncRuntime({ binary: 'runc', stateDir: join(dir, 'c'), run: scripted(() => ({ exitCode: 1, stderr: 'container does not exist' })).run });
    const state = await rt.state('c1');
    assert.ok(state.ok && state.value === undefined);
  });

  test('state: a failing runtime for a container it knows is CORRAL_RUNTIME_STATE_FAILED', async () => {
    const stateDir = join(dir, 'd');
    await mkdir(join(stateDir, 'state', 'c1'), { recursive: true });
    const rt = new RuncRuntime({ binary: 'runc', stateDir, run: scripted(() => ({ exitCode: 1, stderr: 'permission denied' })).run });
    assert.equal(code(await rt.state('c1')), ErrorCode.RuntimeStateFailed);
  });

  test('state: a stopped container carries the exit code the shim wrote, and its times', async () => {
    const stateDir = join(dir, 'e');
    const shim = join(stateDir, 'shims', 'c1');
    await mkdir(shim, { recursive: true });
    await writeFile(join(shim, 'exit'), '137\n');
    await writeFile(join(shim, 'started'), '1\n');
    const { run } = scripted(() => ({ stdout: JSON.stringify({ pid: 0, status: 'stopped', bundle: '/b' }) }));
    const state = await new RuncRuntime({ binary: 'runc', stateDir, run }).state('c1');
    assert.ok(state.ok && state.value);
    assert.equal(state.value.status, 'stopped');
    assert.equal(state.value.exitCode, 137);
    assert.ok(typeof state.value.finishedAt === 'number' && typeof state.value.startedAt === 'number');
  });

  test('state: when the runtime forgot a container its shim still records, it is stopped with that record', async () => {
    const stateDir = join(dir, 'f');
    const shim = join(stateDir, 'shims', 'c1');
    await mkdir(shim, { recursive: true });
    await writeFile(join(shim, 'exit'), '3\n');
    await writeFile(join(shim, 'bundle'), '/bundles/c1');
    const rt = new RuncRuntime({ binary: 'runc', stateDir, run: scripted(() => ({ exitCode: 1 })).run });
    const state = await rt.state('c1');
    assert.ok(state.ok && state.value);
    assert.deepEqual([state.value.status, state.value.pid, state.value.bundle, state.value.exitCode], ['stopped', 0, '/bundles/c1', 3]);
    const listed = await rt.list();
    assert.deepEqual(listed.ok && listed.value.map((c) => c.id), ['c1']);
  });

  test('kill passes the signal number; an unknown signal is refused before running anything', async () => {
    const { run, calls } = scripted(() => ({}));
    const rt = new RuncRuntime({ binary: 'runc', stateDir: join(dir, 'g'), run });
    assert.ok((await rt.kill('c1', 'SIGTERM')).ok);
    assert.ok((await rt.kill('c1', 9)).ok);
    assert.deepEqual(calls.map((c) => c.slice(3)), [['kill', 'c1', '15'], ['kill', 'c1', '9']]);
    assert.equal(code(await rt.kill('c1', 'SIGNOPE' as NodeJS.Signals)), ErrorCode.RuntimeKillFailed);
    assert.equal(code(await rt.kill('c1', 0)), ErrorCode.RuntimeKillFailed);
    assert.equal(calls.length, 2);
  });

  test('ids runc would refuse are refused by every method without running the runtime', async () => {
    const { run, calls } = scripted(() => ({}));
    const rt = new RuncRuntime({ binary: 'runc', stateDir: join(dir, 'h'), run });
    for (const id of ['', '../x', 'a/b', 'a b', 'x'.repeat(129)]) {
      assert.equal(code(await rt.create(id, { bundle: '/b', stdoutPath: '/o', stderrPath: '/e' })), ErrorCode.RuntimeContainerIdInvalid);
      assert.equal(code(await rt.start(id)), ErrorCode.RuntimeContainerIdInvalid);
      assert.equal(code(await rt.state(id)), ErrorCode.RuntimeContainerIdInvalid);
      assert.equal(code(await rt.kill(id, 'SIGKILL')), ErrorCode.RuntimeContainerIdInvalid);
      assert.equal(code(await rt.delete(id)), ErrorCode.RuntimeContainerIdInvalid);
      assert.equal(code(await rt.exec(id, { argv: ['true'], timeoutMs: 100 })), ErrorCode.RuntimeContainerIdInvalid);
    }
    assert.equal(calls.length, 0);
  });

  test('create: no shim for the architecture, no perl, or no config.json', async () => {
    const bundle = join(dir, 'bundle');
    await mkdir(bundle, { recursive: true });
    await writeFile(join(bundle, 'config.json'), '{}');
    const logs = { stdoutPath: join(dir, 'logs/o'), stderrPath: join(dir, 'logs/e') };
    const sparc = new RuncRuntime({ binary: 'runc', stateDir: join(dir, 'i'), arch: 'sparc', run: scripted(() => ({})).run });
    assert.equal(code(await sparc.create('c1', { bundle, ...logs })), ErrorCode.RuntimeUnavailable);
    const noPerl = new RuncRuntime({ binary: 'runc', stateDir: join(dir, 'j'), perl: '/nonexistent/perl', run: scripted(() => ({ exitCode: 1 })).run });
    assert.equal(code(await noPerl.create('c1', { bundle, ...logs })), ErrorCode.RuntimeUnavailable);
    assert.equal(code(await noPerl.state('c1')), 'ok', 'a failed create leaves nothing behind');
    assert.equal(code(await noPerl.create('c1', { bundle: join(dir, 'nothing'), ...logs })), ErrorCode.RuntimeCreateFailed);
  });

  test('a runtime binary that cannot be run is CORRAL_RUNTIME_UNAVAILABLE, never "no such container"', async () => {
    const missing = new RuncRuntime({ binary: '/nonexistent/runc', stateDir: join(dir, 'm') });
    assert.equal(code(await missing.state('c1')), ErrorCode.RuntimeUnavailable);
    assert.equal(code(await missing.start('c1')), ErrorCode.RuntimeUnavailable);
    assert.equal(code(await missing.kill('c1', 'SIGTERM')), ErrorCode.RuntimeUnavailable);
    const bundle = join(dir, 'bundle-m');
    await mkdir(bundle, { recursive: true });
    await writeFile(join(bundle, 'config.json'), '{}');
    // create goes through the real perl shim, which reports that it could not run the runtime.
    assert.equal(code(await missing.create('c1', { bundle, stdoutPath: join(bundle, 'o'), stderrPath: join(bundle, 'e') })), ErrorCode.RuntimeUnavailable);
  });

  test('exec refuses an empty command and a container that is not running', async () => {
    const created = new RuncRuntime({ binary: 'runc', stateDir: join(dir, 'k'), run: scripted(() => ({ stdout: '{"status":"created","pid":5}' })).run });
    assert.equal(code(await created.exec('c1', { argv: [], timeoutMs: 100 })), ErrorCode.RuntimeExecFailed);
    assert.equal(code(await created.exec('c1', { argv: ['true'], timeoutMs: 100 })), ErrorCode.RuntimeExecFailed);
    const none = new RuncRuntime({ binary: 'runc', stateDir: join(dir, 'k'), run: scripted(() => ({ exitCode: 1 })).run });
    assert.equal(code(await none.exec('c1', { argv: ['true'], timeoutMs: 100 })), ErrorCode.RuntimeContainerNotFound);
  });

  test('delete of a container nobody knows is CORRAL_RUNTIME_CONTAINER_NOT_FOUND', async () => {
    const rt = new RuncRuntime({ binary: 'runc', stateDir: join(dir, 'l'), run: scripted(() => ({ exitCode: 1 })).run });
    assert.equal(code(await rt.delete('c1', { force: true })), ErrorCode.RuntimeContainerNotFound);
  });
});

test('prctlSyscallNumber knows the architectures Node runs on at the edge', () => {
  assert.equal(prctlSyscallNumber('x64'), 157);
  assert.equal(prctlSyscallNumber('arm64'), 167);
  assert.equal(prctlSyscallNumber('arm'), 172);
  assert.equal(prctlSyscallNumber('riscv64'), 167);
  assert.equal(prctlSyscallNumber('sparc'), undefined);
});
