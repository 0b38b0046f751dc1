import { ErrorCode } from '../../../protocol/src/index.js';
import type { Handler } from './context.js';

/** The agent's observed pods and the generation it has applied. */
export const handleState: Handler<'state'> = async (ctx, msg) => {
  if (!ctx.registry.onState(ctx.node, msg)) {
    ctx.stats.countDropped(ErrorCode.NodeNotFound);
    ctx.log.debug({ node: ctx.node }, 'state from an unregistered node dropped');
    return;
  }
  await ctx.pods.observe(ctx.node, msg.observedGeneration);
};
