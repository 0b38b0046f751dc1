import type { Handler } from './context.js';

/** Online/offline announcements and last wills: the registry decides what they change. */
export const handleStatus: Handler<'status'> = async (ctx, msg) => {
  await ctx.registry.onStatus(ctx.node, msg);
};
