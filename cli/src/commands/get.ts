import type { Command } from 'commander';
import type { CommandContext } from '../context.js';
import { OUTPUT_FORMATS, parseOutputFormat, renderNodes } from '../format/output.js';
import { parseResource } from './resource.js';

/** `corral get nodes [NAME] [-o json|yaml|wide|name]` (also `get node NAME`). */
export function registerGet(program: Command, ctx: CommandContext): void {
  program
    .command('get')
    .description('list nodes, or show one node')
    .argument('<resource>', 'resource type: nodes (or node, no)')
    .argument('[name]', 'show only this node')
    .option('-o, --output <format>', `output format: ${OUTPUT_FORMATS.join(', ')} (default: table)`)
    .action(async (resource: string, name: string | undefined, options: { output?: string }, command: Command) => {
      parseResource(resource);
      const format = parseOutputFormat(options.output);
      const client = ctx.client(command);
      const data = name === undefined ? await client.listNodes() : await client.getNode(name);
      const text = renderNodes(data, format, ctx.now());
      if (text === '' && (format === 'table' || format === 'wide')) ctx.io.stderr.write('No resources found.\n');
      else ctx.io.stdout.write(text);
    });
}
