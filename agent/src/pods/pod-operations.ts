import { mkdir, readFile, readdir, realpath, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Logger } from 'pino';
import { type Container, CorralError, ErrorCode, type Result } from '../../../protocol/src/index.js';
import { type ImageStore, type Platform, type RegistryAuth, canonicalImageRef, parseImageRef } from '../images/index.js';
import { type PodNetwork, podNetworkRequest } from '../network/index.js';
import type { PodOperations } from '../reconcile/driver.js';
import { type DesiredPod, type ObservedContainer, type ObservedPod, containerHash, sandboxHash } from '../reconcile/model.js';
import {
  type CgroupVersion,
  type OciRuntime,
  buildOciSpec,
  containerCgroupPath,
  podCgroupPath,
  readCgroupFile,
  readCgroupUsage,
  removeCgroup,
  resolveUser,
  terminationReason,
} from '../runtime/index.js';
import { hostPathAllowed, hostsFileText, podResolvConf, readHostResolvConf, statDevice } from './pod-files.js';
import { PodLayout, containerId } from './pod-layout.js';

export interface PodOperationsOptions {
  /** Pods live in `<dataDir>/pods`. */
  dataDir: string;
  images: ImageStore;
  runtime: OciRuntime;
  network: PodNetwork;
  platform: Platform;
  cgroupVersion: CgroupVersion;
  /** Host directories hostPath volumes may use (default: none). */
  hostPathAllow?: readonly string[];
  /** Credentials by registry host. */
  registryAuth?: Readonly<Record<string, RegistryAuth>>;
  log: Logger;
  now?: () => number;
}

interface SandboxRecord {
  name: string;
  hash: string;
  hostNetwork: boolean;
}

interface ContainerMeta {
  id: string;
  hash: string;
  image: string;
}

async function readJson<T>(path: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

async function writeJson(path: string, value: unknown): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(`${path}.tmp`, JSON.stringify(value));
  await rename(`${path}.tmp`, path);
}

function unwrap<T>(result: Result<T>): T {
  if (!result.ok) throw result.error;
  return result.value;
}

/**
 * The reconciler's effects for real: images through the image store, the pod
 * sandbox through the CNI network, containers through runc or crun. What a pod
 * made is recorded under `<dataDir>/pods/<uid>` so that a restarted agent
 * observes (and adopts) it, and a rebooted node tears down or rebuilds it.
 */
export class RealPodOperations implements PodOperations {
  readonly layout: PodLayout;
  private stored = new Set<string>();
  /** Containers stopped because their liveness probe failed: their exit is reported as such. */
  private readonly probeKilled = new Set<string>();
  private readonly now: () => number;

  constructor(private readonly options: PodOperationsOptions) {
    this.layout = new PodLayout(join(options.dataDir, 'pods'));
    this.now = options.now ?? Date.now;
  }

  presentImages(): { has(image: string): boolean } {
    return {
      has: (image) => {
        const canonical = canonicalImageRef(image);
        return canonical.ok && this.stored.has(canonical.value);
      },
    };
  }

  async observe(): Promise<ObservedPod[]> {
    const listed = await this.options.images.list();
    if (listed.ok) this.stored = new Set(listed.value.map((i) => i.reference));
    const states = new Map(unwrap(await this.options.runtime.list()).map((s) => [s.id, s]));
    const uids = new Set<string>(await readdir(this.layout.root).catch(() => []));
    for (const uid of await this.options.network.list()) uids.add(uid);
    const pods: ObservedPod[] = [];
    for (const uid of uids) {
      const sandbox = await readJson<SandboxRecord>(this.layout.sandboxFile(uid));
      const network = sandbox && !sandbox.hostNetwork ? await this.options.network.get(uid) : undefined;
      const sandboxReady = sandbox !== undefined && (sandbox.hostNetwork || network?.ready === true);
      const containers: ObservedContainer[] = [];
      const names = await readdir(join(this.layout.podDir(uid), 'containers')).catch(() => [] as string[]);
      for (const name of names) {
        const meta = await readJson<ContainerMeta>(this.layout.containerMetaFile(uid, name));
        const state = meta ? states.get(meta.id) : undefined;
        if (!meta || !state) continue;
        const observed = await this.containerState(uid, name, state);
        if (observed.status === 'exited' && this.probeKilled.has(meta.id)) observed.reason = 'LivenessProbeFailed';
        containers.push({ name, id: meta.id, hash: meta.hash, state: observed });
      }
      pods.push({ uid, name: sandbox?.name ?? uid, sandboxHash: sandboxReady ? sandbox.hash : undefined, ...(network?.podIP ? { podIP: network.podIP } : {}), containers });
    }
    return pods;
  }

  private async containerState(uid: string, name: string, state: { status: string; startedAt?: number; createdAt?: number; finishedAt?: number; exitCode?: number }): Promise<ObservedContainer['state']> {
    if (state.status === 'running') return { status: 'running', startedAt: state.startedAt ?? state.createdAt ?? this.now() };
    if (state.status !== 'stopped') return { status: 'created' };
    const location = { version: this.options.cgroupVersion, path: containerCgroupPath(podCgroupPath(uid), name) };
    const usage = await readCgroupUsage(readCgroupFile, location).catch(() => undefined);
    // No recorded exit status: the shim did not see the end (it was killed). Report it like a SIGKILL.
    const exitCode = state.exitCode ?? 137;
    const finishedAt = state.finishedAt ?? this.now();
    return { status: 'exited', exitCode, reason: terminationReason(exitCode, usage), startedAt: state.startedAt ?? finishedAt, finishedAt };
  }

  async pullImage(image: string): Promise<void> {
    const ref = parseImageRef(image);
    const auth = ref.ok && ref.value.transport === 'docker' ? this.options.registryAuth?.[ref.value.registry] : undefined;
    const pulled = unwrap(
      await this.options.images.pull(image, {
        platform: this.options.platform,
        ...(auth ? { auth } : {}),
        onProgress: (event) => this.options.log.debug({ image, ...event }, 'pull progress'),
      }),
    );
    this.stored.add(pulled.reference);
    this.options.log.info({ image, digest: pulled.digest }, 'image pulled');
  }

  async createSandbox(pod: DesiredPod): Promise<void> {
    await mkdir(this.layout.podDir(pod.uid), { recursive: true });
    const request = podNetworkRequest({ uid: pod.uid, name: pod.name, spec: pod.spec });
    let podIP: string | undefined;
    if (request) podIP = (await this.options.network.setUp(request)).podIP;
    for (const volume of pod.spec.volumes) {
      if (volume.emptyDir) await mkdir(this.layout.volumeDir(pod.uid, volume.name), { recursive: true });
    }
    if (!pod.spec.hostNetwork) {
      await writeFile(this.layout.hostsFile(pod.uid), hostsFileText(pod.name, podIP));
      await writeFile(this.layout.resolvConfFile(pod.uid), podResolvConf(await readHostResolvConf()));
    }
    await writeJson(this.layout.sandboxFile(pod.uid), { name: pod.name, hash: sandboxHash(pod.spec), hostNetwork: pod.spec.hostNetwork } satisfies SandboxRecord);
  }

  async startContainer(pod: DesiredPod, container: Container): Promise<void> {
    const { images, runtime } = this.options;
    const id = containerId(pod.uid, container.name);
    const bundle = this.layout.bundleDir(pod.uid, container.name);
    await runtime.delete(id, { force: true }); // a leftover from before a crash or reboot
    const rootfs = unwrap(await images.unpack(container.image, bundle));
    const image = unwrap(await images.imageConfig(container.image));
    let imageUser;
    if (image.user && !/^\d+(:\d+)?$/.test(image.user)) {
      const passwd = await readFile(join(rootfs.rootfs, 'etc/passwd'), 'utf8').catch(() => '');
      const group = await readFile(join(rootfs.rootfs, 'etc/group'), 'utf8').catch(() => '');
      imageUser = unwrap(resolveUser(image.user, passwd, group));
    }
    const devices = await Promise.all(container.devices.map((d) => statDevice(d.hostPath)));
    const volumes: Record<string, string> = {};
    for (const volume of pod.spec.volumes) {
      if (volume.emptyDir) volumes[volume.name] = this.layout.volumeDir(pod.uid, volume.name);
      else if (volume.hostPath) volumes[volume.name] = await this.allowedHostPath(volume.hostPath.path);
    }
    const sandbox = pod.spec.hostNetwork ? undefined : await this.options.network.get(pod.uid);
    if (!pod.spec.hostNetwork && !sandbox?.ready) throw new CorralError(ErrorCode.NetworkStateFailed, `pod ${pod.name} has no network sandbox`);
    const spec = unwrap(
      buildOciSpec({
        container,
        image,
        ...(imageUser ? { imageUser } : {}),
        pod: {
          uid: pod.uid,
          name: pod.name,
          hostname: pod.name.slice(0, 63),
          network: sandbox ? { path: sandbox.netnsPath } : 'host',
          volumes,
          ...(sandbox ? { hostsPath: this.layout.hostsFile(pod.uid), resolvConfPath: this.layout.resolvConfFile(pod.uid) } : {}),
        },
        cgroupsPath: containerCgroupPath(podCgroupPath(pod.uid), container.name),
        cgroupVersion: this.options.cgroupVersion,
        devices,
      }),
    );
    await writeFile(join(bundle, 'config.json'), JSON.stringify(spec));
    const log = this.layout.logFile(pod.uid, container.name);
    await mkdir(dirname(log), { recursive: true });
    await writeJson(this.layout.containerMetaFile(pod.uid, container.name), { id, hash: containerHash(container), image: container.image } satisfies ContainerMeta);
    unwrap(await runtime.create(id, { bundle, stdoutPath: log, stderrPath: log }));
    unwrap(await runtime.start(id));
    this.options.log.info({ pod: pod.name, container: container.name, id }, 'container started');
  }

  private async allowedHostPath(path: string): Promise<string> {
    const real = await realpath(path).catch(() => path);
    if (!hostPathAllowed(real, this.options.hostPathAllow ?? [])) {
      throw new CorralError(ErrorCode.RuntimeSpecInvalid, `hostPath ${path} is not under an allowed directory (agent config hostPathAllow)`);
    }
    return real;
  }

  async stopContainer(step: { podUid: string; container: string; id: string; graceMs: number }): Promise<void> {
    const { runtime } = this.options;
    unwrap(await runtime.kill(step.id, 'SIGTERM'));
    const deadline = this.now() + step.graceMs;
    while (this.now() < deadline) {
      const state = unwrap(await runtime.state(step.id));
      if (!state || state.status === 'stopped') return;
      await new Promise((r) => setTimeout(r, 100));
    }
    unwrap(await runtime.kill(step.id, 'SIGKILL'));
    for (let i = 0; i < 50; i += 1) {
      const state = unwrap(await runtime.state(step.id));
      if (!state || state.status === 'stopped') return;
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Stops a container for the prober (TERM, then KILL after the grace period); the reconciler restarts it. */
  async restartForLiveness(podUid: string, container: { name: string; id: string }, graceMs: number): Promise<void> {
    this.probeKilled.add(container.id);
    await this.stopContainer({ podUid, container: container.name, id: container.id, graceMs });
  }

  /** Cumulative cpu time and working set of each pod's cgroup (what heartbeats report). */
  async podCgroupSamples(pods: ReadonlyArray<{ uid: string; name: string }>): Promise<Array<{ uid: string; name: string; cpuUsageNs: number; memoryWorkingSetBytes: number }>> {
    const out = [];
    for (const pod of pods) {
      const usage = await readCgroupUsage(readCgroupFile, { version: this.options.cgroupVersion, path: podCgroupPath(pod.uid) }).catch(() => undefined);
      if (usage) out.push({ uid: pod.uid, name: pod.name, cpuUsageNs: usage.cpuUsageNs, memoryWorkingSetBytes: usage.memoryWorkingSetBytes });
    }
    return out;
  }

  /** Runs a command in a running container; its exit code (for exec probes). */
  async exec(containerId: string, argv: readonly string[], timeoutMs: number): Promise<number> {
    return unwrap(await this.options.runtime.exec(containerId, { argv, timeoutMs })).exitCode;
  }

  async removeContainer(step: { podUid: string; container: string; id: string }): Promise<void> {
    this.probeKilled.delete(step.id);
    unwrap(await this.options.runtime.delete(step.id, { force: true }));
    const bundle = this.layout.bundleDir(step.podUid, step.container);
    unwrap(await this.options.images.release(bundle));
    await rm(this.layout.containerDir(step.podUid, step.container), { recursive: true, force: true });
  }

  async removeSandbox(podUid: string): Promise<void> {
    await this.options.network.tearDown(podUid);
    for (const name of await readdir(join(this.layout.podDir(podUid), 'containers')).catch(() => [] as string[])) {
      unwrap(await this.options.images.release(this.layout.bundleDir(podUid, name)));
    }
    await removeCgroup({ version: this.options.cgroupVersion, path: podCgroupPath(podUid) });
    await rm(this.layout.podDir(podUid), { recursive: true, force: true });
  }
}
