import { CorralError, ErrorCode, type Result, err, ok } from '../../../protocol/src/index.js';
import { type CommandRunner, describeFailure } from './command-runner.js';

/** The host's IPv4 packet filter, as the `iptables` command line sees it (nft or legacy backend alike). */
export interface Iptables {
  /** `iptables-save -t TABLE`: the table's chains and rules in rule-spec form. */
  save(table: 'nat' | 'filter'): Promise<Result<string>>;
  /** One `iptables -w …` command. */
  exec(args: ReadonlyArray<string>): Promise<Result<void>>;
}

export class CommandIptables implements Iptables {
  constructor(private readonly run: CommandRunner) {}

  async save(table: 'nat' | 'filter'): Promise<Result<string>> {
    const result = await this.run('iptables-save', ['-t', table]);
    if (result.exitCode !== 0) return err(new CorralError(ErrorCode.NetworkHostFailed, describeFailure('iptables-save', result)));
    return ok(result.stdout);
  }

  async exec(args: ReadonlyArray<string>): Promise<Result<void>> {
    // -w: wait for the xtables lock instead of failing while a plugin holds it.
    const result = await this.run('iptables', ['-w', ...args]);
    if (result.exitCode !== 0) return err(new CorralError(ErrorCode.NetworkHostFailed, describeFailure(`iptables ${args.join(' ')}`, result)));
    return ok(undefined);
  }
}
