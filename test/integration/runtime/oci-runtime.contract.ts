import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { access, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import type { z } from 'zod';
import { Container, ErrorCode } from '../../../protocol/src/index.js';
import {
  type CgroupLocation,
  type CgroupVersion,
  type ContainerState,
  type OciConfig,
  type OciRuntime,
  buildOciSpec,
  cgroupHierarchies,
  containerCgroupPath,
  cpuLimitFiles,
  memoryLimitFiles,
  pidsLimitFiles,
  podCgroupPath,
  readCgroupFile,
  readCgroupUsage,
  removeCgroup,
  terminationReason,
} from '../../../agent/src/runtime/index.js';
import { cgroupDirs } from '../../../agent/src/runtime/cgroups.js';
import { ROOT, tempDir, waitFor } from '../../support/daemons.js';
import { buildBusyboxRootfs } from '../../support/rootfs.js';

const run = promisify(execFile);

type ContainerInput = z.input<typeof Container>;

export interface RuntimeUnderTest {
  runtime: OciRuntime;
  /** A new runtime object over the same state: what an agent builds after a restart. */
  reopen(): OciRuntime;
  /** JSON-serialisable options that rebuild it in another process (see create-detached.ts). */
  options: object;
  stateDir: string;
}

export interface ContractOptions {
  cgroupVersion: CgroupVersion;
  /** Makes the runtime under test over a fresh state directory. */
  make(stateDir: string): RuntimeUnderTest;
}

const exists = (path: string) => access(path).then(() => true, () => false);

/** The contract every OciRuntime meets, run as root against a real runtime; each test cleans up after itself. */
export function ociRuntimeContract(name: string, options: ContractOptions): void {
  describe(`${name} as an OciRuntime`, () => {
    const tag = randomBytes(4).toString('hex');
    const netns = `corral-test-${tag}`;
    const parent = `corral-test-${tag}`;
    const podUid = `pod${tag}`;
    const podPath = podCgroupPath(podUid, parent);
    let dir: Awaited<ReturnType<typeof tempDir>>;
    let rootfs = '';
    let rt: RuntimeUnderTest;

    before(async () => {
      dir = await tempDir(`runtime-${name}`);
      rootfs = await buildBusyboxRootfs(join(dir.path, 'rootfs'));
      await run('ip', ['netns', 'add', netns]);
      await run('ip', ['-n', netns, 'link', 'set', 'lo', 'up']);
      rt = options.make(join(dir.path, 'runtime'));
    });

    after(async () => {
      const listed = await rt.runtime.list();
      for (const c of listed.ok ? listed.value : []) await rt.runtime.delete(c.id, { force: true });
      const left = await removeCgroup({ version: options.cgroupVersion, path: `/${parent}` });
      await run('ip', ['netns', 'delete', netns]).catch(() => undefined);
      await dir.remove();
      assert.deepEqual(left, [], 'every cgroup the suite made is gone');
    });

    const location = (container: string): CgroupLocation => ({ version: options.cgroupVersion, path: containerCgroupPath(podPath, container) });

    /** Writes a bundle for a busybox container and creates it; the test deletes it (or the suite's `after` does). */
    async function create(input: Omit<ContainerInput, 'image'>): Promise<{ id: string; spec: OciConfig; stdout: string; bundle: string }> {
      const container = Container.parse({ image: 'busybox', ...input });
      const spec = buildOciSpec({
        container,
        image: { entrypoint: [], cmd: ['sh'], env: [], workingDir: '/', user: '' },
        pod: { uid: podUid, name: 'contract', hostname: 'contract', network: { path: `/var/run/netns/${netns}` }, volumes: {} },
        rootfsPath: rootfs,
        cgroupsPath: containerCgroupPath(podPath, container.name),
        cgroupVersion: options.cgroupVersion,
      });
      assert.ok(spec.ok, spec.ok ? '' : spec.error.message);
      const id = `${tag}-${container.name}`;
      const bundle = join(dir.path, 'bundles', id);
      await mkdir(bundle, { recursive: true });
      await writeFile(join(bundle, 'config.json'), JSON.stringify(spec.value, null, 2));
      const stdout = join(dir.path, 'logs', id, 'stdout.log');
      const created = await rt.runtime.create(id, { bundle, stdoutPath: stdout, stderrPath: join(dir.path, 'logs', id, 'stderr.log') });
      assert.ok(created.ok, created.ok ? '' : created.error.message);
      return { id, spec: spec.value, stdout, bundle };
    }

    async function state(id: string, runtime = rt.runtime): Promise<ContainerState | undefined> {
      const s = await runtime.state(id);
      assert.ok(s.ok, s.ok ? '' : s.error.message);
      return s.value;
    }

    const stopped = (id: string, runtime = rt.runtime) =>
      waitFor(`${id} to stop`, async () => {
        const s = await state(id, runtime);
        return s?.status === 'stopped' && s.exitCode !== undefined ? s : undefined;
      }, 20_000);

    async function assertGone(id: string, container: string): Promise<void> {
      assert.equal(await state(id), undefined);
      const listed = await rt.runtime.list();
      assert.ok(listed.ok && !listed.value.some((c) => c.id === id), 'not listed');
      assert.equal(await exists(join(rt.stateDir, 'state', id)), false, 'no runtime state');
      assert.equal(await exists(join(rt.stateDir, 'shims', id)), false, 'no shim files');
      for (const d of cgroupDirs(location(container), await cgroupHierarchies())) assert.equal(await exists(d), false, `${d} removed`);
    }

    test('a container goes created → running → stopped by SIGTERM (143), and delete leaves no state or cgroup', async () => {
      const { id, bundle, stdout } = await create({ name: 'life', command: ['sh', '-c', 'trap "exit 143" TERM; echo hello; sleep 30 & wait'] });
      const created = await state(id);
      assert.equal(created?.status, 'created');
      assert.ok((created?.pid ?? 0) > 0, 'the init exists before start');
      assert.equal(created?.bundle, bundle);
      assert.ok((await rt.runtime.start(id)).ok);
      const running = await state(id);
      assert.equal(running?.status, 'running');
      assert.ok((running?.pid ?? 0) > 0 && running?.exitCode === undefined);
      await waitFor('hello in the log', async () => ((await readFile(stdout, 'utf8')).includes('hello') ? true : undefined));
      assert.ok((await rt.runtime.kill(id, 'SIGTERM')).ok);
      const done = await stopped(id);
      assert.equal(done.exitCode, 143);
      assert.equal(done.pid, 0);
      assert.ok(done.finishedAt !== undefined && done.startedAt !== undefined && done.finishedAt >= done.startedAt);
      assert.ok((await rt.runtime.kill(id, 'SIGTERM')).ok, 'signalling a stopped container is not an error');
      assert.ok((await rt.runtime.delete(id)).ok);
      await assertGone(id, 'life');
    });

    test('a container that exits 3 reports exit code 3 and reason Error', async () => {
      const { id } = await create({ name: 'three', command: ['sh', '-c', 'exit 3'] });
      assert.ok((await rt.runtime.start(id)).ok);
      const done = await stopped(id);
      assert.equal(done.exitCode, 3);
      assert.equal(terminationReason(3, await readCgroupUsage(readCgroupFile, location('three'))), 'Error');
      assert.ok((await rt.runtime.delete(id)).ok);
      await assertGone(id, 'three');
    });

    test('SIGKILL stops even an init without handlers, recorded as 137', async () => {
      const { id } = await create({ name: 'killed', command: ['sleep', '30'] });
      assert.ok((await rt.runtime.start(id)).ok);
      assert.ok((await rt.runtime.kill(id, 'SIGKILL')).ok);
      assert.equal((await stopped(id)).exitCode, 137);
      assert.ok((await rt.runtime.delete(id)).ok);
    });

    test('a container over its 32Mi memory limit is OOM-killed, and the cgroup says so', async () => {
      const script = 'x=$(head -c 100000000 /dev/zero | tr "\\0" x); echo ${#x}';
      const { id, spec } = await create({ name: 'oom', command: ['sh', '-c', script], resources: { limits: { memory: '32Mi' } } });
      for (const f of memoryLimitFiles(location('oom'), spec.linux.resources.memory)) assert.equal((await readFile(f.file, 'utf8')).trim(), f.expected, f.file);
      assert.ok((await rt.runtime.start(id)).ok);
      const done = await stopped(id);
      const usage = await readCgroupUsage(readCgroupFile, location('oom'));
      assert.ok(usage, 'the stopped container keeps its cgroup until delete');
      assert.ok((usage.oomKills ?? 0) >= 1, `oom_kill counted (${JSON.stringify(usage)})`);
      assert.notEqual(done.exitCode, 0);
      assert.equal(terminationReason(done.exitCode ?? -1, usage), 'OOMKilled');
      assert.ok((await rt.runtime.delete(id)).ok);
      await assertGone(id, 'oom');
    });

    test('a busy loop under a 200m cpu limit uses about a fifth of a cpu', async (t) => {
      const { id, spec } = await create({ name: 'cpu', command: ['sh', '-c', 'while :; do :; done'], resources: { limits: { cpu: '200m' } } });
      for (const f of cpuLimitFiles(location('cpu'), spec.linux.resources.cpu)) assert.equal((await readFile(f.file, 'utf8')).trim(), f.expected, f.file);
      assert.ok((await rt.runtime.start(id)).ok);
      const sample = async () => ({ cpu: (await readCgroupUsage(readCgroupFile, location('cpu')))?.cpuUsageNs ?? 0, wall: process.hrtime.bigint() });
      await new Promise((r) => setTimeout(r, 300));
      const a = await sample();
      await new Promise((r) => setTimeout(r, 2000));
      const b = await sample();
      const percent = ((b.cpu - a.cpu) / Number(b.wall - a.wall)) * 100;
      t.diagnostic(`${name}: cpu usage under a 200m limit: ${percent.toFixed(1)}%`);
      // A check that the quota is applied at all, not a timing test.
      assert.ok(percent > 10 && percent < 35, `${percent.toFixed(1)}%`);
      assert.ok((await rt.runtime.delete(id, { force: true })).ok);
      await assertGone(id, 'cpu');
    });

    test('a pids limit of 20 contains a fork bomb and the host stays usable', async (t) => {
      const bomb = 'f() { f | f & }; f; sleep 30';
      const { id, spec } = await create({ name: 'bomb', command: ['sh', '-c', bomb], resources: { limits: { pids: 20, cpu: '500m' } } });
      for (const f of pidsLimitFiles(location('bomb'), spec.linux.resources.pids)) assert.equal((await readFile(f.file, 'utf8')).trim(), f.expected, f.file);
      assert.ok((await rt.runtime.start(id)).ok);
      let peak = 0;
      for (let i = 0; i < 10; i++) {
        await new Promise((r) => setTimeout(r, 100));
        peak = Math.max(peak, (await readCgroupUsage(readCgroupFile, location('bomb')))?.pids ?? 0);
      }
      t.diagnostic(`${name}: fork bomb peak pids.current ${peak}`);
      assert.ok(peak > 1 && peak <= 20, `peak ${peak}`);
      await run('true');
      assert.ok((await rt.runtime.delete(id, { force: true })).ok);
      await assertGone(id, 'bomb');
    });

    test('exec runs a command in the running container and returns its output and exit code', async () => {
      const { id } = await create({ name: 'exec', command: ['sleep', '30'] });
      const early = await rt.runtime.exec(id, { argv: ['true'], timeoutMs: 5000 });
      assert.equal(early.ok ? 'ok' : early.error.code, ErrorCode.RuntimeExecFailed, 'not before start');
      assert.ok((await rt.runtime.start(id)).ok);
      const result = await rt.runtime.exec(id, { argv: ['sh', '-c', 'echo out; echo err >&2; hostname; exit 4'], timeoutMs: 5000 });
      assert.ok(result.ok, result.ok ? '' : result.error.message);
      assert.deepEqual(result.value, { exitCode: 4, stdout: 'out\ncontract\n', stderr: 'err\n' });
      const slow = await rt.runtime.exec(id, { argv: ['sleep', '10'], timeoutMs: 300 });
      assert.equal(slow.ok ? 'ok' : slow.error.code, ErrorCode.RuntimeExecTimeout);
      assert.ok((await rt.runtime.delete(id, { force: true })).ok);
    });

    test('a container outlives the process that created it, and its exit code is still recorded', async () => {
      const container = 'detached';
      const spec = buildOciSpec({
        container: Container.parse({ name: container, image: 'busybox', command: ['sh', '-c', 'trap "exit 143" TERM; sleep 30 & wait'] }),
        image: {},
        pod: { uid: podUid, name: 'contract', hostname: 'contract', network: { path: `/var/run/netns/${netns}` }, volumes: {} },
        rootfsPath: rootfs,
        cgroupsPath: containerCgroupPath(podPath, container),
        cgroupVersion: options.cgroupVersion,
      });
      assert.ok(spec.ok);
      const id = `${tag}-${container}`;
      const bundle = join(dir.path, 'bundles', id);
      await mkdir(bundle, { recursive: true });
      await writeFile(join(bundle, 'config.json'), JSON.stringify(spec.value));
      const args = { runtime: rt.options, id, bundle, stdoutPath: join(bundle, 'out.log'), stderrPath: join(bundle, 'err.log') };
      const helper = join(ROOT, 'test/integration/runtime/create-detached.ts');
      const { stdout } = await run(process.execPath, ['--import', 'tsx', helper, JSON.stringify(args)], { cwd: ROOT });
      assert.equal(stdout.trim(), 'ok');
      const restarted = rt.reopen();
      assert.equal((await state(id, restarted))?.status, 'running');
      assert.ok((await restarted.kill(id, 'SIGTERM')).ok);
      assert.equal((await stopped(id, restarted)).exitCode, 143);
      assert.ok((await restarted.delete(id)).ok);
      await assertGone(id, container);
    });

    test('failures are typed: unknown ids, duplicate ids, bad ids, a missing executable', async () => {
      const code = (r: { ok: boolean; error?: { code: string } }) => (r.ok ? 'ok' : r.error?.code);
      assert.equal(code(await rt.runtime.start('nope')), ErrorCode.RuntimeContainerNotFound);
      assert.equal(code(await rt.runtime.kill('nope', 'SIGTERM')), ErrorCode.RuntimeContainerNotFound);
      assert.equal(code(await rt.runtime.delete('nope')), ErrorCode.RuntimeContainerNotFound);
      assert.equal(await state('nope'), undefined);
      assert.equal(code(await rt.runtime.state('../etc')), ErrorCode.RuntimeContainerIdInvalid);
      const { id, bundle } = await create({ name: 'dup', command: ['sleep', '30'] });
      const again = await rt.runtime.create(id, { bundle, stdoutPath: join(bundle, 'o'), stderrPath: join(bundle, 'e') });
      assert.equal(code(again), ErrorCode.RuntimeContainerExists);
      const notRunning = await rt.runtime.delete(id);
      assert.equal(code(notRunning), ErrorCode.RuntimeDeleteFailed, 'a created container is not deleted without force');
      assert.ok((await rt.runtime.delete(id, { force: true })).ok);
      await assertGone(id, 'dup');

      const missing = Container.parse({ name: 'missing', image: 'busybox', command: ['/no/such/binary'] });
      const spec = buildOciSpec({
        container: missing,
        image: {},
        pod: { uid: podUid, name: 'contract', hostname: 'contract', network: 'host', volumes: {} },
        rootfsPath: rootfs,
        cgroupsPath: containerCgroupPath(podPath, 'missing'),
        cgroupVersion: options.cgroupVersion,
      });
      assert.ok(spec.ok);
      const missingBundle = join(dir.path, 'bundles', 'missing');
      await mkdir(missingBundle, { recursive: true });
      await writeFile(join(missingBundle, 'config.json'), JSON.stringify(spec.value));
      const mid = `${tag}-missing`;
      const made = await rt.runtime.create(mid, { bundle: missingBundle, stdoutPath: join(missingBundle, 'o'), stderrPath: join(missingBundle, 'e') });
      const outcome = made.ok ? await rt.runtime.start(mid) : made;
      assert.ok([ErrorCode.RuntimeCreateFailed, ErrorCode.RuntimeStartFailed].includes(code(outcome) as never), `got ${code(outcome)}`);
      if (made.ok) assert.ok((await rt.runtime.delete(mid, { force: true })).ok);
      await assertGone(mid, 'missing');
    });
  });
}
