import type { Result } from '../../../protocol/src/index.js';

/** The OCI lifecycle states Corral sees (`paused` is never used and reads as running). */
export type ContainerStatus = 'creating' | 'created' | 'running' | 'stopped';

export interface ContainerState {
  id: string;
  status: ContainerStatus;
  /** Host pid of the container's init; 0 once it stopped. */
  pid: number;
  bundle: string;
  /**
   * The init's exit status once stopped — 128+n when signal n killed it — as the
   * container's shim recorded it. Undefined while running, and when nobody saw
   * the exit (the shim itself was killed).
   */
  exitCode?: number;
  /** Milliseconds since the epoch. */
  createdAt?: number;
  startedAt?: number;
  finishedAt?: number;
}

export interface CreateOptions {
  /** The bundle directory: config.json and (usually) rootfs/. */
  bundle: string;
  /** The container's stdout and stderr are these files (appended to), not pipes to the agent. */
  stdoutPath: string;
  stderrPath: string;
}

export interface ExecOptions {
  argv: readonly string[];
  /** After this the command is killed and the call fails with CORRAL_RUNTIME_EXEC_TIMEOUT. */
  timeoutMs: number;
}

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/**
 * An OCI runtime as the agent drives it. Containers outlive the agent: a new
 * instance over the same state finds them with `list`/`state` and can still
 * read their exit codes. No method rejects; failures are CORRAL_RUNTIME_* errors.
 */
export interface OciRuntime {
  /** `runc`, `crun`, … */
  readonly name: string;
  /** Makes the container (`created`: namespaces, cgroup and init exist; the process has not run). */
  create(id: string, options: CreateOptions): Promise<Result<void>>;
  /** Runs the created container's process. */
  start(id: string): Promise<Result<void>>;
  /** Undefined when there is no such container. */
  state(id: string): Promise<Result<ContainerState | undefined>>;
  /** Signals the init; a container that already stopped is not an error. */
  kill(id: string, signal: NodeJS.Signals | number): Promise<Result<void>>;
  /** Removes a stopped container (any container with `force`), its runtime state and its cgroup. */
  delete(id: string, options?: { force?: boolean }): Promise<Result<void>>;
  list(): Promise<Result<ContainerState[]>>;
  /** Runs a command in the running container (exec probes); its exit code, whatever it is, is a success. */
  exec(id: string, options: ExecOptions): Promise<Result<ExecResult>>;
}

/** runc's rule for container ids, which crun shares. */
export function isContainerId(id: string): boolean {
  return /^[A-Za-z0-9_+.-]{1,128}$/.test(id) && id !== '.' && id !== '..';
}
