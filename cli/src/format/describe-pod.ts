import { type ContainerStatus, formatCpu, formatMemory } from '../../../protocol/src/index.js';
import type { ApiPod } from '../pod-object.js';
import { age } from './age.js';
import { type Field, formatFields } from './fields.js';
import { podStatus } from './pods.js';

/**
 * `corral describe pod NAME`: a kubectl-describe-like text block. Top-level
 * fields are aligned in one column; each container is a section indented by
 * two spaces, its own fields aligned on their own.
 */

const INDENT = '  ';
type Container = ApiPod['spec']['containers'][number];
type Terminated = NonNullable<ContainerStatus['lastTermination']>;
type Resources = Container['resources']['limits'];

const iso = (ms: number | undefined) => (ms === undefined ? '<unknown>' : new Date(ms).toISOString());

function labelLines(labels: Readonly<Record<string, string>>): string[] {
  const keys = Object.keys(labels).sort();
  return keys.length === 0 ? ['<none>'] : keys.map((k) => `${k}=${labels[k] ?? ''}`);
}

function terminatedFields(t: Terminated): Field[] {
  const fields: Field[] = [
    ['  Reason', t.reason || '<none>'],
    ['  Exit Code', String(t.exitCode)],
  ];
  if (t.signal !== undefined) fields.push(['  Signal', String(t.signal)]);
  if (t.startedAt !== undefined) fields.push(['  Started', iso(t.startedAt)]);
  fields.push(['  Finished', iso(t.finishedAt)]);
  return fields;
}

/** `State:` and the lines under it, as kubectl shows them; `Waiting` with no reason for a container not reported yet. */
function stateFields(key: string, state: ContainerStatus['state'] | undefined): Field[] {
  if (state?.running) return [[key, 'Running'], ['  Started', iso(state.running.startedAt)]];
  if (state?.terminated) return [[key, 'Terminated'], ...terminatedFields(state.terminated)];
  if (state?.waiting) {
    const fields: Field[] = [[key, 'Waiting'], ['  Reason', state.waiting.reason || '<none>']];
    if (state.waiting.message) fields.push(['  Message', state.waiting.message.replace(/\s+/g, ' ')]);
    return fields;
  }
  return [[key, 'Waiting']];
}

/** `cpu`, `memory`, `pids` under `Limits:` or `Requests:`; nothing when none is set. */
function resourceFields(key: string, resources: Resources): Field[] {
  const fields: Field[] = [];
  if (resources.cpu !== undefined) fields.push(['  cpu', formatCpu(resources.cpu)]);
  if (resources.memory !== undefined) fields.push(['  memory', formatMemory(resources.memory)]);
  if (resources.pids !== undefined) fields.push(['  pids', String(resources.pids)]);
  return fields.length === 0 ? [] : [[key, ''], ...fields];
}

function portLines(container: Container): string[] {
  return container.ports.map((p) => `${p.containerPort}/${p.protocol}${p.hostPort === undefined ? '' : ` (host ${p.hostPort})`}`);
}

function containerBlock(container: Container, status: ContainerStatus | undefined): string {
  const fields: Field[] = [['Image', container.image]];
  if (status?.containerID) fields.push(['Container ID', status.containerID]);
  if (container.command?.length) fields.push(['Command', container.command]);
  if (container.args?.length) fields.push(['Args', container.args]);
  const ports = portLines(container);
  if (ports.length > 0) fields.push(['Ports', ports]);
  fields.push(...stateFields('State', status?.state));
  if (status?.lastTermination) fields.push(['Last State', 'Terminated'], ...terminatedFields(status.lastTermination));
  fields.push(['Ready', status?.ready ? 'True' : 'False'], ['Restart Count', String(status?.restartCount ?? 0)]);
  fields.push(...resourceFields('Limits', container.resources.limits), ...resourceFields('Requests', container.resources.requests));
  if (container.env.length === 0) fields.push(['Environment', '<none>']);
  else fields.push(['Environment', ''], ...container.env.map((e): Field => [`  ${e.name}`, e.value]));
  if (container.volumeMounts.length > 0) fields.push(['Mounts', container.volumeMounts.map((m) => `${m.mountPath} from ${m.name}${m.readOnly ? ' (ro)' : ' (rw)'}`)]);
  return `${INDENT}${container.name}:\n` + formatFields(fields, INDENT + INDENT);
}

/** `1 (applied by the node)` or `1 (not yet applied by the node)`. */
function generationLine(pod: ApiPod): string {
  const { generation } = pod.metadata;
  const observed = pod.status.observedGeneration;
  return observed !== undefined && observed >= generation ? `${generation} (applied by the node)` : `${generation} (not yet applied by the node)`;
}

/** The full `describe pod` text, ending in "\n". `now` (ms since the epoch) is only used for ages. */
export function describePod(pod: ApiPod, now: number): string {
  const { metadata, spec, status } = pod;
  const top: Field[] = [
    ['Name', metadata.name],
    ['UID', metadata.uid],
    ['Node', spec.nodeName ?? '<none>'],
    ['Labels', labelLines(metadata.labels)],
    ['CreationTimestamp', `${metadata.creationTimestamp} (${age(metadata.creationTimestamp, now)} ago)`],
  ];
  if (status.startTime !== undefined) top.push(['Start Time', iso(status.startTime)]);
  top.push(
    ['Status', podStatus(pod) === status.phase ? status.phase : `${status.phase} (${podStatus(pod)})`],
    ['IP', status.podIP ?? '<none>'],
    ['Generation', generationLine(pod)],
    ['Restart Policy', spec.restartPolicy],
  );
  if (spec.hostNetwork) top.push(['Host Network', 'true']);
  const byName = new Map(status.containerStatuses.map((c) => [c.name, c]));
  const containers = spec.containers.map((c) => containerBlock(c, byName.get(c.name))).join('');
  const volumes = spec.volumes.map((v) => `${v.name}: ${v.hostPath ? `hostPath ${v.hostPath.path}` : `emptyDir${v.emptyDir?.sizeLimit === undefined ? '' : ` (limit ${formatMemory(v.emptyDir.sizeLimit)})`}`}`);
  return formatFields(top) + 'Containers:\n' + containers + 'Volumes:\n' + (volumes.length === 0 ? `${INDENT}<none>\n` : volumes.map((v) => `${INDENT}${v}\n`).join(''));
}
