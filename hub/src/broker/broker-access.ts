import type { Logger } from 'pino';
import type { ErrorCode } from '../../../protocol/src/index.js';
import type { MqttIdentity } from '../security/hub-mqtt-identity.js';
import { type NodeCredentialRecord, NodeCredentials } from '../security/node-credentials.js';
import type { LevelStore } from '../store/level-store.js';
import { BrokerAuth } from './auth-hooks.js';
import { nodePasswordsWriter } from './broker-config.js';

/** The hub's side of broker access control: node credentials and, in secure mode, the embedded broker's hooks. */
export interface BrokerAccess {
  credentials: NodeCredentials;
  /** Secure mode only: what the embedded broker installs (absent: anonymous access, as with `--insecure`). */
  auth: BrokerAuth | undefined;
}

export interface BrokerAccessOptions {
  dataDir: string;
  /** The hub's own broker login in secure mode; absent: insecure mode, no hooks. */
  hubIdentity: MqttIdentity | undefined;
  /** Counts refusals (the hub's stats). */
  onDenied: (code: ErrorCode) => void;
  now: () => number;
  log: Logger;
}

/**
 * Loads the node credentials (collection `node-credentials`), keeps
 * `<dataDir>/pki/node-passwords` current for `broker-config` while the hub
 * runs, and in secure mode builds the embedded broker's auth hooks.
 */
export async function openBrokerAccess(store: Pick<LevelStore, 'collection'>, options: BrokerAccessOptions): Promise<BrokerAccess> {
  const { log } = options;
  const credentials = new NodeCredentials(store.collection<NodeCredentialRecord>('node-credentials'), { now: options.now, log, hub: options.hubIdentity });
  await credentials.load();
  const writeNodePasswords = nodePasswordsWriter(options.dataDir, () => credentials.entries());
  const write = () => writeNodePasswords().catch((error: unknown) => log.warn({ err: error }, 'could not write node-passwords for broker-config'));
  credentials.onChange(() => void write());
  if (options.hubIdentity) await write();
  const auth = options.hubIdentity ? new BrokerAuth({ verify: (username, password) => credentials.verify(username, password), log, onDenied: options.onDenied }) : undefined;
  return { credentials, auth };
}
