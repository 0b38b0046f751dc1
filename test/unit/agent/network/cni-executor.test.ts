import assert from 'node:assert/strict';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { BinaryCniExecutor, type CniInvocation, CniPluginError } from '../../../../agent/src/network/cni-executor.js';
import { type CommandOptions, type CommandResult, spawnCommand } from '../../../../agent/src/network/command-runner.js';

let empty: string;
let bin: string;

before(async () => {
  empty = await mkdtemp(join(tmpdir(), 'corral-cni-empty-'));
  bin = await mkdtemp(join(tmpdir(), 'corral-cni-bin-'));
  const plugins: Record<string, string> = {
    // Echoes its parameters and stdin back as a "result".
    echo: 'printf \'{"cniVersion":"1.0.0","env":"%s %s %s %s %s","stdin":%s}\' "$CNI_COMMAND" "$CNI_CONTAINERID" "$CNI_NETNS" "$CNI_IFNAME" "$CNI_PATH" "$(cat)"',
    refuse: 'cat >/dev/null; echo \'{"cniVersion":"1.0.0","code":7,"msg":"invalid network config","details":"no bridge"}\'; exit 1',
    crash: 'cat >/dev/null; echo "panic: runtime error" >&2; exit 2',
    hang: 'exec sleep 30',
    leak: 'cat >/dev/null; printf "%s" "${CNI_ARGS:-none} ${HOME:-none}"',
  };
  for (const [name, body] of Object.entries(plugins)) {
    await writeFile(join(bin, name), `#!/bin/sh\n${body}\n`);
    await chmod(join(bin, name), 0o755);
  }
  await writeFile(join(bin, 'not-executable'), '#!/bin/sh\n');
});

after(async () => {
  await rm(empty, { recursive: true, force: true });
  await rm(bin, { recursive: true, force: true });
});

const invocation = (type: string, command: CniInvocation['command'] = 'ADD'): CniInvocation => ({
  command,
  containerId: 'pod-1',
  netnsPath: '/var/run/netns/corral-abc',
  ifName: 'eth0',
  config: { type, cniVersion: '1.0.0', name: 'corral' },
});

test('BinaryCniExecutor passes CNI_* parameters and the configuration on stdin, searching CNI_PATH in order', async () => {
  const executor = new BinaryCniExecutor({ cniPath: [empty, bin], run: spawnCommand });
  const out = await executor.invoke(invocation('echo'));
  assert.ok(out.ok, out.ok ? '' : out.error.message);
  const result = JSON.parse(out.value) as { env: string; stdin: unknown };
  assert.equal(result.env, `ADD pod-1 /var/run/netns/corral-abc eth0 ${empty}:${bin}`);
  assert.deepEqual(result.stdin, { type: 'echo', cniVersion: '1.0.0', name: 'corral' });
});

test('BinaryCniExecutor answers "" for DEL and CHECK', async () => {
  const executor = new BinaryCniExecutor({ cniPath: [bin], run: spawnCommand });
  assert.deepEqual(await executor.invoke(invocation('echo', 'DEL')), { ok: true, value: '' });
  assert.deepEqual(await executor.invoke(invocation('echo', 'CHECK')), { ok: true, value: '' });
});

test('BinaryCniExecutor gives plugins a clean environment', async () => {
  let seen: CommandOptions | undefined;
  const run = async (_file: string, _args: ReadonlyArray<string>, options?: CommandOptions): Promise<CommandResult> => {
    seen = options;
    return { exitCode: 0, signal: null, stdout: '{}', stderr: '' };
  };
  await new BinaryCniExecutor({ cniPath: [bin], run, path: '/usr/sbin:/usr/bin' }).invoke(invocation('leak'));
  assert.deepEqual(Object.keys(seen?.env ?? {}).sort(), ['CNI_COMMAND', 'CNI_CONTAINERID', 'CNI_IFNAME', 'CNI_NETNS', 'CNI_PATH', 'PATH']);
  assert.equal(seen?.env?.PATH, '/usr/sbin:/usr/bin');
  const real = await new BinaryCniExecutor({ cniPath: [bin], run: spawnCommand }).invoke(invocation('leak'));
  assert.deepEqual(real, { ok: true, value: 'none none' });
});

test('BinaryCniExecutor turns a CNI error document into CORRAL_NETWORK_PLUGIN_FAILED with code, msg and details', async () => {
  const out = await new BinaryCniExecutor({ cniPath: [bin], run: spawnCommand }).invoke(invocation('refuse'));
  assert.ok(!out.ok);
  assert.ok(out.error instanceof CniPluginError);
  assert.equal(out.error.code, 'CORRAL_NETWORK_PLUGIN_FAILED');
  assert.equal(out.error.plugin, 'refuse');
  assert.equal(out.error.command, 'ADD');
  assert.deepEqual(out.error.cniError, { cniVersion: '1.0.0', code: 7, msg: 'invalid network config', details: 'no bridge' });
  assert.match(out.error.message, /code 7 .*invalid network config.*no bridge/);
});

test('BinaryCniExecutor reports a crash with its stderr, a missing plugin, an unsafe type and a hang', async () => {
  const executor = new BinaryCniExecutor({ cniPath: [bin], run: spawnCommand, timeoutMs: 300 });
  const crash = await executor.invoke(invocation('crash'));
  assert.ok(!crash.ok);
  assert.match(crash.error.message, /exit 2.*panic: runtime error/);
  assert.equal(crash.error.cniError, undefined);
  for (const type of ['nope', 'not-executable', '../bin/echo', '']) {
    const missing = await executor.invoke(invocation(type));
    assert.ok(!missing.ok, type);
    assert.equal(missing.error.code, 'CORRAL_NETWORK_PLUGIN_FAILED');
  }
  const hang = await executor.invoke(invocation('hang'));
  assert.ok(!hang.ok);
  assert.match(hang.error.message, /timed out/);
});
