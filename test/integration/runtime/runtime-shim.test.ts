import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { SHIM_SCRIPT, parseShimReport, prctlSyscallNumber, shimCommandLine, shimFiles } from '../../../agent/src/runtime/runtime-shim.js';
import { waitFor } from '../../support/daemons.js';

/**
 * The perl shim with a stand-in for `runc create`: a shell that starts a
 * background "init", writes its pid to the pid file and exits, orphaning it —
 * what the runtime does. The shim must adopt the orphan and record its status.
 */
let dir = '';
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'corral-shim-'));
});
after(() => rm(dir, { recursive: true, force: true }));

async function runShim(name: string, init: string): Promise<{ report: ReturnType<typeof parseShimReport>; files: ReturnType<typeof shimFiles> }> {
  const files = shimFiles(join(dir, name));
  await mkdir(files.dir);
  const create = ['sh', '-c', `(${init}) & echo $! > "$0"`, files.initPid];
  const child = spawn('perl', ['-e', SHIM_SCRIPT, String(prctlSyscallNumber(process.arch)), files.dir, ...create], { detached: true, stdio: ['ignore', 'ignore', 'inherit', 'pipe'] });
  let text = '';
  const pipe = child.stdio[3] as NodeJS.ReadableStream;
  pipe.on('data', (c: Buffer) => (text += c.toString()));
  await new Promise((r) => pipe.on('end', r));
  child.unref();
  return { report: parseShimReport(text), files };
}

const exitCode = (files: ReturnType<typeof shimFiles>) =>
  waitFor('the exit file', async () => (await readFile(files.exit, 'utf8').catch(() => undefined))?.trim(), 10_000);

test('the shim adopts the orphaned init and records its exit code', async () => {
  const { report, files } = await runShim('exit7', 'sleep 0.2; exit 7');
  assert.equal(report.created, true);
  assert.equal(await exitCode(files), '7');
  assert.ok(Number(await readFile(files.shimPid, 'utf8')) > 0);
});

test('the shim records 128+n for an init killed by signal n', async () => {
  const { report, files } = await runShim('term', 'exec sleep 30');
  assert.ok(report.created);
  const shimPid = Number(await readFile(files.shimPid, 'utf8'));
  const cmdline = await readFile(`/proc/${shimPid}/cmdline`, 'utf8');
  assert.equal(cmdline.split('\0')[0], shimCommandLine(files.dir), 'the agent can tell its shim from a reused pid');
  process.kill(report.pid, 'SIGTERM');
  assert.equal(await exitCode(files), '143');
});

test('the shim reports a failed create and exits', async () => {
  const files = shimFiles(join(dir, 'fails'));
  await mkdir(files.dir);
  const child = spawn('perl', ['-e', SHIM_SCRIPT, String(prctlSyscallNumber(process.arch)), files.dir, 'sh', '-c', 'exit 3'], { stdio: ['ignore', 'ignore', 'inherit', 'pipe'] });
  let text = '';
  (child.stdio[3] as NodeJS.ReadableStream).on('data', (c: Buffer) => (text += c.toString()));
  const code = await new Promise((r) => child.on('close', r));
  assert.equal(code, 1);
  assert.deepEqual(parseShimReport(text), { created: false, reason: 'runtime exit 3' });
});
