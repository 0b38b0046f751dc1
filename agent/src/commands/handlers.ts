import type { CommandMessage, CommandOp, CommandResult } from '../../../protocol/src/index.js';

export interface CommandContext {
  agentVersion: string;
  /** The last lines of a container's log; fails with CORRAL_POD_NOT_FOUND for a pod this node does not run. */
  readLogs: (request: { pod: string; container?: string; tail?: number }) => Promise<CommandResult<'logs'>>;
  /** Starts a run of a CronJob of this node now; fails with CORRAL_CRONJOB_NOT_FOUND for a job it does not have. */
  triggerRun: (job: string) => Promise<CommandResult<'trigger'>>;
  startedAt: number;
  now: () => number;
}

type CommandOf<Op extends CommandOp> = Extract<CommandMessage, { op: Op }>;

/** One handler per operation; a new `op` in the protocol does not compile until it has one here. */
export type CommandHandlers = { [Op in CommandOp]: (ctx: CommandContext, command: CommandOf<Op>) => Promise<CommandResult<Op>> };

export const commandHandlers: CommandHandlers = {
  ping: async (ctx) => ({ agentVersion: ctx.agentVersion, uptimeSeconds: Math.max(0, ctx.now() - ctx.startedAt) / 1000 }),
  logs: async (ctx, command) => ctx.readLogs({ pod: command.pod, ...(command.container ? { container: command.container } : {}), ...(command.tail ? { tail: command.tail } : {}) }),
  trigger: async (ctx, command) => ctx.triggerRun(command.job),
};

export async function handleCommand(ctx: CommandContext, command: CommandMessage): Promise<unknown> {
  const handler = commandHandlers[command.op] as (ctx: CommandContext, command: CommandMessage) => Promise<unknown>;
  return handler(ctx, command);
}
