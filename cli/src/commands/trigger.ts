import type { Command } from 'commander';
import { CorralError, ErrorCode } from '../../../protocol/src/index.js';
import type { CommandContext } from '../context.js';
import { errorLine } from '../error-line.js';
import { parseResource } from './resource.js';

/**
 * `corral trigger cronjob NAME [--node N]`: a run now, whatever the schedule and `suspend`, on
 * every node the job runs on (or on N). One line per node that started a run; one `error:`
 * line per node that did not (its concurrency policy said no, or it could not be asked), exit 1.
 */
export function registerTrigger(program: Command, ctx: CommandContext): void {
  program
    .command('trigger')
    .description('start a run of a cronjob now on its nodes (or on one of them)')
    .argument('<resource>', 'resource type: cronjob (cronjobs, cj)')
    .argument('<name>', 'cronjob name')
    .option('--node <node>', 'only on this node (default: every node the job runs on)')
    .action(async (resource: string, name: string, options: { node?: string }, command: Command) => {
      parseResource(resource, { supported: ['cronjobs'], verb: 'trigger' });
      const result = await ctx.client(command).triggerCronJob(name, { node: options.node });
      const failed: string[] = [];
      for (const outcome of result.results) {
        if ('error' in outcome) failed.push(`node ${outcome.node}: ${outcome.error.message}`);
        else if (outcome.started) ctx.io.stdout.write(`cronjob/${result.job}: run ${outcome.run} started on node ${outcome.node}\n`);
        else failed.push(`node ${outcome.node} did not start a run${outcome.reason === undefined ? '' : `: ${outcome.reason}`}`);
      }
      for (const message of failed.slice(0, -1)) ctx.io.stderr.write(errorLine(message));
      if (failed.length > 0) throw new CorralError(ErrorCode.HubError, failed.at(-1) as string);
    });
}
