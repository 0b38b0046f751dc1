import { type KeyObject, createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createFileOnce, writeFileAtomic } from './atomic-file.js';
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
    pem = await createFileOnce(keyPath, fresh, 0o600);
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
  if ((await readIfExists(pubPath)) !== publicKeyPem) await writeFileAtomic(pubPath, publicKeyPem, 0o644);
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

