import { UsageError } from '../usage-error.js';

export type Resource = 'nodes' | 'pods' | 'deployments' | 'daemonsets' | 'cronjobs' | 'runs' | 'events';

/** Resource types the CLI knows, with the spellings kubectl users type. */
const ALIASES: Record<string, Resource> = {
  nodes: 'nodes',
  node: 'nodes',
  no: 'nodes',
  pods: 'pods',
  pod: 'pods',
  po: 'pods',
  deployments: 'deployments',
  deployment: 'deployments',
  deploy: 'deployments',
  daemonsets: 'daemonsets',
  daemonset: 'daemonsets',
  ds: 'daemonsets',
  cronjobs: 'cronjobs',
  cronjob: 'cronjobs',
  cj: 'cronjobs',
  runs: 'runs',
  run: 'runs',
  events: 'events',
  event: 'events',
  ev: 'events',
};
const ALL: readonly Resource[] = ['nodes', 'pods', 'deployments', 'daemonsets', 'cronjobs', 'runs', 'events'];

/** The workload kind a resource type names (CronJobs are served like workloads). */
export const WORKLOAD_KIND = { deployments: 'Deployment', daemonsets: 'DaemonSet', cronjobs: 'CronJob' } as const;

/** The resource type of a manifest kind, for `kind/name` lines (`deployment/web`). */
export function kindPrefix(kind: string): string {
  return kind.toLowerCase();
}

/** The resource `text` names; `supported` narrows what the command (`verb`) at hand accepts, e.g. `delete` takes pods only. */
export function parseResource<R extends Resource = Resource>(text: string, options: { supported?: readonly R[]; verb?: string } = {}): R {
  const supported: readonly Resource[] = options.supported ?? ALL;
  const resource = Object.hasOwn(ALIASES, text) ? ALIASES[text] : undefined;
  if (resource === undefined) throw new UsageError(`unknown resource type ${JSON.stringify(text)} (supported: ${supported.join(', ')})`);
  if (!supported.includes(resource)) throw new UsageError(`${options.verb ?? 'this command'} does not support ${resource} (supported: ${supported.join(', ')})`);
  return resource as R;
}
