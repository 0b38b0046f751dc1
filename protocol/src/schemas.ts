import { DesiredEnvelope } from './desired.js';
import { AckMessage, EventsMessage } from './events.js';
import { CommandMessage, HeartbeatMessage, ReplyMessage, StateMessage, StatusMessage } from './messages.js';

/**
 * Payload schema of every topic kind that has one. The `desired` envelope carries a signed
 * `DesiredMessage` as bytes; protocol/src/signing.ts seals and opens it.
 */
export const messageSchemas = {
  status: StatusMessage,
  heartbeat: HeartbeatMessage,
  state: StateMessage,
  cmd: CommandMessage,
  reply: ReplyMessage,
  desired: DesiredEnvelope,
  events: EventsMessage,
  ack: AckMessage,
} as const;

export type MessageKind = keyof typeof messageSchemas;
export type MessageOf<K extends MessageKind> = (typeof messageSchemas)[K]['_zod']['output'];
/** What a sender writes: defaults may be left out and quantities are in manifest form. */
export type MessageInput<K extends MessageKind> = (typeof messageSchemas)[K]['_zod']['input'];

export function hasSchema(kind: string): kind is MessageKind {
  return Object.hasOwn(messageSchemas, kind);
}
