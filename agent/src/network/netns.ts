import { stat } from 'node:fs/promises';
import { CorralError, ErrorCode, type Result, err, ok } from '../../../protocol/src/index.js';
import { type CommandRunner, describeFailure } from './command-runner.js';
import { NETNS_DIR } from './sandbox-names.js';

/** Named network namespaces, as `ip netns` keeps them under /var/run/netns. */
export interface NetnsManager {
  /** Creates the namespace with `lo` up and answers its path. Fails when it already exists. */
  create(name: string): Promise<Result<string>>;
  /** Deletes the namespace; succeeds when there is none. */
  remove(name: string): Promise<Result<void>>;
  /** Whether a live namespace is mounted at the name (not merely a leftover file). */
  exists(name: string): Promise<boolean>;
}

/**
 * `ip netns add` rather than our own unshare + bind mount: Node cannot call
 * unshare(2), iproute2 already gets the details right (a shared-propagation
 * /run/netns, cleanup on failure), and the result is what operators expect to
 * find with `ip netns list` / `ip netns exec`.
 */
export class IpNetnsManager implements NetnsManager {
  constructor(
    private readonly run: CommandRunner,
    private readonly dir: string = NETNS_DIR,
  ) {}

  async create(name: string): Promise<Result<string>> {
    const added = await this.run('ip', ['netns', 'add', name]);
    if (added.exitCode !== 0) return err(failure(`create network namespace ${name}`, describeFailure('ip netns add', added)));
    // Containers of the pod talk to each other over 127.0.0.1, so loopback must be up before the first one starts.
    const lo = await this.run('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
    if (lo.exitCode !== 0) {
      await this.run('ip', ['netns', 'delete', name]);
      return err(failure(`bring up lo in ${name}`, describeFailure('ip link set lo up', lo)));
    }
    return ok(`${this.dir}/${name}`);
  }

  async remove(name: string): Promise<Result<void>> {
    if (!(await present(`${this.dir}/${name}`))) return ok(undefined);
    const deleted = await this.run('ip', ['netns', 'delete', name]);
    if (deleted.exitCode !== 0 && (await present(`${this.dir}/${name}`))) {
      return err(failure(`delete network namespace ${name}`, describeFailure('ip netns delete', deleted)));
    }
    return ok(undefined);
  }

  /** A namespace bind mount sits on nsfs, another device than the tmpfs directory holding it. */
  async exists(name: string): Promise<boolean> {
    try {
      const [file, dir] = await Promise.all([stat(`${this.dir}/${name}`), stat(this.dir)]);
      return file.dev !== dir.dev;
    } catch {
      return false;
    }
  }
}

async function present(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

function failure(what: string, detail: string): CorralError {
  return new CorralError(ErrorCode.NetworkNamespaceFailed, `cannot ${what}: ${detail}`);
}
