import { createHash } from 'node:crypto';

/** Where `ip netns add` bind-mounts named namespaces (a symlink to /run/netns on Debian). */
export const NETNS_DIR = '/var/run/netns';

export interface SandboxNames {
  /** `corral-` and 12 hex digits of sha256(uid): fixed length, safe whatever the uid, 48 bits against collisions. */
  netnsName: string;
  netnsPath: string;
  /** CNI_CONTAINERID: the pod uid itself (already restricted to what CNI allows), so leases and iptables comments name the pod. */
  containerId: string;
}

/** Names of a pod's sandbox, derived from its uid alone so they survive restarts. Pure. */
export function sandboxNames(podUid: string): SandboxNames {
  const netnsName = `corral-${createHash('sha256').update(podUid).digest('hex').slice(0, 12)}`;
  return { netnsName, netnsPath: `${NETNS_DIR}/${netnsName}`, containerId: podUid };
}
