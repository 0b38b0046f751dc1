import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { CorralError, ErrorCode, type Result, err, ok } from '../../../protocol/src/index.js';
import { type CommandRunner, DEFAULT_PATH, describeFailure } from './command-runner.js';
import { type CniError, formatCniError, parseCniError } from './cni-result.js';

export type CniCommand = 'ADD' | 'DEL' | 'CHECK';

/** One plugin call: the CNI_* parameters and the execution configuration (its `type` names the binary). */
export interface CniInvocation {
  command: CniCommand;
  containerId: string;
  netnsPath: string;
  ifName: string;
  config: Record<string, unknown> & { type: string };
}

/** Runs CNI plugins. ADD answers the plugin's stdout (the result JSON); DEL and CHECK answer ''. */
export interface CniExecutor {
  invoke(invocation: CniInvocation): Promise<Result<string, CniPluginError>>;
}

/** A plugin that failed, with its CNI error document when it printed one. */
export class CniPluginError extends CorralError {
  readonly plugin: string;
  readonly command: CniCommand;
  readonly cniError: CniError | undefined;

  constructor(options: { plugin: string; command: CniCommand; message: string; cniError?: CniError }) {
    super(ErrorCode.NetworkPluginFailed, `CNI plugin ${options.plugin} ${options.command}: ${options.message}`);
    this.name = 'CniPluginError';
    this.plugin = options.plugin;
    this.command = options.command;
    this.cniError = options.cniError;
  }
}

export interface BinaryCniExecutorOptions {
  /** Directories searched for plugin binaries, in order; also passed as CNI_PATH (bridge finds host-local there). */
  cniPath: ReadonlyArray<string>;
  run: CommandRunner;
  timeoutMs?: number;
  /** PATH of the plugins, which run `iptables`. */
  path?: string;
}

const PLUGIN_TYPE = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/**
 * Executes plugin binaries as the CNI spec's execution protocol says: parameters
 * in CNI_* variables, configuration as JSON on stdin, a result or an error
 * document on stdout. Each plugin gets a clean environment (PATH and CNI_* only)
 * so nothing of the agent's environment, such as a stray CNI_ARGS, leaks in.
 */
export class BinaryCniExecutor implements CniExecutor {
  constructor(private readonly options: BinaryCniExecutorOptions) {}

  async invoke(invocation: CniInvocation): Promise<Result<string, CniPluginError>> {
    const plugin = invocation.config.type;
    const fail = (message: string, cniError?: CniError) => err(new CniPluginError({ plugin, command: invocation.command, message, ...(cniError ? { cniError } : {}) }));
    if (!PLUGIN_TYPE.test(plugin)) return fail(`plugin type ${JSON.stringify(plugin)} is not a plain file name`);
    const binary = await this.find(plugin);
    if (binary === undefined) return fail(`no executable "${plugin}" in ${this.options.cniPath.join(':')}`);
    const result = await this.options.run(binary, [], {
      input: JSON.stringify(invocation.config),
      env: {
        CNI_COMMAND: invocation.command,
        CNI_CONTAINERID: invocation.containerId,
        CNI_NETNS: invocation.netnsPath,
        CNI_IFNAME: invocation.ifName,
        CNI_PATH: this.options.cniPath.join(':'),
        PATH: this.options.path ?? DEFAULT_PATH,
      },
      timeoutMs: this.options.timeoutMs ?? 60_000,
      maxOutputBytes: 1024 * 1024,
    });
    if (result.exitCode === 0) return ok(invocation.command === 'ADD' ? result.stdout : '');
    const cniError = result.spawnError === undefined && result.killed === undefined ? parseCniError(result.stdout) : undefined;
    if (cniError !== undefined) return fail(formatCniError(cniError), cniError);
    return fail(describeFailure(binary, result));
  }

  private async find(plugin: string): Promise<string | undefined> {
    for (const dir of this.options.cniPath) {
      const candidate = join(dir, plugin);
      try {
        await access(candidate, constants.X_OK);
        return candidate;
      } catch {
        // not in this directory
      }
    }
    return undefined;
  }
}
