import { stringify } from 'yaml';
import type { NodeList, NodeObject } from '../../../protocol/src/index.js';
import { type ApiCronJob, type ApiCronJobList, type ApiRunList, cronJobManifestForm } from '../cronjob-object.js';
import { type ApiPod, type ApiPodList, podManifestForm } from '../pod-object.js';
import { UsageError } from '../usage-error.js';
import { formatCronJobTable, formatRunTable } from './cronjobs.js';
import { formatNodeTable } from './nodes.js';
import { formatPodTable } from './pods.js';
import { type ApiDaemonSet, type ApiDaemonSetList, type ApiDeployment, type ApiDeploymentList, workloadManifestForm } from '../workload-object.js';
import { formatDaemonSetTable, formatDeploymentTable } from './workloads.js';

/** `-o` values of `get`. `table` is the default when `-o` is absent and is not accepted as a value. */
export const OUTPUT_FORMATS = ['json', 'yaml', 'wide', 'name'] as const;
export type OutputFormat = 'table' | (typeof OUTPUT_FORMATS)[number];

export function parseOutputFormat(value: string | undefined): OutputFormat {
  if (value === undefined) return 'table';
  const found = OUTPUT_FORMATS.find((f) => f === value);
  if (found === undefined) {
    throw new UsageError(`unknown output format ${JSON.stringify(value)} (use one of: ${OUTPUT_FORMATS.join(', ')})`);
  }
  return found;
}

/** One resource list as `get` prints it: the document (json/yaml), `kind/name` lines, or a table. */
interface Rendering {
  document: unknown;
  names: () => string[];
  empty: boolean;
  table: (wide: boolean) => string;
}

function render(format: OutputFormat, r: Rendering): string {
  switch (format) {
    case 'json':
      return JSON.stringify(r.document, null, 2) + '\n';
    case 'yaml':
      return stringify(r.document);
    case 'name':
      return r.names().map((n) => `${n}\n`).join('');
    case 'table':
    case 'wide':
      return r.empty ? '' : r.table(format === 'wide');
  }
}

/**
 * What `get nodes` writes to stdout. `data` is the list, or the single node when
 * one was named; json/yaml print it as the hub sent it, tables and names print rows.
 * An empty table renders as "" (the caller says "No resources found." on stderr, like kubectl).
 */
export function renderNodes(data: NodeList | NodeObject, format: OutputFormat, now: number): string {
  const items = data.kind === 'List' ? data.items : [data];
  return render(format, { document: data, names: () => items.map((n) => `node/${n.metadata.name}`), empty: items.length === 0, table: (wide) => formatNodeTable(items, now, wide) });
}

/**
 * What `get pods` writes to stdout, like `renderNodes`. json/yaml print specs in
 * manifest form (`cpu: 250m`), so the output can be fed back as a manifest.
 */
export function renderPods(data: ApiPodList | ApiPod, format: OutputFormat, now: number): string {
  const items = data.kind === 'List' ? data.items : [data];
  const document = data.kind === 'List' ? { ...data, items: data.items.map(podManifestForm) } : podManifestForm(data);
  return render(format, { document, names: () => items.map((p) => `pod/${p.metadata.name}`), empty: items.length === 0, table: (wide) => formatPodTable(items, now, wide) });
}

/**
 * What `get deployments|daemonsets` writes to stdout, like `renderPods`: json/yaml print the
 * template in manifest form, so the output can be applied again.
 */
export function renderWorkloads(data: ApiDeploymentList | ApiDeployment | ApiDaemonSetList | ApiDaemonSet, format: OutputFormat, now: number): string {
  const items: Array<ApiDeployment | ApiDaemonSet> = data.kind === 'List' ? data.items : [data];
  const document = data.kind === 'List' ? { ...data, items: data.items.map((w) => workloadManifestForm(w)) } : workloadManifestForm(data);
  const deployments = items.filter((w): w is ApiDeployment => w.kind === 'Deployment');
  return render(format, {
    document,
    names: () => items.map((w) => `${w.kind.toLowerCase()}/${w.metadata.name}`),
    empty: items.length === 0,
    table: (wide) => (deployments.length > 0 ? formatDeploymentTable(deployments, now, wide) : formatDaemonSetTable(items as ApiDaemonSet[], now, wide)),
  });
}

/** What `get cronjobs` writes to stdout, like `renderWorkloads`: json/yaml print the spec in manifest form. */
export function renderCronJobs(data: ApiCronJobList | ApiCronJob, format: OutputFormat, now: number): string {
  const items = data.kind === 'List' ? data.items : [data];
  const document = data.kind === 'List' ? { ...data, items: data.items.map(cronJobManifestForm) } : cronJobManifestForm(data);
  return render(format, { document, names: () => items.map((j) => `cronjob/${j.metadata.name}`), empty: items.length === 0, table: (wide) => formatCronJobTable(items, now, wide) });
}

/** What `get runs CRONJOB` writes to stdout: the hub's RunList (json, yaml) or a table; `-o name` is refused by the caller. */
export function renderRuns(data: ApiRunList, format: Exclude<OutputFormat, 'name'>, now: number): string {
  return render(format, { document: data, names: () => [], empty: data.items.length === 0, table: (wide) => formatRunTable(data.items, now, wide) });
}
