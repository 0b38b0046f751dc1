import { pbkdf2, randomBytes, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';

const pbkdf2Async = promisify(pbkdf2);

/**
 * PBKDF2-SHA512 as Mosquitto 2.x keeps passwords (`mosquitto_passwd` writes
 * `$7$<iterations>$<salt, base64>$<hash, base64>`, 12 salt bytes, 64 hash
 * bytes, 101 iterations), so one stored hash serves both the embedded broker's
 * check and a Mosquitto password file. The passwords Corral issues are 32
 * random bytes: no dictionary reaches them, and a low iteration count keeps a
 * flood of bad CONNECTs cheap for the hub.
 */
export const PASSWORD_HASH_ITERATIONS = 101;
const SALT_BYTES = 12;
const HASH_BYTES = 64;
const MAX_ITERATIONS = 1_000_000;

export interface PasswordHash {
  iterations: number;
  salt: Buffer;
  hash: Buffer;
}

/** `$7$…` text of a password, with a fresh random salt unless one is given (tests). */
export async function hashPassword(password: string | Uint8Array, options: { iterations?: number; salt?: Uint8Array } = {}): Promise<string> {
  const iterations = options.iterations ?? PASSWORD_HASH_ITERATIONS;
  const salt = Buffer.from(options.salt ?? randomBytes(SALT_BYTES));
  const hash = await pbkdf2Async(password, salt, iterations, HASH_BYTES, 'sha512');
  return formatPasswordHash({ iterations, salt, hash });
}

export function formatPasswordHash(parts: PasswordHash): string {
  return `$7$${parts.iterations}$${parts.salt.toString('base64')}$${parts.hash.toString('base64')}`;
}

/** Parses `$7$…`; anything else (other schemes, bad base64, absurd iteration counts) is `undefined`. */
export function parsePasswordHash(text: string): PasswordHash | undefined {
  const m = /^\$7\$(\d{1,7})\$([A-Za-z0-9+/]+={0,2})\$([A-Za-z0-9+/]+={0,2})$/.exec(text);
  if (!m) return undefined;
  const iterations = Number(m[1]);
  const salt = Buffer.from(m[2] as string, 'base64');
  const hash = Buffer.from(m[3] as string, 'base64');
  if (iterations < 1 || iterations > MAX_ITERATIONS || salt.length === 0 || hash.length !== HASH_BYTES) return undefined;
  return { iterations, salt, hash };
}

/** Whether `password` matches the `$7$…` hash; a malformed hash matches nothing. Constant time in the hash comparison. */
export async function verifyPassword(stored: string, password: string | Uint8Array): Promise<boolean> {
  const parsed = parsePasswordHash(stored);
  if (!parsed) return false;
  const candidate = await pbkdf2Async(password, parsed.salt, parsed.iterations, HASH_BYTES, 'sha512');
  return timingSafeEqual(candidate, parsed.hash);
}
