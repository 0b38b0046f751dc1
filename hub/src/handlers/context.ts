import type { Logger } from 'pino';
import type { MessageKind, MessageOf } from '../../../protocol/src/index.js';
import type { CommandClient } from '../command-client.js';
import type { EventLog } from '../events/event-log.js';
import type { PodStore } from '../pods/index.js';
import type { NodeRegistry } from '../registry/node-registry.js';
import type { HubStats } from '../stats.js';

export interface HandlerContext {
  /** The node the message came from (its topic's node segment). */
  node: string;
  registry: NodeRegistry;
  commands: CommandClient;
  /** Only `observe`: a node's reported generation. */
  pods: Pick<PodStore, 'observe'>;
  stats: HubStats;
  /** Stores the agents' outbox events once each. */
  events: Pick<EventLog, 'receive'>;
  /** Publishes on the hub's MQTT connection (acks). */
  publish: (topic: string, payload: Uint8Array, options: { qos: 0 | 1 }) => Promise<void>;
  log: Logger;
}

/** Agent→hub kinds the hub acts on; one handler each. */
export type InboundKind = Extract<MessageKind, 'status' | 'heartbeat' | 'state' | 'reply' | 'events'>;

export type Handler<K extends InboundKind> = (ctx: HandlerContext, msg: MessageOf<K>) => Promise<void>;
export type Handlers = { [K in InboundKind]: Handler<K> };
