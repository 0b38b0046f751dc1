/**
 * The pod network sandbox: one network namespace per pod, shared by all of the
 * pod's containers (they reach each other on 127.0.0.1), with an address on the
 * node's pod bridge and optional host ports.
 *
 * Every method rejects only with a `CorralError` whose code is one of
 * `CORRAL_NETWORK_*`; nothing else escapes.
 */
export interface PodNetwork {
  /**
   * Creates the pod's sandbox, or returns the existing one when it is already
   * set up with the same ports. A sandbox left half-made (agent crash) or
   * stale (its namespace vanished with a reboot) is torn down and rebuilt.
   */
  setUp(pod: PodNetworkRequest): Promise<PodSandbox>;
  /** Releases everything the sandbox holds. Succeeds when there is nothing (left) to release. */
  tearDown(podUid: string): Promise<void>;
  /**
   * Uids of every pod that has a sandbox record, including stale ones whose
   * namespace is gone: those still hold an address lease until `tearDown`.
   */
  list(): Promise<string[]>;
  /** The pod's sandbox, or undefined when it has none. */
  get(podUid: string): Promise<PodSandboxStatus | undefined>;
}

export type PortProtocol = 'TCP' | 'UDP';

/** A container port, as `spec.containers[].ports[]` spells it. */
export interface PodPort {
  containerPort: number;
  hostPort?: number;
  protocol: PortProtocol;
}

export interface PodNetworkRequest {
  uid: string;
  name: string;
  ports: ReadonlyArray<PodPort>;
}

export interface PodSandbox {
  /** Bind-mounted namespace file, e.g. `/var/run/netns/corral-3f9a0c41d2e7`; containers join it. */
  netnsPath: string;
  /** The pod's IPv4 address on the pod bridge. */
  podIP: string;
}

export interface PodSandboxStatus {
  podUid: string;
  podName: string;
  netnsPath: string;
  /** Undefined while the sandbox is half-made (an ADD interrupted by a crash). */
  podIP: string | undefined;
  /** Host ports mapped into the pod, as requested at setUp. */
  hostPorts: ReadonlyArray<{ hostPort: number; containerPort: number; protocol: PortProtocol }>;
  /** False when the record survives but its namespace does not (after a reboot) or it is half-made: setUp rebuilds it. */
  ready: boolean;
}
