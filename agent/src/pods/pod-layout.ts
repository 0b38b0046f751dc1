import { join } from 'node:path';

/** Where a pod's files live under the agent's data dir. Pure. */
export class PodLayout {
  constructor(readonly root: string) {}

  podDir(uid: string): string {
    return join(this.root, uid);
  }

  /** Present once the pod's sandbox was made: `{name, hash, hostNetwork}`. */
  sandboxFile(uid: string): string {
    return join(this.podDir(uid), 'sandbox.json');
  }

  volumeDir(uid: string, volume: string): string {
    return join(this.podDir(uid), 'volumes', volume);
  }

  containerDir(uid: string, container: string): string {
    return join(this.podDir(uid), 'containers', container);
  }

  bundleDir(uid: string, container: string): string {
    return join(this.containerDir(uid, container), 'bundle');
  }

  /** `{id, hash, image}` of the container made from this spec. */
  containerMetaFile(uid: string, container: string): string {
    return join(this.containerDir(uid, container), 'container.json');
  }

  /** stdout and stderr of every run of the container, appended, size-capped by rotation. */
  logFile(uid: string, container: string): string {
    return join(this.podDir(uid), 'logs', `${container}.log`);
  }

  hostsFile(uid: string): string {
    return join(this.podDir(uid), 'hosts');
  }

  resolvConfFile(uid: string): string {
    return join(this.podDir(uid), 'resolv.conf');
  }
}

/** The runtime's id for a container: unique per pod and container name, valid for runc and crun. */
export function containerId(podUid: string, container: string): string {
  return `${podUid}-${container}`;
}
