import { CorralError, ErrorCode, type PodSpec, type Result, err, ok } from '../../../protocol/src/index.js';
import type { PodNetworkRequest, PortProtocol } from './pod-network.js';

/** A host port forwarded into the pod. */
export interface HostPortMapping {
  hostPort: number;
  containerPort: number;
  protocol: PortProtocol;
}

/** A request that passed validation: a uid safe for file names and CNI, and its host ports. */
export interface ValidPodNetworkRequest {
  uid: string;
  name: string;
  hostPorts: HostPortMapping[];
}

/** Another pod already forwards this host port. Data, so callers can say which pod holds it. */
export interface HostPortConflict {
  hostPort: number;
  protocol: PortProtocol;
  heldBy: string;
}

/**
 * Pod uids become file names, CNI container ids and iptables comments, so they
 * must be what the CNI spec allows for CNI_CONTAINERID: an alphanumeric, then
 * alphanumerics, `_`, `.` or `-`. UUIDs from the hub qualify.
 */
const UID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

const isPort = (n: unknown): n is number => typeof n === 'number' && Number.isInteger(n) && n >= 1 && n <= 65535;

/** What a pod asks of the network, or undefined for a `hostNetwork` pod, which gets no sandbox. Pure. */
export function podNetworkRequest(pod: { uid: string; name: string; spec: Pick<PodSpec, 'hostNetwork' | 'containers'> }): PodNetworkRequest | undefined {
  if (pod.spec.hostNetwork) return undefined;
  const ports = pod.spec.containers.flatMap((c) => c.ports.map((p) => ({ containerPort: p.containerPort, hostPort: p.hostPort, protocol: p.protocol })));
  return { uid: pod.uid, name: pod.name, ports };
}

/** Checks the uid and ports and collects the host ports; two ports claiming one host port is an error. Pure. */
export function validatePodNetworkRequest(request: PodNetworkRequest): Result<ValidPodNetworkRequest> {
  if (typeof request.uid !== 'string' || !UID.test(request.uid)) {
    return err(invalid(`pod uid ${JSON.stringify(request.uid)} must start with an alphanumeric and contain only alphanumerics, "_", "." or "-" (at most 128)`, 'uid'));
  }
  if (typeof request.name !== 'string' || request.name === '') return err(invalid('pod name must be a non-empty string', 'name'));
  const hostPorts: HostPortMapping[] = [];
  for (const [i, port] of request.ports.entries()) {
    const path = `ports[${i}]`;
    if (!isPort(port.containerPort)) return err(invalid(`${path}.containerPort: must be an integer in 1..65535`, `${path}.containerPort`));
    if (port.protocol !== 'TCP' && port.protocol !== 'UDP') return err(invalid(`${path}.protocol: must be TCP or UDP`, `${path}.protocol`));
    if (port.hostPort === undefined) continue;
    if (!isPort(port.hostPort)) return err(invalid(`${path}.hostPort: must be an integer in 1..65535`, `${path}.hostPort`));
    const mapping = { hostPort: port.hostPort, containerPort: port.containerPort, protocol: port.protocol };
    const same = hostPorts.find((m) => m.hostPort === mapping.hostPort && m.protocol === mapping.protocol);
    if (same === undefined) hostPorts.push(mapping);
    else if (same.containerPort !== mapping.containerPort) {
      return err(
        new CorralError(
          ErrorCode.NetworkHostPortConflict,
          `${path}: hostPort ${mapping.hostPort}/${mapping.protocol} is already mapped to containerPort ${same.containerPort} in this pod`,
          { path: `${path}.hostPort` },
        ),
      );
    }
  }
  return ok({ uid: request.uid, name: request.name, hostPorts });
}

/** The first host port of `wanted` that another pod already forwards. Pure. */
export function findHostPortConflict(
  wanted: ReadonlyArray<HostPortMapping>,
  others: ReadonlyArray<{ podUid: string; hostPorts: ReadonlyArray<HostPortMapping> }>,
): HostPortConflict | undefined {
  for (const mapping of wanted) {
    for (const other of others) {
      if (other.hostPorts.some((m) => m.hostPort === mapping.hostPort && m.protocol === mapping.protocol)) {
        return { hostPort: mapping.hostPort, protocol: mapping.protocol, heldBy: other.podUid };
      }
    }
  }
  return undefined;
}

export function hostPortConflictError(podUid: string, conflict: HostPortConflict): CorralError {
  return new CorralError(ErrorCode.NetworkHostPortConflict, `pod ${podUid}: hostPort ${conflict.hostPort}/${conflict.protocol} is already forwarded to pod ${conflict.heldBy}`);
}

/** Same host ports regardless of order. Pure. */
export function sameHostPorts(a: ReadonlyArray<HostPortMapping>, b: ReadonlyArray<HostPortMapping>): boolean {
  const key = (m: HostPortMapping) => `${m.hostPort}/${m.protocol}>${m.containerPort}`;
  const left = a.map(key).sort();
  const right = b.map(key).sort();
  return left.length === right.length && left.every((k, i) => k === right[i]);
}

function invalid(message: string, path: string): CorralError {
  return new CorralError(ErrorCode.NetworkInvalid, message, { path });
}
