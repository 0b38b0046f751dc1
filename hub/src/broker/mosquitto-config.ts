import { TOPIC_ROOT } from '../../../protocol/src/index.js';
import type { PasswordEntry } from '../security/node-credentials.js';
import { HUB_USERNAME, hubPublishKinds, nodePublishKinds, nodeSubscribeKinds } from './acl.js';

/** The files `corral-hub broker-config mosquitto` writes, as text. */
export interface MosquittoFiles {
  /** `password_file`: the hub and every node, `user:$7$…` (hashes only). */
  passwd: string;
  /** `acl_file`: the hub's rules and one pattern set that confines every node to its own topics. */
  acl: string;
  /** A `mosquitto.conf` snippet naming the two files. */
  conf: string;
}

export interface MosquittoConfigInput {
  /** The hub's `$7$` hash (of its secret in `<dataDir>/pki/hub-mqtt.secret`). */
  hubHash: string;
  /** Every node's username (its name) and hash. */
  nodes: readonly PasswordEntry[];
  /** Absolute paths the conf snippet names. */
  passwordFile: string;
  aclFile: string;
  /** Where the hub keeps its PKI, for the TLS hint in the snippet. */
  pkiDir: string;
}

const nodeTopics = (who: string) => `${TOPIC_ROOT}/node/${who}`;

/** One `user:hash` line per entry, hub first; usernames cannot hold `:` (node names are DNS labels). */
export function mosquittoPasswordFile(entries: readonly PasswordEntry[]): string {
  return entries.map((e) => `${e.username}:${e.hash}\n`).join('');
}

/**
 * The ACL, stating broker/acl.ts for Mosquitto: the hub reads everything under
 * `corral/` and writes `desired`, `cmd`, `ack` (and `status`, to clear a deleted
 * node) of any node; a node, whose username is its name, writes only its own
 * agent→hub topics and reads only its own `desired`, `cmd` and `ack` (`%u`).
 * Pattern lines apply to every user, the hub included, which only repeats what
 * the hub may do anyway.
 */
export function mosquittoAcl(): string {
  return [
    '# Corral broker ACL (corral-hub broker-config mosquitto). Same rules as the embedded broker (hub/src/broker/acl.ts).',
    '',
    '# The hub: reads every report, writes every node\'s desired state, commands and acknowledgements.',
    `user ${HUB_USERNAME}`,
    'topic read corral/#',
    ...hubPublishKinds.map((kind) => `topic write ${nodeTopics('+')}/${kind}`),
    '',
    '# Every node (username = node name): its own reports out, its own desired state, commands and acks in.',
    ...nodePublishKinds.map((kind) => `pattern write ${nodeTopics('%u')}/${kind}`),
    ...nodeSubscribeKinds.map((kind) => `pattern read ${nodeTopics('%u')}/${kind}`),
    '',
  ].join('\n');
}

/** The `mosquitto.conf` snippet: no anonymous clients, the two files, client id = username, and where TLS goes. */
export function mosquittoConf(input: Pick<MosquittoConfigInput, 'passwordFile' | 'aclFile' | 'pkiDir'>): string {
  return [
    '# Corral broker access (corral-hub broker-config mosquitto): include this in mosquitto.conf.',
    '# Every client logs in: the hub as corral-hub, each node with its name and the password the hub issued.',
    'allow_anonymous false',
    `password_file ${input.passwordFile}`,
    `acl_file ${input.aclFile}`,
    '# The ACL cannot tie a client id to a user; with this the client id IS the username, so one node\'s',
    '# credentials cannot take over (disconnect) another node\'s session.',
    'use_username_as_clientid true',
    '',
    '# TLS: the hub and the agents dial mqtts:// in secure mode. A listener with a certificate the devices',
    '# trust, e.g. one signed by the hub\'s CA (its SANs must name this broker\'s host):',
    '# listener 8883',
    `# cafile ${input.pkiDir}/ca.pem`,
    '# certfile /etc/mosquitto/certs/broker.pem',
    '# keyfile /etc/mosquitto/certs/broker.key',
    '# After `corral node credentials` or `corral delete node`, run broker-config again and reload',
    '# Mosquitto (SIGHUP) so it reads the new password file.',
    '',
  ].join('\n');
}

/** All three files. */
export function mosquittoFiles(input: MosquittoConfigInput): MosquittoFiles {
  return {
    passwd: mosquittoPasswordFile([{ username: HUB_USERNAME, hash: input.hubHash }, ...input.nodes]),
    acl: mosquittoAcl(),
    conf: mosquittoConf(input),
  };
}
