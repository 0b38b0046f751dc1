import type { Command } from 'commander';
import type { CommandContext } from '../context.js';

/** `corral cordon|uncordon|drain NODE`. */
export function registerNodeAdmin(program: Command, ctx: CommandContext): void {
  program
    .command('cordon')
    .description('mark a node unschedulable: no new pods are placed on it (its pods stay)')
    .argument('<node>', 'node name')
    .action(async (node: string, _options: unknown, command: Command) => {
      await ctx.client(command).setCordon(node, true);
      ctx.io.stdout.write(`node/${node} cordoned\n`);
    });
  program
    .command('uncordon')
    .description('mark a node schedulable again')
    .argument('<node>', 'node name')
    .action(async (node: string, _options: unknown, command: Command) => {
      await ctx.client(command).setCordon(node, false);
      ctx.io.stdout.write(`node/${node} uncordoned\n`);
    });
  program
    .command('drain')
    .description('cordon a node and delete its deployment pods so their controllers place them elsewhere')
    .argument('<node>', 'node name')
    .action(async (node: string, _options: unknown, command: Command) => {
      const result = await ctx.client(command).drain(node);
      ctx.io.stdout.write(`node/${node} cordoned\n`);
      const daemon = result.skipped.filter((s) => s.reason === 'DaemonSet').map((s) => s.pod);
      const bare = result.skipped.filter((s) => s.reason !== 'DaemonSet').map((s) => s.pod);
      if (daemon.length > 0) ctx.io.stderr.write(`warning: ignoring DaemonSet pods: ${daemon.join(', ')}\n`);
      if (bare.length > 0) ctx.io.stderr.write(`warning: leaving pods no workload would replace (delete them yourself): ${bare.join(', ')}\n`);
      ctx.io.stdout.write(result.evicted.map((pod) => `pod/${pod} evicted\n`).join(''));
      ctx.io.stdout.write(`node/${node} drained\n`);
    });
}
