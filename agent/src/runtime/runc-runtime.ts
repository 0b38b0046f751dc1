import { spawn } from 'node:child_process';
import { constants as fsConstants } from 'node:fs';
import { access, mkdir, open, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { constants as osConstants } from 'node:os';
import { basename, dirname, resolve } from 'node:path';
import { CorralError, ErrorCode, type Result, err, ok } from '../../../protocol/src/index.js';
import { type ContainerState, type ContainerStatus, type CreateOptions, type ExecOptions, type ExecResult, type OciRuntime, isContainerId } from './oci-runtime.js';
import { type CommandResult, type CommandRunner, describeFailure, runtimeEnv, spawnCommand } from './runtime-command.js';
import { SHIM_SCRIPT, type ShimFiles, parseExitFile, parseShimReport, prctlSyscallNumber, shimCommandLine, shimFiles } from './runtime-shim.js';

export interface RuncRuntimeOptions {
  /** `runc`, `crun`, or a path to either (both take the same commands). */
  binary: string;
  /**
   * Corral's own directory for this runtime, e.g. `<dataDir>/runtime/runc`: the
   * runtime's `--root` is `<stateDir>/state` and the shims keep their files in
   * `<stateDir>/shims/<id>`, so other users of runc on the host are never touched.
   */
  stateDir: string;
  /** perl for the shims (default: `perl` on PATH). */
  perl?: string;
  /** Run every runtime command in a private mount namespace without /sys/fs/cgroup/unified (see `needsUnifiedCgroupHidden`). */
  hideUnifiedCgroup?: boolean;
  /** Injected for tests; default: spawn. */
  run?: CommandRunner;
  /** Node's `process.arch`, for the shim's syscall number. */
  arch?: string;
  /** Limit for every runtime command except `exec` (default 30 s). */
  commandTimeoutMs?: number;
}

/**
 * crun (before 1.9) refuses to create containers on a hybrid host — v1
 * controllers plus a cgroup2 at /sys/fs/cgroup/unified — if any controller is
 * enabled there ("cgroups in hybrid mode not supported"). It only looks at
 * that mount, so running it where the mount is hidden makes it treat the host
 * as pure v1, which it is for every controller Corral sets. runc handles hybrid hosts itself.
 */
export function needsUnifiedCgroupHidden(binary: string, unifiedControllers: string | undefined): boolean {
  return basename(binary) === 'crun' && unifiedControllers !== undefined && unifiedControllers.trim() !== '';
}

const HIDE_UNIFIED = 'umount -l /sys/fs/cgroup/unified 2>/dev/null; exec "$@"';

function fail(code: CorralError['code'], message: string, cause?: unknown): Result<never> {
  return err(new CorralError(code, message, cause === undefined ? {} : { cause }));
}

async function exists(path: string): Promise<boolean> {
  return access(path, fsConstants.F_OK).then(() => true, () => false);
}

async function readText(path: string): Promise<string | undefined> {
  return readFile(path, 'utf8').catch(() => undefined);
}

async function mtimeMs(path: string): Promise<number | undefined> {
  return stat(path).then((s) => Math.round(s.mtimeMs), () => undefined);
}

/** The shim of `files` is running as pid — checked by its command line, so a reused pid is never taken for it. */
async function shimAlive(files: ShimFiles, pid: number): Promise<boolean> {
  if (!(pid > 0)) return false;
  const cmdline = await readText(`/proc/${pid}/cmdline`);
  return cmdline?.split('\0')[0] === shimCommandLine(files.dir);
}

/** The runtime (or unshare) could not be run at all: not installed, not executable. */
function unavailable(what: string, result: CommandResult): Result<never> | undefined {
  return result.spawnError ? fail(ErrorCode.RuntimeUnavailable, describeFailure(what, result)) : undefined;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function signalNumber(signal: NodeJS.Signals | number): number | undefined {
  if (typeof signal === 'number') return Number.isInteger(signal) && signal > 0 && signal < 65 ? signal : undefined;
  return osConstants.signals[signal];
}

function mapStatus(status: string): ContainerStatus | undefined {
  if (status === 'paused' || status === 'pausing') return 'running';
  return status === 'creating' || status === 'created' || status === 'running' || status === 'stopped' ? status : undefined;
}

/** runc or crun driven through their CLI, with a perl shim per container for exit codes (see runtime-shim.ts). */
export class RuncRuntime implements OciRuntime {
  readonly name: string;
  private readonly root: string;
  private readonly shimRoot: string;
  private readonly run: CommandRunner;
  private readonly timeoutMs: number;
  private readonly prctl: number | undefined;

  constructor(private readonly options: RuncRuntimeOptions) {
    this.name = basename(options.binary);
    this.root = resolve(options.stateDir, 'state');
    this.shimRoot = resolve(options.stateDir, 'shims');
    this.run = options.run ?? spawnCommand;
    this.timeoutMs = options.commandTimeoutMs ?? 30_000;
    this.prctl = prctlSyscallNumber(options.arch ?? process.arch);
  }

  /** The command line for a runtime subcommand, wrapped when the unified hierarchy must be hidden. */
  argv(sub: readonly string[]): { file: string; args: string[] } {
    const direct = [this.options.binary, '--root', this.root, ...sub];
    if (!this.options.hideUnifiedCgroup) return { file: this.options.binary, args: direct.slice(1) };
    return { file: 'unshare', args: ['--mount', '--propagation', 'private', 'sh', '-c', HIDE_UNIFIED, 'corral-runtime', ...direct] };
  }

  private async runtime(sub: readonly string[], timeoutMs = this.timeoutMs): Promise<CommandResult> {
    const { file, args } = this.argv(sub);
    return this.run(file, args, { timeoutMs });
  }

  private shim(id: string): ShimFiles {
    return shimFiles(`${this.shimRoot}/${id}`);
  }

  /** Whether the runtime has state for the id (runc and crun both keep `<root>/<id>/`). */
  private async known(id: string): Promise<boolean> {
    return exists(`${this.root}/${id}`);
  }

  async create(id: string, options: CreateOptions): Promise<Result<void>> {
    if (!isContainerId(id)) return fail(ErrorCode.RuntimeContainerIdInvalid, `invalid container id ${JSON.stringify(id)}`);
    if (this.prctl === undefined) return fail(ErrorCode.RuntimeUnavailable, `no shim support for architecture ${this.options.arch ?? process.arch}`);
    const bundle = resolve(options.bundle);
    if (!(await exists(`${bundle}/config.json`))) return fail(ErrorCode.RuntimeCreateFailed, `bundle ${bundle} has no config.json`);
    const files = this.shim(id);
    if (await this.known(id)) return fail(ErrorCode.RuntimeContainerExists, `container ${id} already exists`);
    try {
      await mkdir(this.shimRoot, { recursive: true });
      await mkdir(files.dir); // not recursive: EEXIST is how a concurrent create of the same id loses
      await writeFile(files.bundle, bundle);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code === 'EEXIST' ? ErrorCode.RuntimeContainerExists : ErrorCode.RuntimeCreateFailed;
      return fail(code, `container ${id}: cannot make its shim directory: ${(error as Error).message}`, error);
    }
    const report = await this.spawnShim(id, bundle, files, options);
    if (report.ok) return ok(undefined);
    await this.runtime(['delete', '--force', id]);
    await this.reapShim(files, 2000);
    await rm(files.dir, { recursive: true, force: true });
    return report;
  }

  private async spawnShim(id: string, bundle: string, files: ShimFiles, options: CreateOptions): Promise<Result<void>> {
    const logs: Array<Awaited<ReturnType<typeof open>>> = [];
    try {
      for (const path of [options.stdoutPath, options.stderrPath]) {
        await mkdir(dirname(path), { recursive: true });
        logs.push(await open(path, 'a'));
      }
    } catch (error) {
      await Promise.all(logs.map((l) => l.close()));
      return fail(ErrorCode.RuntimeCreateFailed, `container ${id}: cannot open its log files: ${(error as Error).message}`, error);
    }
    const create = this.argv(['--log', files.runtimeLog, 'create', '--bundle', bundle, '--pid-file', files.initPid, id]);
    const perl = this.options.perl ?? 'perl';
    const reported = await new Promise<{ text: string; spawnError?: NodeJS.ErrnoException }>((done) => {
      let text = '';
      let settled = false;
      let timer: NodeJS.Timeout | undefined;
      const child = spawn(perl, ['-e', SHIM_SCRIPT, String(this.prctl), files.dir, create.file, ...create.args], {
        detached: true,
        cwd: '/',
        env: runtimeEnv(),
        stdio: ['ignore', logs[0]?.fd ?? 'ignore', logs[1]?.fd ?? 'ignore', 'pipe'],
      });
      const pipe = child.stdio[3] as NodeJS.ReadableStream & { destroy(): void } | null | undefined;
      const finish = (spawnError?: NodeJS.ErrnoException) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        pipe?.destroy();
        done(spawnError ? { text, spawnError } : { text });
      };
      timer = setTimeout(() => {
        text = 'failed timed out waiting for the runtime to create the container';
        if (child.pid !== undefined) killGroup(child.pid);
        finish();
      }, this.timeoutMs);
      child.on('error', (error: NodeJS.ErrnoException) => finish(error));
      pipe?.on('data', (chunk: Buffer) => {
        text += chunk.toString();
      });
      // When perl could not be spawned at all, the 'error' event tells why; wait for it.
      pipe?.on('end', () => {
        if (child.pid !== undefined) finish();
      });
      pipe?.on('error', () => undefined);
      child.unref();
    });
    await Promise.all(logs.map((l) => l.close()));
    if (reported.spawnError) {
      const code = reported.spawnError.code === 'ENOENT' ? ErrorCode.RuntimeUnavailable : ErrorCode.RuntimeCreateFailed;
      return fail(code, `container ${id}: cannot start its shim (${perl}): ${reported.spawnError.message}`, reported.spawnError);
    }
    const report = parseShimReport(reported.text);
    if (report.created) return ok(undefined);
    const log = (await readText(files.runtimeLog))?.trim().split('\n').filter(Boolean).slice(-3).join('; ');
    const code = report.unavailable ? ErrorCode.RuntimeUnavailable : ErrorCode.RuntimeCreateFailed;
    return fail(code, `${this.name} create ${id}: ${report.reason}${log ? ` — ${log}` : ''}`);
  }

  async start(id: string): Promise<Result<void>> {
    if (!isContainerId(id)) return fail(ErrorCode.RuntimeContainerIdInvalid, `invalid container id ${JSON.stringify(id)}`);
    const result = await this.runtime(['start', id]);
    const missing = unavailable(`${this.name} start ${id}`, result);
    if (missing) return missing;
    if (result.exitCode !== 0) {
      if (!(await this.known(id))) return fail(ErrorCode.RuntimeContainerNotFound, `no container ${id}`);
      return fail(ErrorCode.RuntimeStartFailed, describeFailure(`${this.name} start ${id}`, result));
    }
    await writeFile(this.shim(id).started, `${Date.now()}\n`).catch(() => undefined);
    return ok(undefined);
  }

  async state(id: string): Promise<Result<ContainerState | undefined>> {
    if (!isContainerId(id)) return fail(ErrorCode.RuntimeContainerIdInvalid, `invalid container id ${JSON.stringify(id)}`);
    const files = this.shim(id);
    const result = await this.runtime(['state', id]);
    const missing = unavailable(`${this.name} state ${id}`, result);
    if (missing) return missing;
    let base: Omit<ContainerState, 'exitCode' | 'startedAt' | 'finishedAt'>;
    if (result.exitCode === 0) {
      let parsed: { status?: string; pid?: number; bundle?: string; created?: string };
      try {
        parsed = JSON.parse(result.stdout) as typeof parsed;
      } catch (error) {
        return fail(ErrorCode.RuntimeStateFailed, `${this.name} state ${id}: not JSON`, error);
      }
      const status = mapStatus(parsed.status ?? '');
      if (!status) return fail(ErrorCode.RuntimeStateFailed, `${this.name} state ${id}: unknown status ${JSON.stringify(parsed.status)}`);
      const created = parsed.created ? Date.parse(parsed.created) : Number.NaN;
      base = { id, status, pid: status === 'stopped' ? 0 : (parsed.pid ?? 0), bundle: parsed.bundle ?? '', ...(Number.isNaN(created) ? {} : { createdAt: created }) };
    } else if (await this.known(id)) {
      return fail(ErrorCode.RuntimeStateFailed, describeFailure(`${this.name} state ${id}`, result));
    } else if (await exists(files.dir)) {
      // The runtime forgot it (deleted outside Corral, or a delete was interrupted): only the shim's record is left.
      base = { id, status: 'stopped', pid: 0, bundle: (await readText(files.bundle)) ?? '' };
    } else {
      return ok(undefined);
    }
    const startedAt = await mtimeMs(files.started);
    const withTimes = startedAt === undefined ? base : { ...base, startedAt };
    if (base.status !== 'stopped') return ok(withTimes);
    const exit = await this.exitRecord(files);
    return ok(exit ? { ...withTimes, ...exit } : withTimes);
  }

  /** The shim writes the exit file a moment after the runtime already reports `stopped`; wait for it while the shim lives. */
  private async exitRecord(files: ShimFiles): Promise<{ exitCode: number; finishedAt: number } | undefined> {
    const deadline = Date.now() + 2000;
    for (;;) {
      const exitCode = parseExitFile(await readText(files.exit));
      if (exitCode !== undefined) return { exitCode, finishedAt: (await mtimeMs(files.exit)) ?? Date.now() };
      const shimPid = Number((await readText(files.shimPid))?.trim());
      if (!(await shimAlive(files, shimPid)) || Date.now() > deadline) return undefined;
      await sleep(20);
    }
  }

  async kill(id: string, signal: NodeJS.Signals | number): Promise<Result<void>> {
    if (!isContainerId(id)) return fail(ErrorCode.RuntimeContainerIdInvalid, `invalid container id ${JSON.stringify(id)}`);
    const number = signalNumber(signal);
    if (number === undefined) return fail(ErrorCode.RuntimeKillFailed, `unknown signal ${String(signal)}`);
    const result = await this.runtime(['kill', id, String(number)]);
    const missing = unavailable(`${this.name} kill ${id}`, result);
    if (missing) return missing;
    if (result.exitCode === 0) return ok(undefined);
    const state = await this.state(id);
    if (state.ok && state.value === undefined) return fail(ErrorCode.RuntimeContainerNotFound, `no container ${id}`);
    if (state.ok && state.value?.status === 'stopped') return ok(undefined);
    return fail(ErrorCode.RuntimeKillFailed, describeFailure(`${this.name} kill ${id}`, result));
  }

  async delete(id: string, options: { force?: boolean } = {}): Promise<Result<void>> {
    if (!isContainerId(id)) return fail(ErrorCode.RuntimeContainerIdInvalid, `invalid container id ${JSON.stringify(id)}`);
    const files = this.shim(id);
    const known = await this.known(id);
    if (!known && !(await exists(files.dir))) return fail(ErrorCode.RuntimeContainerNotFound, `no container ${id}`);
    if (known && !options.force) {
      // runc would delete a `created` container too; the OCI contract (and crun) only a stopped one.
      const current = await this.state(id);
      if (current.ok && current.value && current.value.status !== 'stopped') {
        return fail(ErrorCode.RuntimeDeleteFailed, `container ${id} is ${current.value.status}; stop it or delete with force`);
      }
    }
    if (known) {
      const result = await this.runtime(options.force ? ['delete', '--force', id] : ['delete', id]);
      const missing = unavailable(`${this.name} delete ${id}`, result);
      if (missing) return missing;
      if (result.exitCode !== 0 && (await this.known(id))) return fail(ErrorCode.RuntimeDeleteFailed, describeFailure(`${this.name} delete ${id}`, result));
    }
    // The init is gone now, so the shim is writing the exit file and leaving; make sure it did.
    await this.reapShim(files, 5000);
    await rm(files.dir, { recursive: true, force: true });
    return ok(undefined);
  }

  private async reapShim(files: ShimFiles, waitMs: number): Promise<void> {
    const pid = Number((await readText(files.shimPid))?.trim());
    const deadline = Date.now() + waitMs;
    while ((await shimAlive(files, pid)) && Date.now() < deadline) await sleep(20);
    if (await shimAlive(files, pid)) killGroup(pid);
  }

  async list(): Promise<Result<ContainerState[]>> {
    const fromRuntime = await readdir(this.root).catch(() => [] as string[]);
    const fromShims = await readdir(this.shimRoot).catch(() => [] as string[]);
    const ids = [...new Set([...fromRuntime, ...fromShims])].filter(isContainerId).sort();
    const out: ContainerState[] = [];
    for (const id of ids) {
      const state = await this.state(id);
      if (!state.ok) return state;
      if (state.value) out.push(state.value);
    }
    return ok(out);
  }

  async exec(id: string, options: ExecOptions): Promise<Result<ExecResult>> {
    if (!isContainerId(id)) return fail(ErrorCode.RuntimeContainerIdInvalid, `invalid container id ${JSON.stringify(id)}`);
    if (options.argv.length === 0) return fail(ErrorCode.RuntimeExecFailed, 'exec needs a command');
    const state = await this.state(id);
    if (!state.ok) return state;
    if (!state.value) return fail(ErrorCode.RuntimeContainerNotFound, `no container ${id}`);
    if (state.value.status !== 'running') return fail(ErrorCode.RuntimeExecFailed, `container ${id} is ${state.value.status}, not running`);
    const pidFile = `${this.shim(id).dir}/exec-${process.pid}-${Math.random().toString(36).slice(2)}.pid`;
    // On timeout kill the command itself, not the runtime's exec: it is the command's parent and
    // reaps it, where an orphaned zombie would hold the container's cgroup (and its delete) up.
    let timedOut = false;
    const killCommand = async () => {
      const pid = Number((await readText(pidFile))?.trim());
      if (pid > 0) killPid(pid);
    };
    const timer = setTimeout(() => {
      timedOut = true;
      void killCommand();
    }, options.timeoutMs);
    const result = await this.runtime(['exec', '--pid-file', pidFile, id, ...options.argv], options.timeoutMs + 5000);
    const missing = unavailable(`${this.name} exec ${id}`, result);
    if (missing) return missing;
    clearTimeout(timer);
    if (result.timedOut) await killCommand();
    const pid = Number((await readText(pidFile))?.trim());
    await rm(pidFile, { force: true });
    if (timedOut || result.timedOut) return fail(ErrorCode.RuntimeExecTimeout, `exec in ${id} did not finish within ${options.timeoutMs} ms`);
    if (result.spawnError || result.exitCode === null) return fail(ErrorCode.RuntimeExecFailed, describeFailure(`${this.name} exec ${id}`, result));
    // Without a pid file the runtime never started the command: its exit code is its own failure, not the command's.
    if (!(pid > 0)) return fail(ErrorCode.RuntimeExecFailed, describeFailure(`${this.name} exec ${id}`, result));
    return ok({ exitCode: result.exitCode, stdout: result.stdout, stderr: result.stderr });
  }
}

function killPid(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/** The shim leads its own process group (spawned detached). */
function killGroup(pid: number): void {
  killPid(-pid);
  killPid(pid);
}
