import type { Handlers } from './context.js';
import { handleEvents } from './events.js';
import { handleHeartbeat } from './heartbeat.js';
import { handleReply } from './reply.js';
import { handleState } from './state.js';
import { handleStatus } from './status.js';

export type { HandlerContext, Handlers, InboundKind } from './context.js';

export const handlers: Handlers = {
  status: handleStatus,
  heartbeat: handleHeartbeat,
  state: handleState,
  reply: handleReply,
  events: handleEvents,
};
