/** The few hub API calls the benchmarks make, and the busybox pod they run. */
export interface ApiPod {
  metadata: { name: string; uid: string };
  status: { phase: string };
}

/**
 * `sleep 3600` under sh as PID 1 with a TERM trap, so a delete stops it at once. The agent
 * sends SIGTERM and, for a deleted pod, waits 10 s before SIGKILL whatever the pod's
 * terminationGracePeriodSeconds (its stop step looks the grace period up among the desired
 * pods, where a deleted pod no longer is); a bare `sleep` as PID 1 ignores SIGTERM (no handler).
 * `sleep & wait`, not a foreground sleep, so the trap runs at once.
 */
export const TRAPPED_SLEEP: readonly string[] = ['sh', '-c', 'trap "exit 0" TERM; sleep 3600 & wait'];

export interface BusyboxPodOptions {
  name: string;
  nodeName: string;
  image: string;
  hostNetwork: boolean;
  /** Default TRAPPED_SLEEP. */
  command?: readonly string[];
}

/**
 * A one-container pod of the busybox test image pinned to a node, with a grace period of 0
 * (straight to SIGKILL on delete, where the agent honours it).
 */
export function busyboxPod(options: BusyboxPodOptions): unknown {
  return {
    apiVersion: 'corral/v1',
    kind: 'Pod',
    metadata: { name: options.name },
    spec: {
      nodeName: options.nodeName,
      hostNetwork: options.hostNetwork,
      terminationGracePeriodSeconds: 0,
      containers: [{ name: 'main', image: options.image, command: options.command ?? TRAPPED_SLEEP }],
    },
  };
}

export async function createPod(api: string, manifest: unknown): Promise<ApiPod> {
  const res = await fetch(`${api}/api/v1/pods`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(manifest) });
  if (res.status !== 201) throw new Error(`POST /api/v1/pods: ${res.status} ${await res.text()}`);
  return (await res.json()) as ApiPod;
}

/** The pod, or undefined once the hub answers 404. */
export async function getPod(api: string, name: string): Promise<ApiPod | undefined> {
  const res = await fetch(`${api}/api/v1/pods/${encodeURIComponent(name)}`);
  if (res.status === 404) {
    await res.body?.cancel();
    return undefined;
  }
  if (!res.ok) throw new Error(`GET /api/v1/pods/${name}: ${res.status}`);
  return (await res.json()) as ApiPod;
}

/** Deletes the pod; false when the hub did not know it. */
export async function deletePod(api: string, name: string): Promise<boolean> {
  const res = await fetch(`${api}/api/v1/pods/${encodeURIComponent(name)}`, { method: 'DELETE' });
  await res.body?.cancel();
  if (res.status === 404) return false;
  if (!res.ok) throw new Error(`DELETE /api/v1/pods/${name}: ${res.status}`);
  return true;
}

export async function listPodNames(api: string): Promise<string[]> {
  const res = await fetch(`${api}/api/v1/pods`);
  if (!res.ok) throw new Error(`GET /api/v1/pods: ${res.status}`);
  return ((await res.json()) as { items: ApiPod[] }).items.map((p) => p.metadata.name);
}
