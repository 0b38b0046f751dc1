import type { Command } from 'commander';
import type { CommandContext } from '../context.js';
import { describeNode } from '../format/describe.js';
import { describeCronJob } from '../format/describe-cronjob.js';
import { describePod } from '../format/describe-pod.js';
import { describeDaemonSet, describeDeployment } from '../format/describe-workload.js';
import { WORKLOAD_KIND, parseResource } from './resource.js';

/** Runs `describe cronjob` lists (the hub applies the job's history limits per node). */
const DESCRIBE_RUNS = 20;

/** `corral describe node|pod|deployment|daemonset|cronjob NAME`. */
export function registerDescribe(program: Command, ctx: CommandContext): void {
  program
    .command('describe')
    .description('show details of one node, pod, deployment, daemonset or cronjob')
    .argument('<resource>', 'resource type: node (nodes, no), pod (pods, po), deployment (deploy), daemonset (ds) or cronjob (cj)')
    .argument('<name>', 'its name')
    .action(async (text: string, name: string, _options: unknown, command: Command) => {
      const client = ctx.client(command);
      const resource = parseResource(text, { supported: ['nodes', 'pods', 'deployments', 'daemonsets', 'cronjobs'], verb: 'describe' });
      const now = ctx.now();
      if (resource === 'nodes') ctx.io.stdout.write(describeNode(await client.getNode(name), now));
      else if (resource === 'pods') ctx.io.stdout.write(describePod(await client.getPod(name), now));
      else if (resource === 'cronjobs') {
        const job = await client.getWorkload('CronJob', name);
        const [runs, events] = await Promise.all([client.cronJobRuns(name, { limit: DESCRIBE_RUNS }), client.workloadEvents('CronJob', name)]);
        ctx.io.stdout.write(describeCronJob(job, { runs: runs.items, events, now }));
      } else {
        const kind = WORKLOAD_KIND[resource];
        const workload = await client.getWorkload(kind, name);
        const events = await client.workloadEvents(kind, name);
        const pods = (await client.listPods()).items.filter((p) => p.metadata.ownerReferences?.some((o) => o.uid === workload.metadata.uid));
        const context = { pods, events, now };
        ctx.io.stdout.write(workload.kind === 'Deployment' ? describeDeployment(workload, context) : describeDaemonSet(workload, context));
      }
    });
}
