import type { Command } from 'commander';
import type { CommandContext } from '../context.js';
import { UsageError } from '../usage-error.js';

/** Most lines a node returns in one answer (the protocol's limit). */
const MAX_TAIL = 10_000;

function parseTail(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^[0-9]{1,6}$/.test(text) || Number(text) < 1 || Number(text) > MAX_TAIL) {
    throw new UsageError(`--tail: ${JSON.stringify(text)} is not a whole number from 1 to ${MAX_TAIL}`);
  }
  return Number(text);
}

/** `corral logs POD [-c CONTAINER] [--tail N]`: the last lines of a container's log, read by the pod's node. */
export function registerLogs(program: Command, ctx: CommandContext): void {
  program
    .command('logs')
    .description("print the last lines of a pod container's log")
    .argument('<pod>', 'pod name')
    .option('-c, --container <name>', 'container (required when the pod has several)')
    .option('--tail <lines>', `how many of the last lines (1-${MAX_TAIL}; default: what the node keeps)`)
    .action(async (pod: string, options: { container?: string; tail?: string }, command: Command) => {
      const tail = parseTail(options.tail);
      const log = await ctx.client(command).podLog(pod, { ...(options.container === undefined ? {} : { container: options.container }), ...(tail === undefined ? {} : { tail }) });
      ctx.io.stdout.write(log.lines.map((line) => `${line}\n`).join(''));
    });
}
