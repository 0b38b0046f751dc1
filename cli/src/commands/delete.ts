import type { Command } from 'commander';
import { CorralError, ErrorCode, type ManifestObject } from '../../../protocol/src/index.js';
import type { HubClient } from '../client.js';
import type { CommandContext } from '../context.js';
import { errorLine } from '../error-line.js';
import { UsageError } from '../usage-error.js';
import { collectFiles, readValidManifests } from './apply.js';
import { deleteNode } from './node-credentials.js';
import { WORKLOAD_KIND, kindPrefix, parseResource } from './resource.js';

async function deleteOne(client: HubClient, kind: ManifestObject['kind'], name: string): Promise<string> {
  if (kind === 'Pod') await client.deletePod(name);
  else await client.deleteWorkload(kind, name);
  return `${kindPrefix(kind)}/${name} deleted\n`;
}

/**
 * `corral delete pod|deployment|daemonset|cronjob NAME` or `corral delete -f FILE|DIR|-`: the hub
 * drops a pod from its node's desired state; a workload's controller deletes its pods; a cron
 * job leaves its nodes' desired states (their agents stop scheduling it). `corral delete node NAME`
 * revokes the node's broker credentials, disconnects it and forgets it.
 */
export function registerDelete(program: Command, ctx: CommandContext): void {
  program
    .command('delete')
    .description('delete a pod, deployment, daemonset or cronjob, by name or as named in manifest files; or a node (revokes its credentials)')
    .argument('[resource]', 'resource type: pod (pods, po), deployment (deploy), daemonset (ds), cronjob (cj) or node (no)')
    .argument('[name]', 'its name')
    .option('-f, --filename <path>', 'delete what these manifests describe (repeatable; - for standard input)', collectFiles)
    .action(async (resource: string | undefined, name: string | undefined, options: { filename?: string[] }, command: Command) => {
      const client = ctx.client(command);
      if (options.filename?.length) {
        if (resource !== undefined) throw new UsageError('give either -f or a resource type and name, not both');
        const objects = await readValidManifests(ctx, options.filename);
        const failed: string[] = [];
        for (const object of objects) {
          try {
            ctx.io.stdout.write(await deleteOne(client, object.kind, object.metadata.name));
          } catch (error) {
            if (!(error instanceof CorralError)) throw error;
            failed.push(error.message);
          }
        }
        for (const message of failed.slice(0, -1)) ctx.io.stderr.write(errorLine(message));
        if (failed.length > 0) throw new CorralError(ErrorCode.HubError, failed.at(-1) as string);
        return;
      }
      if (resource === undefined || name === undefined) throw new UsageError('name what to delete: corral delete TYPE NAME, or corral delete -f FILE');
      const type = parseResource(resource, { supported: ['pods', 'deployments', 'daemonsets', 'cronjobs', 'nodes'], verb: 'delete' });
      if (type === 'nodes') return void ctx.io.stdout.write(await deleteNode(client, name));
      ctx.io.stdout.write(await deleteOne(client, type === 'pods' ? 'Pod' : WORKLOAD_KIND[type], name));
    });
}
