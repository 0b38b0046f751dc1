import type { Command } from 'commander';
import type { CommandContext } from '../context.js';
import { RESTART_POLICIES, type RunFlags, buildRunPod } from '../run-pod.js';

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** `corral run NAME --image IMG [--node N] [flags] [-- COMMAND ARGS…]`: creates a pod of one container. */
export function registerRun(program: Command, ctx: CommandContext): void {
  program
    .command('run')
    .description('create a pod of one container, on a node or where the scheduler places it')
    .argument('<name>', 'pod name')
    .argument('[command...]', 'command and arguments to run instead of the image entrypoint (after --)')
    .requiredOption('--image <image>', 'container image, e.g. docker.io/library/busybox:1.36')
    .option('--node <node>', 'node to run the pod on (default: the scheduler picks one)')
    .option('--restart <policy>', `restart policy: ${RESTART_POLICIES.join(', ')} (default: Always)`)
    .option('--env <NAME=VALUE>', 'environment variable (repeatable)', collect)
    .option('--limits <list>', 'resource limits, e.g. cpu=200m,memory=32Mi,pids=50')
    .option('--requests <list>', 'resource requests, e.g. cpu=100m,memory=16Mi')
    .option('--port <CONTAINER[:HOST]>', 'container port, optionally published on a host port (repeatable; /UDP for UDP)', collect)
    .option('-l, --labels <list>', 'pod labels, e.g. app=web,tier=edge (default: run=NAME)')
    .action(async (name: string, command: string[], flags: RunFlags, cmd: Command) => {
      const manifest = buildRunPod(name, { ...flags, command });
      if (!manifest.ok) throw manifest.error;
      const { pod, created } = await ctx.client(cmd).createPod(manifest.value);
      ctx.io.stdout.write(`pod/${pod.metadata.name} ${created ? 'created' : 'unchanged'}\n`);
    });
}
