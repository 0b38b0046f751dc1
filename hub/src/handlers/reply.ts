import type { Handler } from './context.js';

/** Answers to commands the hub sent; matched by correlation id. */
export const handleReply: Handler<'reply'> = async (ctx, msg) => {
  ctx.commands.settle(ctx.node, msg);
};
