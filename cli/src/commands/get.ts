import type { Command } from 'commander';
import type { CommandContext } from '../context.js';
import { OUTPUT_FORMATS, parseOutputFormat, renderNodes, renderPods, renderWorkloads } from '../format/output.js';
import { UsageError } from '../usage-error.js';
import { WORKLOAD_KIND, parseResource } from './resource.js';

/** `corral get nodes|pods|deployments|daemonsets [NAME] [--node N] [-o json|yaml|wide|name]` (also `get node NAME`, `get po`, `get deploy`, `get ds`). */
export function registerGet(program: Command, ctx: CommandContext): void {
  program
    .command('get')
    .description('list nodes, pods, deployments or daemonsets, or show one')
    .argument('<resource>', 'resource type: nodes (node, no), pods (pod, po), deployments (deployment, deploy) or daemonsets (daemonset, ds)')
    .argument('[name]', 'show only this one')
    .option('-o, --output <format>', `output format: ${OUTPUT_FORMATS.join(', ')} (default: table)`)
    .option('--node <node>', 'pods: only those on this node')
    .action(async (text: string, name: string | undefined, options: { output?: string; node?: string }, command: Command) => {
      const resource = parseResource(text);
      const format = parseOutputFormat(options.output);
      if (options.node !== undefined && resource !== 'pods') throw new UsageError('--node applies to pods only');
      if (options.node !== undefined && name !== undefined) throw new UsageError('--node cannot be combined with a pod name');
      const client = ctx.client(command);
      let output: string;
      if (resource === 'nodes') {
        output = renderNodes(name === undefined ? await client.listNodes() : await client.getNode(name), format, ctx.now());
      } else if (resource === 'deployments' || resource === 'daemonsets') {
        const kind = WORKLOAD_KIND[resource];
        output = renderWorkloads(name === undefined ? await client.listWorkloads(kind) : await client.getWorkload(kind, name), format, ctx.now());
      } else {
        const data = name === undefined ? await client.listPods(options.node === undefined ? {} : { node: options.node }) : await client.getPod(name);
        output = renderPods(data, format, ctx.now());
      }
      if (output === '' && (format === 'table' || format === 'wide')) ctx.io.stderr.write('No resources found.\n');
      else ctx.io.stdout.write(output);
    });
}
