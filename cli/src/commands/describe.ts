import type { Command } from 'commander';
import type { CommandContext } from '../context.js';
import { describeNode } from '../format/describe.js';
import { parseResource } from './resource.js';

/** `corral describe node NAME`. */
export function registerDescribe(program: Command, ctx: CommandContext): void {
  program
    .command('describe')
    .description('show details of one node')
    .argument('<resource>', 'resource type: node (or nodes, no)')
    .argument('<name>', 'node name')
    .action(async (resource: string, name: string, _options: unknown, command: Command) => {
      parseResource(resource);
      const node = await ctx.client(command).getNode(name);
      ctx.io.stdout.write(describeNode(node, ctx.now()));
    });
}
