import mqtt, { type MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import { type BackoffPolicy, backoffDelay, reconnectBackoff } from './backoff.js';
import type { LinkSecurity } from './link-security.js';

export interface WillMessage {
  topic: string;
  payload: Uint8Array;
}

export interface LinkOptions {
  url: string;
  clientId: string;
  keepaliveSeconds: number;
  /** Each connection gets its own session number; the will is built for it. */
  sessionBase: number;
  will: (session: number) => WillMessage;
  /** Runs after every successful connect, before the link counts as up. */
  onConnect: (session: number) => Promise<void>;
  onMessage: (topic: string, payload: Uint8Array) => void;
  /**
   * The broker connection came up (before `onConnect`) or went down; `sinceContactMs`
   * is how long ago the last packet arrived from the broker. Not called on `stop`.
   */
  onLinkChange?: (event: LinkChange) => void;
  /** Monotonic ms for the last-contact time (default `performance.now`). */
  monotonicNow?: () => number;
  log: Logger;
  /** Secure mode: the hub's CA as the only trust anchor, and the node's broker login. */
  security?: LinkSecurity | undefined;
  backoff?: BackoffPolicy;
  random?: () => number;
}

export interface LinkChange {
  connected: boolean;
  sinceContactMs: number;
}

export interface PublishOptions {
  qos: 0 | 1;
  retain?: boolean;
}

/**
 * The agent's MQTT connection: a retained last will per session, reconnects
 * with capped, jittered back-off (never a fixed period a fleet would sync on),
 * and QoS 0 messages dropped rather than queued while offline.
 */
export class AgentLink {
  private client: MqttClient | undefined;
  private attempt = 0;
  private failures = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private stopping = false;
  private up = false;
  /** Whether `onLinkChange` last said connected. */
  private linked = false;
  private lastPacketAt: number;

  constructor(private readonly options: LinkOptions) {
    this.lastPacketAt = this.monotonicNow();
  }

  /** When the last packet arrived from the broker (monotonic ms; the link's creation before any). */
  get lastContact(): number {
    return this.lastPacketAt;
  }

  get connected(): boolean {
    return this.up && this.client?.connected === true;
  }

  /** Number of the current (or latest attempted) connection. */
  get session(): number {
    return this.options.sessionBase + this.attempt;
  }

  start(): void {
    const o = this.options;
    this.client = mqtt.connect(o.url, {
      clientId: o.clientId,
      protocolVersion: 4,
      clean: true,
      keepalive: o.keepaliveSeconds,
      reconnectPeriod: 0,
      connectTimeout: 10_000,
      queueQoSZero: false,
      resubscribe: false,
      will: this.willFor(this.nextSession()),
      ...securityOptions(o.security),
    });
    this.client.on('connect', () => void this.connected_());
    this.client.on('close', () => this.closed());
    this.client.on('error', (error) => o.log.debug({ err: error }, 'mqtt error'));
    this.client.on('message', (topic, payload) => o.onMessage(topic, payload));
    this.client.on('packetreceive', () => {
      this.lastPacketAt = this.monotonicNow();
    });
  }

  async publish(topic: string, payload: Uint8Array, options: PublishOptions): Promise<boolean> {
    const client = this.client;
    if (!client?.connected) return false;
    try {
      await client.publishAsync(topic, Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength), { qos: options.qos, retain: options.retain ?? false });
      return true;
    } catch (error) {
      this.options.log.debug({ err: error, topic }, 'publish failed');
      return false;
    }
  }

  async subscribe(topic: string): Promise<void> {
    await this.client?.subscribeAsync(topic, { qos: 1 });
  }

  /** Publishes `last` (if connected) and closes the connection cleanly, so the broker does not send the will. */
  async stop(last?: { topic: string; payload: Uint8Array; retain: boolean }): Promise<void> {
    this.stopping = true;
    clearTimeout(this.retryTimer);
    const client = this.client;
    if (!client) return;
    if (last && client.connected) {
      await Promise.race([this.publish(last.topic, last.payload, { qos: 1, retain: last.retain }), delay(2000)]);
    }
    await Promise.race([client.endAsync(), delay(2000)]);
    client.end(true);
  }

  private monotonicNow(): number {
    return this.options.monotonicNow?.() ?? performance.now();
  }

  private linkChanged(connected: boolean): void {
    if (this.linked === connected) return;
    this.linked = connected;
    this.options.onLinkChange?.({ connected, sinceContactMs: Math.max(0, this.monotonicNow() - this.lastPacketAt) });
  }

  private nextSession(): number {
    this.attempt += 1;
    return this.options.sessionBase + this.attempt;
  }

  private willFor(session: number) {
    const will = this.options.will(session);
    return { topic: will.topic, payload: Buffer.from(will.payload), qos: 1 as const, retain: true };
  }

  private async connected_(): Promise<void> {
    const session = this.session;
    this.failures = 0;
    noDelay(this.client);
    this.options.log.info({ url: this.options.url, session }, 'connected to broker');
    this.linkChanged(true);
    try {
      await this.options.onConnect(session);
      this.up = true;
    } catch (error) {
      this.options.log.warn({ err: error }, 'setting up the connection failed; reconnecting');
      this.client?.end(true);
    }
  }

  private closed(): void {
    if (this.up && !this.stopping) this.options.log.warn({ url: this.options.url }, 'disconnected from broker');
    this.up = false;
    if (this.stopping || !this.client) return;
    this.linkChanged(false);
    clearTimeout(this.retryTimer);
    const wait = backoffDelay(this.failures, this.options.backoff ?? reconnectBackoff, this.options.random);
    this.failures += 1;
    this.options.log.debug({ wait, failures: this.failures }, 'reconnecting after back-off');
    this.retryTimer = setTimeout(() => {
      const client = this.client;
      if (!client || this.stopping) return;
      client.options.will = this.willFor(this.nextSession());
      client.reconnect();
    }, wait);
  }
}

/** mqtt.js connect options for `security`: with a CA, only that CA is trusted and the hub's name is checked. */
function securityOptions(security: LinkSecurity | undefined) {
  if (!security) return {};
  return {
    ...(security.ca === undefined ? {} : { ca: security.ca, rejectUnauthorized: true }),
    ...(security.username === undefined ? {} : { username: security.username }),
    ...(security.password === undefined ? {} : { password: security.password }),
  };
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

/**
 * Turns Nagle off on the client's TCP socket: a small publish that follows an
 * acknowledgement would otherwise wait for the peer's delayed ACK (~40 ms).
 */
export function noDelay(client: MqttClient | undefined): void {
  const stream = client?.stream as { setNoDelay?: (on: boolean) => void } | undefined;
  stream?.setNoDelay?.(true);
}
