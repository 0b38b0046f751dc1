import { type KeyObject, createPublicKey } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { CorralError, ErrorCode } from '../../../protocol/src/index.js';

/**
 * The hub's desired-state public key from the agent's `hubPublicKey`: the PEM itself (it starts
 * with `-----BEGIN`) or the path of a PEM file (the hub's `<dataDir>/signing.pub.pem`, copied to
 * the device at provisioning). Throws `CORRAL_SIGNING_KEY_INVALID` for an unreadable file or
 * anything but an Ed25519 public key: an I/O edge, read once at start.
 */
export async function readHubPublicKey(value: string): Promise<KeyObject> {
  const inline = value.trimStart().startsWith('-----BEGIN');
  const where = inline ? 'hubPublicKey' : value;
  let pem: string;
  try {
    pem = inline ? value : await readFile(value, 'utf8');
  } catch (cause) {
    throw new CorralError(ErrorCode.SigningKeyInvalid, `hub public key ${where}: ${(cause as Error).message}`, { cause, path: 'hubPublicKey' });
  }
  if (pem.includes('PRIVATE KEY-----')) {
    throw new CorralError(ErrorCode.SigningKeyInvalid, `hub public key ${where}: a private key; devices get the public half only (signing.pub.pem)`, { path: 'hubPublicKey' });
  }
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch (cause) {
    throw new CorralError(ErrorCode.SigningKeyInvalid, `hub public key ${where}: not a PEM public key`, { cause, path: 'hubPublicKey' });
  }
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new CorralError(ErrorCode.SigningKeyInvalid, `hub public key ${where}: a ${key.asymmetricKeyType ?? 'non-asymmetric'} key, not ed25519`, { path: 'hubPublicKey' });
  }
  return key;
}
