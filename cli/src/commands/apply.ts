import type { Command } from 'commander';
import { CorralError, ErrorCode } from '../../../protocol/src/index.js';
import type { CommandContext } from '../context.js';
import { errorLine } from '../error-line.js';
import { readManifests } from '../manifest-files.js';
import { manifestForm } from '../workload-object.js';
import { kindPrefix } from './resource.js';

export const collectFiles = (value: string, previous: string[] = []) => [...previous, value];

/** Reads `-f` manifests; any invalid document is an error for each and nothing goes to the hub. */
export async function readValidManifests(ctx: CommandContext, files: readonly string[] | undefined) {
  if (!files?.length) throw new CorralError(ErrorCode.ManifestInvalid, 'name the manifests with -f FILE, -f DIR or -f - (standard input)');
  const { objects, errors } = await readManifests(files, { readStdin: ctx.io.readStdin ?? (async () => '') });
  if (errors.length > 0) {
    // Every bad document gets its line; the last one is the command's error.
    for (const error of errors.slice(0, -1)) ctx.io.stderr.write(errorLine(error));
    throw errors.at(-1) as CorralError;
  }
  return objects;
}

/** `corral apply -f FILE|DIR|-`: creates or updates each object by kind and name. */
export function registerApply(program: Command, ctx: CommandContext): void {
  program
    .command('apply')
    .description('create or update pods, deployments, daemonsets and cronjobs from manifest files')
    .option('-f, --filename <path>', 'manifest file, directory of manifests, or - for standard input (repeatable)', collectFiles)
    .action(async (options: { filename?: string[] }, command: Command) => {
      const objects = await readValidManifests(ctx, options.filename);
      const result = await ctx.client(command).apply(objects.map(manifestForm));
      const failed: string[] = [];
      for (const outcome of result.results) {
        const id = `${kindPrefix(outcome.kind)}/${outcome.name}`;
        if ('action' in outcome) ctx.io.stdout.write(`${id} ${outcome.action}\n`);
        else failed.push(`${id}: ${outcome.error.message}`);
      }
      for (const message of failed.slice(0, -1)) ctx.io.stderr.write(errorLine(message));
      if (failed.length > 0) throw new CorralError(ErrorCode.HubError, failed.at(-1) as string);
    });
}
