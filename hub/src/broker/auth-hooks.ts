import type { Aedes, AedesOptions, AuthenticateError, Client, PublishPacket, Subscription } from 'aedes';
import type { Logger } from 'pino';
import { ErrorCode } from '../../../protocol/src/index.js';
import { type BrokerIdentity, allowClientId, allowPublish, allowSubscribe, allowWill } from './acl.js';

/** MQTT 3.1.1 CONNACK return codes (aedes' `AuthErrorCode` is an ambient const enum, unusable with isolatedModules). */
const BAD_USERNAME_OR_PASSWORD = 4;
const NOT_AUTHORIZED = 5;

export interface BrokerAuthOptions {
  /** Who a CONNECT's username and password prove to be (security/node-credentials.ts). */
  verify: (username: string | undefined, password: Buffer | undefined) => Promise<BrokerIdentity | undefined>;
  log: Logger;
  /** Each refused CONNECT, PUBLISH and SUBSCRIBE, by code (the hub counts them in its stats). */
  onDenied?: (code: ErrorCode) => void;
}

/** The Aedes handlers this module provides. */
export type BrokerAuthHooks = Required<Pick<AedesOptions, 'preConnect' | 'authenticate' | 'authorizePublish' | 'authorizeSubscribe'>>;

/**
 * Authentication and authorization of the embedded broker: CONNECT must
 * carry the credentials of a node or of the hub, a client id that fits
 * (`corral-agent-<node>`, `corral-hub-…`) and, for a node, a last will on its
 * own `status` topic; every PUBLISH (the will too) and SUBSCRIBE is then
 * judged by broker/acl.ts against the identity bound at CONNECT.
 *
 * Refusals: CONNACK 4 (no or wrong credentials) or 5 (client id or will not
 * allowed); SUBACK 0x80 for a subscription; a refused PUBLISH closes the
 * connection (Aedes' only answer: MQTT 3.1.1 has no negative PUBACK).
 * Each is counted and logged at debug, without the password.
 */
export class BrokerAuth {
  readonly hooks: BrokerAuthHooks;
  private readonly identities = new WeakMap<Client, BrokerIdentity>();
  private readonly willTopics = new WeakMap<Client, string>();
  private aedes: Aedes | undefined;

  constructor(private readonly options: BrokerAuthOptions) {
    this.hooks = {
      preConnect: (client, packet, done) => {
        if (packet.will) this.willTopics.set(client, packet.will.topic);
        done(null, true);
      },
      authenticate: (client, username, password, done) => void this.authenticate(client, username, password, done),
      authorizePublish: (client, packet, done) => this.authorizePublish(client, packet, done),
      authorizeSubscribe: (client, subscription, done) => this.authorizeSubscribe(client, subscription, done),
    };
  }

  /** Gives `disconnectNode` the broker's client table; called once the broker exists. */
  attach(aedes: Aedes): void {
    this.aedes = aedes;
  }

  identityOf(client: Client): BrokerIdentity | undefined {
    return this.identities.get(client);
  }

  /** Closes every connection authenticated as node `name` (revocation); how many there were. */
  disconnectNode(name: string): number {
    const clients = (this.aedes as unknown as { clients?: Record<string, Client> } | undefined)?.clients ?? {};
    let closed = 0;
    for (const client of Object.values(clients)) {
      const identity = this.identities.get(client);
      if (identity?.kind !== 'node' || identity.name !== name) continue;
      client.close();
      closed += 1;
    }
    if (closed > 0) this.options.log.info({ node: name, connections: closed }, 'node disconnected from the broker');
    return closed;
  }

  private async authenticate(
    client: Client,
    username: string | undefined,
    password: Buffer | undefined,
    done: (error: AuthenticateError | null, success: boolean | null) => void,
  ): Promise<void> {
    let identity: BrokerIdentity | undefined;
    try {
      identity = await this.options.verify(username, password);
    } catch (error) {
      this.options.log.error({ err: error, client: client.id }, 'broker credential check failed');
    }
    const refuse = (returnCode: number, reason: string) => {
      this.deny(ErrorCode.MqttAuthFailed, { client: client.id, username: username?.slice(0, 128), reason }, 'broker refused a connection');
      done(Object.assign(new Error(reason), { returnCode }) as AuthenticateError, false);
    };
    if (!identity) return refuse(BAD_USERNAME_OR_PASSWORD, username === undefined ? 'no credentials' : 'wrong username or password');
    if (!allowClientId(identity, client.id)) return refuse(NOT_AUTHORIZED, 'client id does not belong to this identity');
    const will = this.willTopics.get(client);
    if (will !== undefined && !allowWill(identity, will)) return refuse(NOT_AUTHORIZED, 'last will topic not allowed');
    this.identities.set(client, identity);
    done(null, true);
  }

  private authorizePublish(client: Client | null, packet: PublishPacket, done: (error?: Error | null) => void): void {
    // `client` is null only for a will left by a broker that went away: nobody to vouch for it.
    const identity = client ? this.identities.get(client) : undefined;
    if (identity && allowPublish(identity, packet.topic)) return done(null);
    this.deny(ErrorCode.MqttPublishDenied, { client: client?.id, topic: packet.topic.slice(0, 256) }, 'broker refused a publish');
    done(new Error('publish not authorized'));
  }

  private authorizeSubscribe(client: Client, subscription: Subscription, done: (error: Error | null, subscription?: Subscription | null) => void): void {
    const identity = this.identities.get(client);
    if (identity && allowSubscribe(identity, subscription.topic)) return done(null, subscription);
    this.deny(ErrorCode.MqttSubscribeDenied, { client: client.id, filter: subscription.topic.slice(0, 256) }, 'broker refused a subscription');
    done(null, null);
  }

  private deny(code: ErrorCode, details: Record<string, unknown>, message: string): void {
    this.options.onDenied?.(code);
    this.options.log.debug({ code, ...details }, message);
  }
}
