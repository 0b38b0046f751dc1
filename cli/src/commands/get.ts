import type { Command } from 'commander';
import type { CommandContext } from '../context.js';
import { formatEventTable } from '../format/events.js';
import { OUTPUT_FORMATS, type OutputFormat, parseOutputFormat, renderCronJobs, renderNodes, renderPods, renderRuns, renderWorkloads } from '../format/output.js';
import { UsageError } from '../usage-error.js';
import { WORKLOAD_KIND, parseResource } from './resource.js';

type GetOptions = { output?: string; node?: string; limit?: string };

/**
 * `corral get nodes|pods|deployments|daemonsets|cronjobs [NAME] [--node N] [-o json|yaml|wide|name]` (also `get node NAME`,
 * `get po`, `get deploy`, `get ds`, `get cj`), `corral get events [POD] [--node N]`: the devices' events, and
 * `corral get runs CRONJOB [--node N]`: a cron job's runs.
 */
export function registerGet(program: Command, ctx: CommandContext): void {
  program
    .command('get')
    .description('list nodes, pods, deployments, daemonsets, cronjobs, runs of a cronjob or events, or show one')
    .argument('<resource>', 'resource type: nodes (node, no), pods (pod, po), deployments (deployment, deploy), daemonsets (daemonset, ds), cronjobs (cronjob, cj), runs (run) or events (event, ev)')
    .argument('[name]', 'show only this one (events: only those of this pod; runs: the cronjob, required)')
    .option('-o, --output <format>', `output format: ${OUTPUT_FORMATS.join(', ')} (default: table)`)
    .option('--node <node>', 'pods, runs and events: only those on this node')
    .option('--limit <n>', 'events and runs: at most this many, newest first (default 100)')
    .action(async (text: string, name: string | undefined, options: GetOptions, command: Command) => {
      const resource = parseResource(text);
      const format = parseOutputFormat(options.output);
      if (resource === 'events') {
        await getEvents(ctx, command, { name, format, ...options });
        return;
      }
      if (resource === 'runs') {
        await getRuns(ctx, command, { name, format, ...options });
        return;
      }
      if (options.limit !== undefined) throw new UsageError('--limit applies to events and runs only');
      if (options.node !== undefined && resource !== 'pods') throw new UsageError('--node applies to pods, runs and events only');
      if (options.node !== undefined && name !== undefined) throw new UsageError('--node cannot be combined with a pod name');
      const client = ctx.client(command);
      let output: string;
      if (resource === 'nodes') {
        output = renderNodes(name === undefined ? await client.listNodes() : await client.getNode(name), format, ctx.now());
      } else if (resource === 'deployments' || resource === 'daemonsets') {
        const kind = WORKLOAD_KIND[resource];
        output = renderWorkloads(name === undefined ? await client.listWorkloads(kind) : await client.getWorkload(kind, name), format, ctx.now());
      } else if (resource === 'cronjobs') {
        output = renderCronJobs(name === undefined ? await client.listWorkloads('CronJob') : await client.getWorkload('CronJob', name), format, ctx.now());
      } else {
        const data = name === undefined ? await client.listPods(options.node === undefined ? {} : { node: options.node }) : await client.getPod(name);
        output = renderPods(data, format, ctx.now());
      }
      if (output === '' && (format === 'table' || format === 'wide')) ctx.io.stderr.write('No resources found.\n');
      else ctx.io.stdout.write(output);
    });
}

function parseLimit(text: string | undefined): number | undefined {
  const limit = text === undefined ? undefined : Number(text);
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 1 || limit > 10_000)) throw new UsageError('--limit must be an integer from 1 to 10000');
  return limit;
}

async function getEvents(ctx: CommandContext, command: Command, options: { name: string | undefined; format: OutputFormat; node?: string; limit?: string }): Promise<void> {
  const limit = parseLimit(options.limit);
  if (options.format === 'yaml' || options.format === 'name') throw new UsageError(`-o ${options.format} is not available for events (use json, wide or the table)`);
  const list = await ctx.client(command).listNodeEvents({ node: options.node, pod: options.name, limit });
  if (options.format === 'json') ctx.io.stdout.write(JSON.stringify(list, null, 2) + '\n');
  else if (list.items.length === 0) ctx.io.stderr.write('No events found.\n');
  else ctx.io.stdout.write(formatEventTable(list.items, ctx.now()));
}

async function getRuns(ctx: CommandContext, command: Command, options: { name: string | undefined; format: OutputFormat; node?: string; limit?: string }): Promise<void> {
  if (options.name === undefined) throw new UsageError('name the cron job: corral get runs CRONJOB');
  const limit = parseLimit(options.limit);
  const { format } = options;
  if (format === 'name') throw new UsageError('-o name is not available for runs (use json, yaml, wide or the table)');
  const list = await ctx.client(command).cronJobRuns(options.name, { node: options.node, limit });
  const output = renderRuns(list, format, ctx.now());
  if (output === '') ctx.io.stderr.write('No runs found.\n');
  else ctx.io.stdout.write(output);
}
