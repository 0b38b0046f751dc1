import { UsageError } from '../usage-error.js';

export type Resource = 'nodes' | 'pods';

/** Resource types the CLI knows, with the spellings kubectl users type. */
const ALIASES: Record<string, Resource> = { nodes: 'nodes', node: 'nodes', no: 'nodes', pods: 'pods', pod: 'pods', po: 'pods' };
const ALL: readonly Resource[] = ['nodes', 'pods'];

/** The resource `text` names; `supported` narrows what the command (`verb`) at hand accepts, e.g. `delete` takes pods only. */
export function parseResource<R extends Resource = Resource>(text: string, options: { supported?: readonly R[]; verb?: string } = {}): R {
  const supported: readonly Resource[] = options.supported ?? ALL;
  const resource = Object.hasOwn(ALIASES, text) ? ALIASES[text] : undefined;
  if (resource === undefined) throw new UsageError(`unknown resource type ${JSON.stringify(text)} (supported: ${supported.join(', ')})`);
  if (!supported.includes(resource)) throw new UsageError(`${options.verb ?? 'this command'} does not support ${resource} (supported: ${supported.join(', ')})`);
  return resource as R;
}
