import type { Command } from 'commander';
import type { CommandContext } from '../context.js';
import { parseResource } from './resource.js';

/** `corral delete pod NAME`: the hub drops the pod from its node's desired state. */
export function registerDelete(program: Command, ctx: CommandContext): void {
  program
    .command('delete')
    .description('delete a pod')
    .argument('<resource>', 'resource type: pod (or pods, po)')
    .argument('<name>', 'pod name')
    .action(async (resource: string, name: string, _options: unknown, command: Command) => {
      parseResource(resource, { supported: ['pods'], verb: 'delete' });
      const pod = await ctx.client(command).deletePod(name);
      ctx.io.stdout.write(`pod/${pod.metadata.name} deleted\n`);
    });
}
