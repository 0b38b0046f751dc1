import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { type Result, err, isNodeName, ok } from '../../../protocol/src/index.js';
import { type BrokerIdentity, HUB_USERNAME } from '../broker/acl.js';
import type { Collection } from '../store/collection.js';
import { type MqttIdentity as HubLogin, isHubMqttIdentity } from './hub-mqtt-identity.js';
import { hashPassword, parsePasswordHash, verifyPassword } from './password-hash.js';

/** A node's broker password as stored: only its `$7$` hash (security/password-hash.ts), never the password. */
export interface NodeCredentialRecord {
  hash: string;
  issuedAt: number;
}

/** What a node logs in with; returned once, by `issue`. */
export interface IssuedCredentials {
  username: string;
  password: string;
}

/** A name that cannot get credentials: not a node name, or the hub's own username. */
export interface IssueRejection {
  reason: 'InvalidName' | 'Reserved';
  message: string;
}

/** A Mosquitto password file line's parts. */
export interface PasswordEntry {
  username: string;
  hash: string;
}

export interface NodeCredentialsOptions {
  now: () => number;
  log: Logger;
  /** The hub's own broker login (`<dataDir>/pki/hub-mqtt.secret`); without it nobody logs in as the hub. */
  hub?: HubLogin | undefined;
  /** Random bytes for passwords (tests pin it). */
  random?: (size: number) => Buffer;
}

/**
 * The broker credentials of every node: one random password per node (32
 * bytes, base64url), kept only as a Mosquitto-compatible PBKDF2 hash in the
 * hub's store, so the same hash checks a CONNECT on the embedded broker and
 * goes into the password file of an external Mosquitto. The username is the
 * node's name. Issue (or rotate) and revoke are applied one at a time.
 */
export class NodeCredentials {
  private readonly records = new Map<string, NodeCredentialRecord>();
  private readonly listeners = new Set<() => void>();
  private tail: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly store: Collection<NodeCredentialRecord>,
    private readonly options: NodeCredentialsOptions,
  ) {}

  /** Reads the stored hashes; one that does not parse is skipped (that node cannot log in) and logged. */
  async load(): Promise<void> {
    for (const [name, record] of await this.store.entries()) {
      if (isNodeName(name) && name !== HUB_USERNAME && parsePasswordHash(record.hash)) this.records.set(name, record);
      else this.options.log.warn({ node: name }, 'stored node credentials unreadable: ignored');
    }
  }

  has(name: string): boolean {
    return this.records.has(name);
  }

  /** Every node's username and hash, by name: the body of a Mosquitto password file. */
  entries(): PasswordEntry[] {
    return [...this.records.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([username, r]) => ({ username, hash: r.hash }));
  }

  /** A new password for `name` (replacing any earlier one); the only time the password exists outside the node. */
  issue(name: string): Promise<Result<IssuedCredentials, IssueRejection>> {
    return this.serialize(async () => {
      if (name === HUB_USERNAME) return err({ reason: 'Reserved' as const, message: `${JSON.stringify(name)} is the hub's own broker username` });
      if (!isNodeName(name)) return err({ reason: 'InvalidName' as const, message: `${JSON.stringify(name)} is not a node name (lower-case DNS label)` });
      const password = (this.options.random ?? randomBytes)(32).toString('base64url');
      const record: NodeCredentialRecord = { hash: await hashPassword(password), issuedAt: this.options.now() };
      await this.store.put(name, record);
      const rotated = this.records.has(name);
      this.records.set(name, record);
      this.options.log.info({ node: name, rotated }, 'node broker credentials issued');
      this.changed();
      return ok({ username: name, password });
    });
  }

  /** Forgets the node's password; false when it had none. */
  revoke(name: string): Promise<boolean> {
    return this.serialize(async () => {
      if (!this.records.has(name)) return false;
      await this.store.del(name);
      this.records.delete(name);
      this.options.log.info({ node: name }, 'node broker credentials revoked');
      this.changed();
      return true;
    });
  }

  /** Who a CONNECT's username and password prove to be, if anyone. */
  async verify(username: string | undefined, password: Uint8Array | string | undefined): Promise<BrokerIdentity | undefined> {
    if (username === undefined || password === undefined || password.length === 0) return undefined;
    if (username === HUB_USERNAME) {
      const hub = this.options.hub;
      return hub && isHubMqttIdentity(hub, username, Buffer.from(password)) ? { kind: 'hub' } : undefined;
    }
    const record = this.records.get(username);
    if (!record || !(await verifyPassword(record.hash, password))) return undefined;
    // Revoked or rotated while the hash was being computed: the old password no longer counts.
    return this.records.get(username) === record ? { kind: 'node', name: username } : undefined;
  }

  /** Calls `listener` after every issue and revoke; returns the unsubscribe. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Waits for queued issues and revocations. */
  flush(): Promise<void> {
    return this.tail.then(() => undefined);
  }

  private changed(): void {
    for (const listener of this.listeners) listener();
  }

  private serialize<T>(run: () => Promise<T>): Promise<T> {
    const result = this.tail.then(run, run);
    this.tail = result.catch(() => undefined);
    return result;
  }
}
