import { ErrorCode } from '../../../protocol/src/index.js';
import type { Handler } from './context.js';

/** Usage figures and liveness; a heartbeat from a node that never announced itself is dropped. */
export const handleHeartbeat: Handler<'heartbeat'> = async (ctx, msg) => {
  if (!(await ctx.registry.onHeartbeat(ctx.node, msg))) {
    ctx.stats.countDropped(ErrorCode.NodeNotFound);
    ctx.log.debug({ node: ctx.node }, 'heartbeat from an unregistered node dropped');
  }
};
