import { ErrorCode, decodeMessage, hubToAgentKinds, parseTopic } from '../../protocol/src/index.js';
import { type HandlerContext, type Handlers, type InboundKind, handlers as defaultHandlers } from './handlers/index.js';

const inboundKinds = new Set<string>(['status', 'heartbeat', 'state', 'reply', 'events'] satisfies InboundKind[]);
const ownKinds = new Set<string>(hubToAgentKinds);

/**
 * Routes one MQTT message to its handler. Whatever is not a valid message for
 * its topic is dropped and counted by reason; nothing here throws.
 */
export async function dispatch(ctx: Omit<HandlerContext, 'node'>, topic: string, payload: Uint8Array, handlers: Handlers = defaultHandlers): Promise<void> {
  const parsed = parseTopic(topic);
  if (parsed && ownKinds.has(parsed.kind)) return; // the hub's own desired state and commands, echoed back
  if (parsed?.kind === 'status' && payload.byteLength === 0) return; // a deleted node's retained status, cleared by the hub
  if (!parsed || !inboundKinds.has(parsed.kind)) {
    ctx.stats.countDropped(ErrorCode.ProtocolUnknownTopic);
    ctx.log.debug({ topic: topic.slice(0, 256) }, 'message on an unknown topic dropped');
    return;
  }
  const kind = parsed.kind as InboundKind;
  const decoded = decodeMessage(kind, payload);
  if (!decoded.ok) {
    ctx.stats.countDropped(decoded.error.code);
    ctx.log.debug({ topic, code: decoded.error.code, path: decoded.error.path, bytes: payload.byteLength }, 'malformed message dropped');
    return;
  }
  ctx.stats.countReceived(kind);
  try {
    await (handlers[kind] as (c: HandlerContext, m: unknown) => Promise<void>)({ ...ctx, node: parsed.node }, decoded.value);
  } catch (error) {
    ctx.log.error({ err: error, topic }, 'handler failed');
  }
}
