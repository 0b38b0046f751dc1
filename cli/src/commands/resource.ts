import { UsageError } from '../usage-error.js';

/** Resource types the CLI knows, with the spellings kubectl users type. Only nodes, for now. */
const ALIASES: Record<string, 'nodes'> = { nodes: 'nodes', node: 'nodes', no: 'nodes' };

export type Resource = 'nodes';

export function parseResource(text: string): Resource {
  const resource = Object.hasOwn(ALIASES, text) ? ALIASES[text] : undefined;
  if (resource === undefined) throw new UsageError(`unknown resource type ${JSON.stringify(text)} (supported: nodes)`);
  return resource;
}
