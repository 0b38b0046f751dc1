import type { KeyObject } from 'node:crypto';
import type { Logger } from 'pino';
import { nodeTopic, sealDesired } from '../../../protocol/src/index.js';

/** A node's desired state, encoded: the body of what goes on `corral/v1/node/{n}/desired`. */
export interface EncodedDesired {
  generation: number;
  /** The CBOR `DesiredMessage` (`encodeDesired`); the publisher signs it and puts it in the envelope. */
  payload: Uint8Array;
}

/** Where committed desired states go; the pod store only sees this. */
export interface DesiredSink {
  publish(node: string, desired: EncodedDesired): void;
}

export interface DesiredPublisherOptions {
  /** The hub bus's publish. */
  publish: (topic: string, payload: Uint8Array, options: { qos: 0 | 1; retain?: boolean }) => Promise<void>;
  /** The hub's Ed25519 private key (hub/src/security/signing-key.ts): every desired state is signed with it. */
  signingKey: KeyObject;
  log: Logger;
}

/**
 * Puts each node's whole desired state on its `desired` topic, signed, QoS 1 and
 * retained, so an agent that connects later (or was offline for a week) gets
 * the latest one at once. Sends go out in call order; a failed send is logged
 * and healed by the next change or the republish on (re)connect, since every
 * message carries the whole state.
 */
export class DesiredPublisher implements DesiredSink {
  private readonly inFlight = new Set<Promise<void>>();

  constructor(private readonly options: DesiredPublisherOptions) {}

  publish(node: string, desired: EncodedDesired): void {
    const { log } = this.options;
    let payload: Uint8Array;
    try {
      payload = sealDesired({ node, generation: desired.generation, body: desired.payload }, { privateKey: this.options.signingKey });
    } catch (error) {
      log.error({ err: error, node, generation: desired.generation }, 'desired state not signed');
      return;
    }
    const sending = this.options
      .publish(nodeTopic(node, 'desired'), payload, { qos: 1, retain: true })
      .then(
        () => log.debug({ node, generation: desired.generation, bytes: payload.byteLength }, 'desired state published'),
        (error: unknown) => log.error({ err: error, node, generation: desired.generation }, 'desired state not published'),
      )
      .finally(() => this.inFlight.delete(sending));
    this.inFlight.add(sending);
  }

  /**
   * Waits for every send started so far to be acknowledged (or to fail), at most
   * `timeoutMs`: a send to a broker that is gone waits for a reconnect that may never come.
   */
  async flush(options: { timeoutMs?: number } = {}): Promise<void> {
    const all = Promise.all([...this.inFlight]).then(() => undefined);
    if (options.timeoutMs === undefined) return all;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, options.timeoutMs);
    });
    await Promise.race([all, deadline]);
    clearTimeout(timer);
  }
}
