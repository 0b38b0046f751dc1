import { access, mkdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Command, CommanderError } from 'commander';
import { CorralError, ErrorCode } from '../../../protocol/src/index.js';
import { writeFileAtomic } from '../security/atomic-file.js';
import { ensureHubMqttIdentity, pkiDir } from '../security/hub-mqtt-identity.js';
import type { NodeCredentialRecord, PasswordEntry } from '../security/node-credentials.js';
import { hashPassword, parsePasswordHash } from '../security/password-hash.js';
import { LevelStore } from '../store/level-store.js';
import { mosquittoFiles, mosquittoPasswordFile } from './mosquitto-config.js';

/**
 * In `<dataDir>/pki/`: the nodes' password lines (hashes), kept current by a
 * running hub in secure mode, so `broker-config` works while the hub holds
 * its store's lock.
 */
export const NODE_PASSWORDS_FILE = 'node-passwords';
const COLLECTION = 'node-credentials';

/** What `broker-config mosquitto` wrote, as absolute paths, and how many nodes the password file holds. */
export interface BrokerConfigResult {
  passwordFile: string;
  aclFile: string;
  confFile: string;
  nodes: number;
  /** Where the node hashes came from: the hub's store, or (hub running) the hub's `node-passwords` copy. */
  source: 'store' | 'running-hub' | 'none';
}

/** Writes `passwd` (0600), `acl` and `mosquitto.conf` for Mosquitto into `out` from the hub's data dir. */
export async function writeMosquittoConfig(options: { dataDir: string; out: string }): Promise<BrokerConfigResult> {
  const dataDir = resolve(options.dataDir);
  const out = resolve(options.out);
  const { nodes, source } = await readNodeHashes(dataDir);
  // The hub's own secret: created now when the hub has not run in secure mode yet; the hub uses the same one.
  const hub = await ensureHubMqttIdentity(pkiDir(dataDir));
  const passwordFile = join(out, 'passwd');
  const aclFile = join(out, 'acl');
  const confFile = join(out, 'mosquitto.conf');
  const files = mosquittoFiles({ hubHash: await hashPassword(hub.password), nodes, passwordFile, aclFile, pkiDir: pkiDir(dataDir) });
  await mkdir(out, { recursive: true });
  await writeFileAtomic(passwordFile, files.passwd, 0o600);
  await writeFileAtomic(aclFile, files.acl, 0o644);
  await writeFileAtomic(confFile, files.conf, 0o644);
  return { passwordFile, aclFile, confFile, nodes: nodes.length, source };
}

/** Keeps `<dataDir>/pki/node-passwords` equal to `entries()`; each call queues one rewrite of the latest entries. */
export function nodePasswordsWriter(dataDir: string, entries: () => PasswordEntry[]): () => Promise<void> {
  let tail: Promise<void> = Promise.resolve();
  return () => {
    const write = async () => {
      await mkdir(pkiDir(dataDir), { recursive: true, mode: 0o700 });
      await writeFileAtomic(join(pkiDir(dataDir), NODE_PASSWORDS_FILE), mosquittoPasswordFile(entries()), 0o600);
    };
    tail = tail.then(write, write);
    return tail;
  };
}

async function readNodeHashes(dataDir: string): Promise<{ nodes: PasswordEntry[]; source: BrokerConfigResult['source'] }> {
  if (!(await exists(join(dataDir, 'state')))) return { nodes: [], source: 'none' };
  let store: LevelStore;
  try {
    store = await LevelStore.open(dataDir);
  } catch (error) {
    if ((error as { cause?: { code?: string } }).cause?.code !== 'LEVEL_LOCKED') throw error;
    return { nodes: await readNodePasswordsFile(dataDir), source: 'running-hub' };
  }
  try {
    const entries = await store.collection<NodeCredentialRecord>(COLLECTION).entries();
    return { nodes: entries.filter(([, r]) => parsePasswordHash(r.hash) !== undefined).map(([username, r]) => ({ username, hash: r.hash })), source: 'store' };
  } finally {
    await store.close();
  }
}

async function readNodePasswordsFile(dataDir: string): Promise<PasswordEntry[]> {
  const path = join(pkiDir(dataDir), NODE_PASSWORDS_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new CorralError(ErrorCode.ConfigInvalid, `a hub is running with ${dataDir} and ${path} is not readable (${(error as Error).message}); run the hub in secure mode or stop it`, { cause: error });
  }
  return text
    .split('\n')
    .filter((line) => line.includes(':'))
    .map((line) => ({ username: line.slice(0, line.indexOf(':')), hash: line.slice(line.indexOf(':') + 1) }))
    .filter((e) => parsePasswordHash(e.hash) !== undefined);
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

/** `corral-hub broker-config mosquitto --data-dir DIR --out DIR`; resolves to the exit code. */
export async function brokerConfigMain(argv: readonly string[], io: { stdout: { write(text: string): unknown }; stderr: { write(text: string): unknown } }): Promise<number> {
  const program = new Command('corral-hub broker-config')
    .description('write the configuration an external MQTT broker needs to enforce Corral\'s credentials and ACLs')
    .exitOverride()
    .configureOutput({ writeOut: (t) => io.stdout.write(t), writeErr: (t) => io.stderr.write(t) });
  let result: BrokerConfigResult | undefined;
  program
    .command('mosquitto')
    .description('Mosquitto 2.x: password file (hub and nodes, hashes only), pattern ACL and a mosquitto.conf snippet')
    .option('--data-dir <dir>', 'the hub\'s data dir', './.data/hub')
    .requiredOption('--out <dir>', 'where to write passwd, acl and mosquitto.conf')
    .action(async (options: { dataDir: string; out: string }) => {
      result = await writeMosquittoConfig(options);
    });
  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    io.stderr.write(`error: ${(error as Error).message}\n`);
    return 1;
  }
  if (!result) return 2;
  io.stdout.write(`${result.passwordFile} (hub and ${result.nodes} node${result.nodes === 1 ? '' : 's'})\n${result.aclFile}\n${result.confFile}\n`);
  if (result.source === 'running-hub') io.stderr.write('note: the hub is running; node passwords taken from its node-passwords file\n');
  return 0;
}
