import { type KeyObject, createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import { link, mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { CorralError, ErrorCode } from '../../../protocol/src/index.js';

/** Files of the hub's desired-state signing key pair, in its data directory. */
export const SIGNING_KEY_FILE = 'signing.key';
export const SIGNING_PUBLIC_KEY_FILE = 'signing.pub.pem';

/** The hub's Ed25519 key pair that signs every node's desired state (docs/security.md). */
export interface HubSigningKey {
  privateKey: KeyObject;
  /** SPKI PEM: what devices pin (`--hub-public-key`), served at `GET /api/v1/hub/signing-key`. */
  publicKeyPem: string;
  /** True when this call generated the pair (a new hub, or its data directory was lost). */
  created: boolean;
}

/**
 * Loads `<dataDir>/signing.key` (PKCS8 PEM), or creates it on first start: mode 0600, written
 * and fsynced in full before it is hard-linked into place, so a crash never leaves half a key
 * and two racing starts agree on one. A key file that exists but is not an Ed25519 private key
 * is an error, never silently replaced: every device pinned its public half. Writes
 * `<dataDir>/signing.pub.pem` (0644) whenever it is missing or differs.
 */
export async function loadSigningKey(dataDir: string): Promise<HubSigningKey> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const keyPath = join(dataDir, SIGNING_KEY_FILE);
  let pem = await readIfExists(keyPath);
  let created = false;
  if (pem === undefined) {
    const fresh = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    pem = await createOnce(keyPath, fresh);
    created = pem === fresh;
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(pem);
  } catch (cause) {
    throw new CorralError(ErrorCode.SigningKeyInvalid, `${keyPath}: not a PEM private key (restore it from a backup; a new key means re-provisioning every device)`, { cause });
  }
  if (privateKey.asymmetricKeyType !== 'ed25519') {
    throw new CorralError(ErrorCode.SigningKeyInvalid, `${keyPath}: a ${privateKey.asymmetricKeyType ?? 'symmetric'} key, not ed25519`);
  }
  const publicKeyPem = createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }) as string;
  const pubPath = join(dataDir, SIGNING_PUBLIC_KEY_FILE);
  if ((await readIfExists(pubPath)) !== publicKeyPem) await replaceFile(pubPath, publicKeyPem, 0o644);
  return { privateKey, publicKeyPem, created };
}

async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Writes `data` to a new temp file beside `path` with `mode`, fsynced; returns the temp path. */
async function writeTemp(path: string, data: string, mode: number): Promise<string> {
  const temp = `${path}.tmp-${randomBytes(6).toString('hex')}`;
  const handle = await open(temp, 'wx', mode);
  try {
    await handle.chmod(mode); // the umask may have narrowed `mode` (never widened: 0600 stays 0600)
    await handle.writeFile(data, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  return temp;
}

/** Creates `path` with `data` unless it exists (hard link: exclusive and atomic); returns what it holds. */
async function createOnce(path: string, data: string): Promise<string> {
  const temp = await writeTemp(path, data, 0o600);
  try {
    await link(temp, path);
    await syncDir(dirname(path));
    return data;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return readFile(path, 'utf8');
    throw error;
  } finally {
    await unlink(temp).catch(() => {});
  }
}

async function replaceFile(path: string, data: string, mode: number): Promise<void> {
  const temp = await writeTemp(path, data, mode);
  try {
    await rename(temp, path);
  } catch (error) {
    await unlink(temp).catch(() => {});
    throw error;
  }
}

async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
