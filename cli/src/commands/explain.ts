import type { Command } from 'commander';
import type { CommandContext } from '../context.js';
import { parseResource } from './resource.js';

/** `corral explain pod NAME`: where the scheduler put the pod, or why no node fits, node by node. */
export function registerExplain(program: Command, ctx: CommandContext): void {
  program
    .command('explain')
    .description("show the scheduler's reasons for a pod's placement, node by node")
    .argument('<resource>', 'resource type: pod (pods, po)')
    .argument('<name>', 'pod name')
    .action(async (resource: string, name: string, _options: unknown, command: Command) => {
      parseResource(resource, { supported: ['pods'], verb: 'explain' });
      const explanation = await ctx.client(command).explainPod(name);
      ctx.io.stdout.write(`pod/${explanation.pod}: ${explanation.message}\n`);
      ctx.io.stdout.write(explanation.lines.map((line) => `  ${line}\n`).join(''));
    });
}
