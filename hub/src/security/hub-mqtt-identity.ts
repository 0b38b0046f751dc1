import { randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CorralError, ErrorCode } from '../../../protocol/src/index.js';
import { createFileOnce } from './atomic-file.js';

/** The MQTT username of the hub's own client (never a node name: those are DNS labels without this meaning). */
export const HUB_MQTT_USERNAME = 'corral-hub';
/** In `<dataDir>/pki/`: 32 random bytes, base64url, mode 0600, created on the first secure start. */
export const HUB_MQTT_SECRET_FILE = 'hub-mqtt.secret';

export interface MqttIdentity {
  username: string;
  password: string;
}

/** `<dataDir>/pki`: the hub's CA, server certificate and broker secret. */
export function pkiDir(dataDir: string): string {
  return join(dataDir, 'pki');
}

function parseSecret(text: string, path: string): MqttIdentity {
  const password = text.trim();
  if (!/^[A-Za-z0-9_-]{43}$/.test(password)) throw new CorralError(ErrorCode.PkiFailed, `pki: ${path} is not a 32-byte base64url secret`);
  return { username: HUB_MQTT_USERNAME, password };
}

/** The hub's broker login, created (atomically, once) when missing. */
export async function ensureHubMqttIdentity(dir: string): Promise<MqttIdentity> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const path = join(dir, HUB_MQTT_SECRET_FILE);
  return parseSecret(await createFileOnce(path, `${randomBytes(32).toString('base64url')}\n`, 0o600), path);
}

/** The hub's broker login as stored, or undefined before the first secure start; for the broker's authentication. */
export async function readHubMqttIdentity(dir: string): Promise<MqttIdentity | undefined> {
  const path = join(dir, HUB_MQTT_SECRET_FILE);
  try {
    return parseSecret(await readFile(path, 'utf8'), path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Whether a CONNECT's username and password are the hub's own (constant time in the password). */
export function isHubMqttIdentity(identity: MqttIdentity, username: string | undefined, password: Buffer | string | undefined): boolean {
  if (username !== identity.username || password === undefined) return false;
  const given = Buffer.from(password);
  const expected = Buffer.from(identity.password);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
