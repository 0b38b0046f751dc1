import type { Logger } from 'pino';
import type { AgentEvent } from '../../../protocol/src/index.js';
import type { Outbox } from './outbox.js';

export interface OutboxSenderOptions {
  outbox: Pick<Outbox, 'peek' | 'acknowledge'>;
  /** Publishes one batch on `…/events` (QoS 1). */
  publish: (events: AgentEvent[]) => Promise<void>;
  log: Logger;
  /** Resend the batch in flight when no ack came within this (doubles up to 8× while the hub stays silent). */
  ackTimeoutMs?: number;
  batchSize?: number;
  batchBytes?: number;
}

/**
 * Delivers the outbox to the hub: one batch in flight at a time, oldest first,
 * resent after a reconnect or when the hub's ack does not come. Together with
 * the hub's de-duplication by sequence number this is exactly-once as the hub
 * sees it.
 */
export class OutboxSender {
  private connected = false;
  private inflight: { upTo: number; timer: NodeJS.Timeout } | undefined;
  private silentRounds = 0;

  constructor(private readonly options: OutboxSenderOptions) {}

  /** The link is up (again): send from the oldest unacknowledged event. */
  linkUp(): void {
    this.connected = true;
    this.clearInflight();
    this.pump();
  }

  linkDown(): void {
    this.connected = false;
    this.clearInflight();
  }

  /** New events were appended. */
  notify(): void {
    this.pump();
  }

  /** The hub stored everything up to `upTo`. */
  async acknowledged(upTo: number): Promise<void> {
    try {
      await this.options.outbox.acknowledge(upTo);
    } catch (error) {
      this.options.log.warn({ err: error }, 'could not forget acknowledged events; they will be sent again');
    }
    if (this.inflight && upTo >= this.inflight.upTo) {
      this.silentRounds = 0;
      this.clearInflight();
      this.pump();
    }
  }

  stop(): void {
    this.connected = false;
    this.clearInflight();
  }

  private pump(): void {
    if (!this.connected || this.inflight) return;
    const batch = this.options.outbox.peek(this.options.batchSize ?? 128, this.options.batchBytes ?? 64 * 1024);
    if (batch.length === 0) return;
    const base = this.options.ackTimeoutMs ?? 5000;
    const timeout = base * 2 ** Math.min(this.silentRounds, 3);
    const timer = setTimeout(() => {
      this.silentRounds += 1;
      this.inflight = undefined;
      this.pump();
    }, timeout);
    timer.unref();
    this.inflight = { upTo: (batch.at(-1) as AgentEvent).seq, timer };
    this.options.publish(batch).catch((error: unknown) => this.options.log.debug({ err: error }, 'events not published; resent later'));
  }

  private clearInflight(): void {
    if (this.inflight) clearTimeout(this.inflight.timer);
    this.inflight = undefined;
  }
}
