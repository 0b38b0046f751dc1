import type { Command } from 'commander';
import type { CommandContext } from '../context.js';
import { describeNode } from '../format/describe.js';
import { describePod } from '../format/describe-pod.js';
import { parseResource } from './resource.js';

/** `corral describe node NAME`, `corral describe pod NAME`. */
export function registerDescribe(program: Command, ctx: CommandContext): void {
  program
    .command('describe')
    .description('show details of one node or pod')
    .argument('<resource>', 'resource type: node (nodes, no) or pod (pods, po)')
    .argument('<name>', 'node or pod name')
    .action(async (text: string, name: string, _options: unknown, command: Command) => {
      const client = ctx.client(command);
      if (parseResource(text) === 'nodes') ctx.io.stdout.write(describeNode(await client.getNode(name), ctx.now()));
      else ctx.io.stdout.write(describePod(await client.getPod(name), ctx.now()));
    });
}
