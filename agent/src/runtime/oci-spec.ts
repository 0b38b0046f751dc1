import { type Container, CorralError, ErrorCode, type Result, err, ok } from '../../../protocol/src/index.js';
import type { OciConfig, OciDevice, OciDeviceRule, OciMount, OciNamespace, OciResources, OciUser } from './oci-config.js';
import {
  CPU_PERIOD_US,
  DEFAULT_CAPABILITIES,
  DEFAULT_DEVICE_RULES,
  DEFAULT_MOUNTS,
  DEFAULT_PATH_ENV,
  DEFAULT_RLIMITS,
  MASKED_PATHS,
  MAX_CPU_SHARES,
  MIN_CPU_QUOTA_US,
  MIN_CPU_SHARES,
  OCI_VERSION,
  READONLY_PATHS,
} from './oci-defaults.js';
import type { CgroupVersion } from './cgroups.js';
import { parseNumericUser } from './resolve-user.js';
import { seccompProfile } from './seccomp.js';

/** What of an image's config decides how its process runs (the image store's `ImageConfig` fits). */
export interface ImageProcessConfig {
  entrypoint?: readonly string[];
  cmd?: readonly string[];
  /** `KEY=value` entries. */
  env?: readonly string[];
  workingDir?: string;
  /** As the image spells it: `""`, `uid`, `name`, `uid:gid`, `name:group`. */
  user?: string;
}

/** A host device node the caller has already stat'ed (stat is effectful; this module is not). */
export interface DeviceNode {
  hostPath: string;
  type: 'c' | 'b';
  major: number;
  minor: number;
  /** Permission bits of the node, e.g. 0o660. */
  fileMode: number;
  uid: number;
  gid: number;
}

/** The pod-level facts a container's spec depends on, resolved by the caller. */
export interface PodRuntimeContext {
  uid: string;
  name: string;
  hostname: string;
  /** `host` for hostNetwork pods, else the pod's network namespace (`/var/run/netns/<name>`). */
  network: 'host' | { path: string };
  /** Join the pod's IPC namespace to share SysV IPC and POSIX queues between its containers (default: a private one). */
  ipc?: 'private' | { path: string };
  /** Default: the host's with host networking (as Kubernetes does), else a private one with `hostname` set. */
  uts?: 'private' | 'host' | { path: string };
  /** Volume name → host directory: emptyDir directories and hostPath volumes already allow-list-checked. */
  volumes: Readonly<Record<string, string>>;
  /** Bind-mounted at /etc/resolv.conf and /etc/hosts when given. */
  resolvConfPath?: string;
  hostsPath?: string;
}

export interface BuildOciSpecInput {
  container: Container;
  image: ImageProcessConfig;
  /**
   * `resolveUser(image.user, rootfs/etc/passwd, rootfs/etc/group)`. Needed when the image
   * names its user; without it only numeric image users are accepted.
   */
  imageUser?: OciUser;
  pod: PodRuntimeContext;
  /** The bundle's root filesystem; relative paths are relative to the bundle (default `rootfs`). */
  rootfsPath?: string;
  /** Absolute cgroup path, e.g. from `containerCgroupPath`. */
  cgroupsPath: string;
  cgroupVersion: CgroupVersion;
  /** Stat results for every `container.devices[].hostPath`. */
  devices?: readonly DeviceNode[];
  /** `process.arch` of the node, for the seccomp filter's architectures (default: this process's). */
  arch?: string;
}

function invalid(message: string, path: string): Result<never> {
  return err(new CorralError(ErrorCode.RuntimeSpecInvalid, message, { path }));
}

/**
 * Kubernetes' rule: `command` replaces the image's Entrypoint and `args` its
 * Cmd; with a `command` but no `args` the image's Cmd is dropped too.
 */
export function processArgs(container: Pick<Container, 'command' | 'args'>, image: ImageProcessConfig): string[] {
  const entrypoint = container.command ?? image.entrypoint ?? [];
  const cmd = container.args ?? (container.command ? [] : (image.cmd ?? []));
  return [...entrypoint, ...cmd];
}

/** Image env overlaid by the container's: a name keeps its image position, new names follow in spec order; PATH is added when neither sets it. */
export function processEnv(containerEnv: Container['env'], imageEnv: readonly string[] = []): string[] {
  const values = new Map<string, string>();
  for (const entry of imageEnv) {
    const eq = entry.indexOf('=');
    values.set(eq === -1 ? entry : entry.slice(0, eq), eq === -1 ? '' : entry.slice(eq + 1));
  }
  for (const { name, value } of containerEnv) values.set(name, value);
  const env = [...values].map(([k, v]) => `${k}=${v}`);
  return values.has('PATH') ? env : [DEFAULT_PATH_ENV, ...env];
}

/** Kubernetes `MilliCPUToShares`: millicores × 1024 / 1000, at least 2. */
export function cpuShares(millicores: number): number {
  return Math.min(MAX_CPU_SHARES, Math.max(MIN_CPU_SHARES, Math.floor((millicores * 1024) / 1000)));
}

/** CFS quota for a limit in millicores over `CPU_PERIOD_US` (1000m = one full period), at least the kernel's 1 ms. */
export function cpuQuota(millicores: number): number {
  return Math.max(MIN_CPU_QUOTA_US, Math.round((millicores * CPU_PERIOD_US) / 1000));
}

/** linux.resources without devices: cpu shares/quota, memory with no swap beyond the limit, pids. */
export function containerResources(resources: Container['resources']): Omit<OciResources, 'devices'> {
  const { requests, limits } = resources;
  const out: Omit<OciResources, 'devices'> = {
    // A limit without a request means request = limit, as the Kubernetes API defaults it.
    cpu: { shares: cpuShares(requests.cpu ?? limits.cpu ?? 0) },
  };
  if (limits.cpu !== undefined) out.cpu = { ...out.cpu, quota: cpuQuota(limits.cpu), period: CPU_PERIOD_US };
  // OCI `swap` is memory+swap: equal to the limit means no swap at all.
  if (limits.memory !== undefined) out.memory = { limit: limits.memory, swap: limits.memory };
  if (limits.pids !== undefined) out.pids = { limit: limits.pids };
  return out;
}

function containerUser(input: BuildOciSpecInput): Result<OciUser> {
  const imageUser = input.image.user ?? '';
  const base = input.imageUser ?? parseNumericUser(imageUser);
  const { runAsUser, runAsGroup } = input.container.securityContext;
  if (!base) {
    // A named image user is fine when the pod overrides both ids anyway.
    if (runAsUser !== undefined && runAsGroup !== undefined) return ok({ uid: runAsUser, gid: runAsGroup });
    return err(new CorralError(ErrorCode.RuntimeUserUnknown, `image user ${JSON.stringify(imageUser)} names a user; resolve it from the image's /etc/passwd first`, { path: 'user' }));
  }
  if (runAsUser === undefined) return ok(runAsGroup === undefined ? base : { uid: base.uid, gid: runAsGroup });
  // Another uid than the image's: its group memberships are unknown here, so gid 0 unless given.
  const same = runAsUser === base.uid;
  const gid = runAsGroup ?? (same ? base.gid : 0);
  return ok(same && base.additionalGids ? { uid: runAsUser, gid, additionalGids: base.additionalGids } : { uid: runAsUser, gid });
}

function bind(source: string, destination: string, readOnly: boolean): OciMount {
  return { destination, type: 'bind', source, options: readOnly ? ['rbind', 'rprivate', 'ro'] : ['rbind', 'rprivate'] };
}

function containerMounts(container: Container, pod: PodRuntimeContext): Result<OciMount[]> {
  const mounts: OciMount[] = DEFAULT_MOUNTS.map((m) => ({ ...m, options: [...(m.options ?? [])] }));
  if (pod.resolvConfPath) mounts.push(bind(pod.resolvConfPath, '/etc/resolv.conf', false));
  if (pod.hostsPath) mounts.push(bind(pod.hostsPath, '/etc/hosts', false));
  const seen = new Set<string>();
  const volumes: OciMount[] = [];
  for (const [i, m] of container.volumeMounts.entries()) {
    const source = pod.volumes[m.name];
    if (source === undefined) return invalid(`volume "${m.name}" was not resolved to a host path`, `volumeMounts[${i}].name`);
    const destination = m.mountPath.replace(/\/+$/, '') || '/';
    if (destination === '/') return invalid('a volume cannot be mounted over the root filesystem', `volumeMounts[${i}].mountPath`);
    if (seen.has(destination)) return invalid(`two volumes are mounted at ${destination}`, `volumeMounts[${i}].mountPath`);
    seen.add(destination);
    volumes.push(bind(source, destination, m.readOnly));
  }
  // Parents before children, so /data/cache is not hidden by a later /data.
  const depth = (m: OciMount) => m.destination.split('/').length;
  return ok([...mounts, ...volumes.sort((a, b) => depth(a) - depth(b))]);
}

function containerDevices(container: Container, nodes: readonly DeviceNode[]): Result<{ devices: OciDevice[]; rules: OciDeviceRule[] }> {
  const devices: OciDevice[] = [];
  const rules: OciDeviceRule[] = [];
  for (const [i, d] of container.devices.entries()) {
    const node = nodes.find((n) => n.hostPath === d.hostPath);
    if (!node) return invalid(`device ${d.hostPath} was not stat'ed by the caller`, `devices[${i}].hostPath`);
    const path = d.containerPath ?? d.hostPath;
    if (devices.some((x) => x.path === path)) return invalid(`two devices at ${path}`, `devices[${i}].containerPath`);
    devices.push({ path, type: node.type, major: node.major, minor: node.minor, fileMode: node.fileMode, uid: node.uid, gid: node.gid });
    // No letters means the node exists but cannot be opened, which is what the spec asked for.
    if (d.permissions !== '') rules.push({ allow: true, type: node.type, major: node.major, minor: node.minor, access: d.permissions });
  }
  return ok({ devices, rules });
}

function namespaces(pod: PodRuntimeContext, cgroupVersion: CgroupVersion): { list: OciNamespace[]; privateUts: boolean } {
  const list: OciNamespace[] = [{ type: 'pid' }];
  if (pod.network !== 'host') list.push({ type: 'network', path: pod.network.path });
  const ipc = pod.ipc ?? 'private';
  list.push(ipc === 'private' ? { type: 'ipc' } : { type: 'ipc', path: ipc.path });
  const uts = pod.uts ?? (pod.network === 'host' ? 'host' : 'private');
  if (uts === 'private') list.push({ type: 'uts' });
  else if (uts !== 'host') list.push({ type: 'uts', path: uts.path });
  list.push({ type: 'mount' });
  // On v2 the container sees its own cgroup as the root of /sys/fs/cgroup, as Docker and containerd do.
  if (cgroupVersion === 'v2') list.push({ type: 'cgroup' });
  return { list, privateUts: uts !== 'host' };
}

/**
 * The OCI runtime config (config.json) for one container of a pod. Pure: every
 * fact from the host (volume paths, device numbers, the image's user) is resolved
 * by the caller. Errors are CORRAL_RUNTIME_SPEC_INVALID or CORRAL_RUNTIME_USER_UNKNOWN,
 * with the container field at fault as `path`.
 */
export function buildOciSpec(input: BuildOciSpecInput): Result<OciConfig> {
  const { container, image, pod } = input;
  const args = processArgs(container, image);
  if (args.length === 0) return invalid(`container "${container.name}" has no command: set command or use an image with an Entrypoint or Cmd`, 'command');
  const user = containerUser(input);
  if (!user.ok) return user;
  const mounts = containerMounts(container, pod);
  if (!mounts.ok) return mounts;
  const devices = containerDevices(container, input.devices ?? []);
  if (!devices.ok) return devices;
  const ns = namespaces(pod, input.cgroupVersion);
  const cwd = container.workingDir ?? (image.workingDir || '/');

  return ok({
    ociVersion: OCI_VERSION,
    process: {
      terminal: false,
      user: user.value,
      args,
      env: processEnv(container.env, image.env),
      cwd: cwd.startsWith('/') ? cwd : `/${cwd}`,
      capabilities: { bounding: [...DEFAULT_CAPABILITIES], effective: [...DEFAULT_CAPABILITIES], permitted: [...DEFAULT_CAPABILITIES] },
      rlimits: DEFAULT_RLIMITS.map((r) => ({ ...r })),
      noNewPrivileges: true,
    },
    root: { path: input.rootfsPath ?? 'rootfs', readonly: container.securityContext.readOnlyRootFilesystem },
    ...(ns.privateUts ? { hostname: pod.hostname } : {}),
    mounts: mounts.value,
    annotations: {
      'io.corral.pod.uid': pod.uid,
      'io.corral.pod.name': pod.name,
      'io.corral.container.name': container.name,
    },
    linux: {
      namespaces: ns.list,
      devices: devices.value.devices,
      resources: { devices: [...DEFAULT_DEVICE_RULES.map((r) => ({ ...r })), ...devices.value.rules], ...containerResources(container.resources) },
      cgroupsPath: input.cgroupsPath,
      maskedPaths: [...MASKED_PATHS],
      readonlyPaths: [...READONLY_PATHS],
      seccomp: seccompProfile({ arch: input.arch ?? process.arch, capabilities: DEFAULT_CAPABILITIES }),
    },
  });
}
