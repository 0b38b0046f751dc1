import { execFile, spawn } from 'node:child_process';
import { mkdir, readFile, readdir, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { buildBusyboxRootfs } from '../../test/support/rootfs.js';

const exec = promisify(execFile);

/**
 * `host`: `runc spec` without a network namespace (what hostNetwork pods get); `new-netns`: runc's
 * default, a fresh empty network namespace per container (loopback only: no veth, no IP);
 * `agent-spec`: the config.json the agent wrote for a hostNetwork pod (its capabilities, mounts,
 * device rules, cgroup settings), on this rootfs — runc on the agent's spec without the agent.
 */
export type BundleKind = 'host' | 'new-netns' | 'agent-spec';

/**
 * The baseline: runc driven directly, no agent, no shim, on bundles prepared
 * once — a busybox rootfs (test/support/rootfs.ts, read-only as `runc spec`
 * makes it) and `runc spec`'s config.json changed only to run `args` (the
 * command the agent's pods run) without a terminal; see BundleKind. Every container
 * is put in `/<cgroupParent>/<id>` so whatever an interrupted run leaves is found again.
 */
export class BareRunc {
  readonly root: string;
  readonly cgroupParent: string;
  private readonly logFile: string;
  private agentTemplate: Record<string, unknown> | undefined;

  private constructor(
    private readonly dir: string,
    private readonly template: Record<string, unknown>,
    private readonly rootfs: string,
    tag: string,
  ) {
    this.root = join(dir, 'runc-root');
    this.logFile = join(dir, 'runc.log');
    this.cgroupParent = `corral-bench-${tag}`;
  }

  static async prepare(dir: string, options: { tag: string; args: readonly string[] }): Promise<BareRunc> {
    const rootfs = await buildBusyboxRootfs(join(dir, 'rootfs'));
    const specDir = join(dir, 'spec');
    await mkdir(specDir, { recursive: true });
    await exec('runc', ['spec', '--bundle', specDir]);
    const template = JSON.parse(await readFile(join(specDir, 'config.json'), 'utf8')) as Record<string, unknown>;
    const proc = template.process as Record<string, unknown>;
    proc.terminal = false;
    proc.args = [...options.args];
    (template.root as Record<string, unknown>).path = rootfs;
    const bare = new BareRunc(dir, template, rootfs, options.tag);
    for (const kind of ['host', 'new-netns', 'agent-spec'] as const) await mkdir(bare.bundle(kind), { recursive: true });
    return bare;
  }

  bundle(kind: BundleKind): string {
    return join(this.dir, `bundle-${kind}`);
  }

  /** The agent's config.json of a hostNetwork pod, for the `agent-spec` bundle: its root becomes this rootfs. */
  useAgentSpec(config: Record<string, unknown>): void {
    const copy = structuredClone(config);
    copy.root = { path: this.rootfs, readonly: (config.root as { readonly?: boolean } | undefined)?.readonly ?? false };
    this.agentTemplate = copy;
  }

  /** Writes the bundle's config.json for container `id` (its own cgroup path); not part of any timing. */
  async writeConfig(kind: BundleKind, id: string): Promise<void> {
    const base = kind === 'agent-spec' ? this.agentTemplate : this.template;
    if (!base) throw new Error('no agent config.json captured for the agent-spec bundle');
    const config = structuredClone(base);
    const linux = config.linux as { namespaces: Array<{ type: string }>; cgroupsPath?: string };
    if (kind === 'host') linux.namespaces = linux.namespaces.filter((n) => n.type !== 'network');
    linux.cgroupsPath = `/${this.cgroupParent}/${id}`;
    await writeFile(join(this.bundle(kind), 'config.json'), JSON.stringify(config));
  }

  /**
   * `runc <args>` with stdin, stdout and stderr on /dev/null: a non-terminal container
   * inherits runc's stdio, and a pipe there would tie the container to this process.
   * Errors come from runc's `--log` file.
   */
  async runc(args: readonly string[]): Promise<void> {
    const code = await new Promise<number | null>((resolve, reject) => {
      const child = spawn('runc', ['--root', this.root, '--log', this.logFile, ...args], { stdio: 'ignore' });
      child.once('error', reject);
      child.once('exit', (c) => resolve(c));
    });
    if (code !== 0) {
      const log = (await readFile(this.logFile, 'utf8').catch(() => '')).trim().split('\n').slice(-2).join('; ');
      throw new Error(`runc ${args.join(' ')}: exit ${code}${log ? ` — ${log}` : ''}`);
    }
  }

  /** `runc state`'s status, or undefined when runc does not know the container. */
  async status(id: string): Promise<string | undefined> {
    try {
      const { stdout } = await exec('runc', ['--root', this.root, 'state', id]);
      return (JSON.parse(stdout) as { status?: string }).status;
    } catch {
      return undefined;
    }
  }

  /** Force-deletes every container of this root, then the cgroups they left (best effort). */
  async removeAll(): Promise<void> {
    await removeRuncContainers(this.root);
    for (const controller of await readdir('/sys/fs/cgroup').catch(() => [] as string[])) {
      const parent = join('/sys/fs/cgroup', controller, this.cgroupParent);
      for (const child of await readdir(parent, { withFileTypes: true }).catch(() => [])) if (child.isDirectory()) await rmdir(join(parent, child.name)).catch(() => undefined);
      await rmdir(parent).catch(() => undefined);
    }
  }
}

/** Force-deletes every container runc knows under `root` (best effort). */
export async function removeRuncContainers(root: string): Promise<void> {
  const listed = await exec('runc', ['--root', root, 'list', '-q']).catch(() => ({ stdout: '' }));
  for (const id of listed.stdout.split('\n').filter(Boolean)) await exec('runc', ['--root', root, 'delete', '-f', id]).catch(() => undefined);
}
