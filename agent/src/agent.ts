import type { KeyObject } from 'node:crypto';
import type { Logger } from 'pino';
import {
  type CommandMessage,
  ErrorCode,
  PROTOCOL_VERSION,
  type ReplyMessage,
  decodeMessage,
  encodeMessage,
  nodeTopic,
} from '../../protocol/src/index.js';
import { handleCommand } from './commands/handlers.js';
import type { AgentConfig } from './config.js';
import { DropCounter } from './drops.js';
import { AgentLink } from './link.js';
import type { LinkSecurity } from './link-security.js';
import { type NodeFacts, allocatable } from './node-info.js';
import type { PodManager } from './pods/pod-manager.js';
import type { Outbox } from './outbox/outbox.js';
import { OutboxSender } from './outbox/sender.js';
import { verifyDesired } from './security/desired-verifier.js';
import type { Identity } from './state/store.js';

export interface AgentDeps {
  config: AgentConfig;
  log: Logger;
  identity: Identity;
  facts: NodeFacts;
  now: () => number;
  sampleNode: () => Promise<{ cpu: number; memory: number; memoryAvailable: number }>;
  sampleAgent: () => Promise<{ cpu: number; memory: number }>;
  pods: PodManager;
  /** Durable events, sent to the hub and forgotten once it acknowledges them. */
  outbox: Outbox;
  /** The broker link's pinned CA and login (secure mode). */
  linkSecurity?: LinkSecurity;
  /** The hub's pinned desired-state signing key; absent only in insecure mode (signatures unchecked). */
  hubPublicKey?: KeyObject;
}

/** Sessions of one boot are numbered bootCount × SESSIONS_PER_BOOT + attempt. */
const SESSIONS_PER_BOOT = 1_000_000;

/**
 * The agent daemon: announces the node, sends heartbeats, answers commands.
 * Everything effectful comes in through `deps`; `main.ts` builds them.
 */
export class Agent {
  readonly drops = new DropCounter();
  private readonly link: AgentLink;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private heartbeatSeq = 0;
  private readonly startedAt: number;
  private readonly topics;
  private readonly events: OutboxSender;
  private desiredQueue: Promise<void> = Promise.resolve();

  constructor(private readonly deps: AgentDeps) {
    const node = deps.config.nodeName;
    this.startedAt = deps.now();
    this.topics = {
      status: nodeTopic(node, 'status'),
      heartbeat: nodeTopic(node, 'heartbeat'),
      state: nodeTopic(node, 'state'),
      cmd: nodeTopic(node, 'cmd'),
      desired: nodeTopic(node, 'desired'),
      reply: nodeTopic(node, 'reply'),
      events: nodeTopic(node, 'events'),
      ack: nodeTopic(node, 'ack'),
    };
    this.events = new OutboxSender({
      outbox: deps.outbox,
      log: deps.log,
      publish: async (events) => {
        const payload = encodeMessage('events', { v: PROTOCOL_VERSION, ts: this.deps.now(), uid: this.deps.identity.uid, events });
        await this.link.publish(this.topics.events, payload, { qos: 1 });
      },
    });
    deps.outbox.onAppended = () => this.events.notify();
    this.link = new AgentLink({
      url: deps.config.hub,
      clientId: `corral-agent-${node}`,
      keepaliveSeconds: deps.config.keepaliveSeconds,
      sessionBase: deps.identity.bootCount * SESSIONS_PER_BOOT,
      will: (session) => ({ topic: this.topics.status, payload: this.offlineStatus(session, 'connection-lost') }),
      onConnect: (session) => this.announce(session),
      onMessage: (topic, payload) => void this.receive(topic, payload),
      // Offline fence (docs/offline.md): the pod manager learns when the broker link comes and goes.
      onLinkChange: (event) => deps.pods.linkChanged(event),
      security: deps.linkSecurity,
      log: deps.log,
    });
  }

  private stateTimer: NodeJS.Timeout | undefined;

  start(): void {
    this.link.start();
    this.heartbeatTimer = setInterval(() => void this.heartbeat(), this.deps.config.heartbeatMs);
    // Besides every change, the whole observed state goes out once a minute.
    this.stateTimer = setInterval(() => void this.publishState(), 60_000);
  }

  /**
   * Sends the observed state of all pods with the generation applied; a no-op
   * while offline (the link drops it), and sent again on every connect.
   */
  async publishState(): Promise<void> {
    const state = encodeMessage('state', { v: PROTOCOL_VERSION, ts: this.deps.now(), observedGeneration: this.deps.pods.generation, pods: this.deps.pods.statuses() });
    await this.link.publish(this.topics.state, state, { qos: 1 });
  }

  /** Says goodbye (retained `offline`, reason `shutdown`) and closes the link; the will is not sent. */
  async stop(): Promise<void> {
    clearInterval(this.heartbeatTimer);
    clearInterval(this.stateTimer);
    this.events.stop();
    await this.link.stop({ topic: this.topics.status, payload: this.offlineStatus(this.link.session, 'shutdown'), retain: true });
  }

  private offlineStatus(session: number, reason: 'shutdown' | 'connection-lost'): Uint8Array {
    return encodeMessage('status', { v: PROTOCOL_VERSION, ts: this.deps.now(), uid: this.deps.identity.uid, session, online: false, reason });
  }

  private async announce(session: number): Promise<void> {
    const { config, facts, identity } = this.deps;
    await this.link.subscribe(this.topics.cmd);
    await this.link.subscribe(this.topics.desired);
    await this.link.subscribe(this.topics.ack);
    const status = encodeMessage('status', {
      v: PROTOCOL_VERSION,
      ts: this.deps.now(),
      uid: identity.uid,
      session,
      online: true,
      info: facts.info,
      labels: config.labels,
      capacity: facts.capacity,
      allocatable: allocatable(facts.capacity, config.reserved),
    });
    await this.link.publish(this.topics.status, status, { qos: 1, retain: true });
    await this.publishState();
    this.events.linkUp();
    // The link counts as up once this returns; the first heartbeat goes right after.
    setImmediate(() => void this.heartbeat());
  }

  private async heartbeat(): Promise<void> {
    if (!this.link.connected) return;
    try {
      const [node, agent, pods] = await Promise.all([this.deps.sampleNode(), this.deps.sampleAgent(), this.deps.pods.podUsage(this.deps.now())]);
      this.heartbeatSeq += 1;
      const payload = encodeMessage('heartbeat', {
        v: PROTOCOL_VERSION,
        ts: this.deps.now(),
        seq: this.heartbeatSeq,
        node,
        agent: { ...agent, messagesDropped: this.drops.total },
        pods: pods.slice(0, 1024),
      });
      await this.link.publish(this.topics.heartbeat, payload, { qos: 0 });
    } catch (error) {
      this.deps.log.warn({ err: error }, 'heartbeat failed');
    }
  }

  private async receive(topic: string, payload: Uint8Array): Promise<void> {
    if (topic === this.topics.desired) {
      // One at a time, in arrival order: storing a desired state awaits the disk, and a newer
      // generation must never be overwritten by an older one that was checked before it landed.
      const next = this.desiredQueue.then(() => this.receiveDesired(payload));
      this.desiredQueue = next.catch(() => undefined);
      await next;
      return;
    }
    if (topic === this.topics.ack) {
      const ack = decodeMessage('ack', payload);
      if (!ack.ok) this.dropped(ack.error.code, { topic, path: ack.error.path, bytes: payload.byteLength });
      else if (ack.value.uid !== this.deps.identity.uid) this.dropped(ErrorCode.AckForeign, { uid: ack.value.uid });
      else await this.events.acknowledged(ack.value.upTo);
      return;
    }
    if (topic !== this.topics.cmd) {
      this.dropped(ErrorCode.ProtocolUnknownTopic, { topic });
      return;
    }
    const decoded = decodeMessage('cmd', payload);
    if (!decoded.ok) {
      this.dropped(decoded.error.code, { topic, path: decoded.error.path, bytes: payload.byteLength });
      return;
    }
    await this.reply(decoded.value);
  }

  private async receiveDesired(payload: Uint8Array): Promise<void> {
    // Envelope, node, signature (with a pinned key) and generation are checked before anything is stored or changed.
    const { hubPublicKey } = this.deps;
    const verified = verifyDesired(payload, { node: this.deps.config.nodeName, appliedGeneration: this.deps.pods.generation, ...(hubPublicKey ? { hubPublicKey } : {}) });
    if (!verified.ok) {
      this.desiredRejected(verified.error.code, { path: verified.error.path, reason: verified.error.message, bytes: payload.byteLength });
      return;
    }
    const desired = verified.value.message;
    try {
      const outcome = await this.deps.pods.applyDesired(desired);
      if (outcome === 'stale') {
        this.desiredRejected(ErrorCode.DesiredStale, { generation: desired.generation, current: this.deps.pods.generation });
        return;
      }
      if (outcome === 'applied') this.deps.log.info({ generation: desired.generation, pods: desired.pods.length, verified: verified.value.verified }, 'desired state applied');
      // Also when unchanged: a hub that restarted republishes every node's desired state and
      // learns the pods' state from the answer (with an external broker the link never dropped).
      await this.publishState();
    } catch (error) {
      // Not stored (e.g. disk full): the last good desired state keeps running; the retained message comes again on reconnect.
      this.deps.log.error({ err: error }, 'could not apply the desired state');
    }
  }

  private async reply(command: CommandMessage): Promise<void> {
    const base = { v: PROTOCOL_VERSION, id: command.id, ts: this.deps.now() } as const;
    let message: ReplyMessage;
    try {
      const result = await handleCommand({ agentVersion: this.deps.facts.info.agentVersion, startedAt: this.startedAt, now: this.deps.now, readLogs: (request) => this.deps.pods.readLogs(request), triggerRun: (job) => this.deps.pods.triggerRun(job) }, command);
      message = { ...base, ok: true, result };
    } catch (error) {
      const code = typeof (error as { code?: unknown }).code === 'string' ? (error as { code: string }).code : ErrorCode.CommandFailed;
      message = { ...base, ok: false, error: { code: code.slice(0, 64), message: String((error as Error).message ?? error).slice(0, 1024) } };
    }
    await this.link.publish(this.topics.reply, encodeMessage('reply', message), { qos: 1 });
  }

  /** A desired state refused (forged, replayed, for another node, malformed): counted, logged without the payload; the last good one keeps running. */
  private desiredRejected(code: string, detail: Record<string, unknown>): void {
    this.drops.drop(code);
    this.deps.log.warn({ code, topic: this.topics.desired, ...detail }, 'desired state rejected; the last good one keeps running');
  }

  private dropped(code: string, detail: Record<string, unknown>): void {
    this.drops.drop(code);
    this.deps.log.debug({ code, ...detail }, 'dropped inbound message');
  }
}
