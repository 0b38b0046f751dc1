import { ErrorCode, PROTOCOL_VERSION, encodeMessage, nodeTopic } from '../../../protocol/src/index.js';
import type { Handler } from './context.js';

/** Outbox events: stored once each, then acknowledged (also when all were duplicates: the agent missed the last ack). */
export const handleEvents: Handler<'events'> = async (ctx, msg) => {
  if (!ctx.registry.get(ctx.node)) {
    ctx.stats.countDropped(ErrorCode.NodeNotFound);
    ctx.log.debug({ node: ctx.node }, 'events from an unregistered node dropped');
    return;
  }
  const outcome = await ctx.events.receive(ctx.node, msg);
  if (outcome.accepted > 0) ctx.log.debug({ node: ctx.node, accepted: outcome.accepted, upTo: outcome.upTo }, 'events stored');
  const ack = encodeMessage('ack', { v: PROTOCOL_VERSION, ts: Date.now(), uid: msg.uid, upTo: outcome.upTo });
  await ctx.publish(nodeTopic(ctx.node, 'ack'), ack, { qos: 1 });
};
