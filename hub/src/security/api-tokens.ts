import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { Collection } from '../store/collection.js';

/** What a token may do: `admin` everything, `read-only` GET and HEAD only. */
export const ApiRole = z.enum(['admin', 'read-only']);
export type ApiRole = z.infer<typeof ApiRole>;

/** A token's name: lower-case words joined by `-`, `.` or `_`, like a node or pod name. */
export const ApiTokenName = z
  .string()
  .max(63)
  .regex(/^[a-z0-9]([a-z0-9._-]*[a-z0-9])?$/, 'must be lower-case letters, digits, ".", "_" or "-", starting and ending with a letter or digit');

/** A token as stored: never the token itself, only its SHA-256. */
const ApiTokenRecord = z.object({
  id: z.string().regex(/^[0-9a-f]{8}$/),
  name: z.string(),
  role: ApiRole,
  /** Hex SHA-256 of the whole token (`crl_…`). */
  hash: z.string().regex(/^[0-9a-f]{64}$/),
  createdAt: z.number(),
  /** Coalesced: persisted at most once per `lastUsedWriteMs` (flash wear), exact in memory. */
  lastUsedAt: z.number().optional(),
});
export type ApiTokenRecord = z.infer<typeof ApiTokenRecord>;

/** A token as shown: everything but the hash. */
export type ApiTokenInfo = Omit<ApiTokenRecord, 'hash'>;

/** `crl_` and 43 base64url characters (32 random bytes). */
const TOKEN_PATTERN = /^crl_[A-Za-z0-9_-]{43}$/;
export const BOOTSTRAP_ADMIN_NAME = 'bootstrap-admin';
export const ADMIN_TOKEN_FILE = 'admin.token';
const DEFAULT_LAST_USED_WRITE_MS = 60 * 60_000;

/** A new secret: `crl_` + 32 random bytes in base64url. */
export function newApiToken(random: (size: number) => Buffer = randomBytes): string {
  return `crl_${random(32).toString('base64url')}`;
}

export function isApiTokenFormat(token: string): boolean {
  return TOKEN_PATTERN.test(token);
}

export function hashApiToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export type CreateOutcome = { created: true; token: string; info: ApiTokenInfo } | { created: false; reason: 'AlreadyExists'; message: string };
export type RevokeOutcome = { revoked: true; info: ApiTokenInfo } | { revoked: false; reason: 'NotFound' | 'LastAdmin'; message: string };

export interface ApiTokensOptions {
  now: () => number;
  log: Logger;
  /** How stale a persisted `lastUsedAt` may get before a request writes it again (default 1 h). */
  lastUsedWriteMs?: number;
  /** Ids; tests may pin them. */
  newId?: () => string;
}

/**
 * The HTTP API's bearer tokens, in the hub's LevelDB (`api-tokens`, keyed by id) and in memory by
 * hash. A request is authenticated without I/O; `lastUsedAt` reaches the disk at most hourly.
 */
export class ApiTokens {
  private readonly byHash = new Map<string, ApiTokenRecord>();
  /** `lastUsedAt` as last written, per id. */
  private readonly persistedUse = new Map<string, number>();
  private writes: Promise<void> = Promise.resolve();
  private readonly lastUsedWriteMs: number;
  private readonly newId: () => string;

  constructor(
    private readonly collection: Collection<ApiTokenRecord>,
    private readonly options: ApiTokensOptions,
  ) {
    this.lastUsedWriteMs = options.lastUsedWriteMs ?? DEFAULT_LAST_USED_WRITE_MS;
    this.newId = options.newId ?? (() => randomBytes(4).toString('hex'));
  }

  async load(): Promise<void> {
    this.byHash.clear();
    for (const [key, value] of await this.collection.entries()) {
      const parsed = ApiTokenRecord.safeParse(value);
      if (!parsed.success || parsed.data.id !== key) {
        this.options.log.warn({ key }, 'ignoring an unreadable API token record');
        continue;
      }
      this.byHash.set(parsed.data.hash, parsed.data);
      if (parsed.data.lastUsedAt !== undefined) this.persistedUse.set(key, parsed.data.lastUsedAt);
    }
  }

  /** The token's record when the token is known; notes its use (in memory, on disk coalesced). */
  authenticate(token: string): ApiTokenInfo | undefined {
    if (!isApiTokenFormat(token)) return undefined;
    const hash = hashApiToken(token);
    const record = this.byHash.get(hash);
    // The map lookup already matched the hash; compare again in constant time as a belt and braces.
    if (!record || !timingSafeEqual(Buffer.from(record.hash, 'hex'), Buffer.from(hash, 'hex'))) return undefined;
    const now = this.options.now();
    record.lastUsedAt = now;
    if (now - (this.persistedUse.get(record.id) ?? -Infinity) >= this.lastUsedWriteMs) this.persist(record);
    return info(record);
  }

  /** Every token without its hash, oldest first (names are unique). */
  list(): ApiTokenInfo[] {
    return [...this.byHash.values()].sort((a, b) => a.createdAt - b.createdAt || (a.name < b.name ? -1 : 1)).map(info);
  }

  get(id: string): ApiTokenInfo | undefined {
    const record = this.findById(id);
    return record && info(record);
  }

  hasAdmin(): boolean {
    return [...this.byHash.values()].some((r) => r.role === 'admin');
  }

  /** A new token; its secret is returned here once and never stored. `secret` only for the bootstrap file. */
  async create(spec: { name: string; role: ApiRole }, secret: string = newApiToken()): Promise<CreateOutcome> {
    if ([...this.byHash.values()].some((r) => r.name === spec.name)) {
      return { created: false, reason: 'AlreadyExists', message: `an API token named "${spec.name}" already exists` };
    }
    let id = this.newId();
    while (this.findById(id)) id = this.newId();
    const record: ApiTokenRecord = { id, name: spec.name, role: spec.role, hash: hashApiToken(secret), createdAt: this.options.now() };
    await this.collection.put(id, record);
    this.byHash.set(record.hash, record);
    this.options.log.info({ id, tokenName: spec.name, role: spec.role }, 'API token created');
    return { created: true, token: secret, info: info(record) };
  }

  /** Deletes a token at once; the last admin token stays, or nobody could manage tokens any more. */
  async revoke(id: string): Promise<RevokeOutcome> {
    const record = this.findById(id);
    if (!record) return { revoked: false, reason: 'NotFound', message: `API token "${id}" not found` };
    if (record.role === 'admin' && [...this.byHash.values()].filter((r) => r.role === 'admin').length === 1) {
      return { revoked: false, reason: 'LastAdmin', message: `API token "${id}" (${record.name}) is the last admin token; create another admin token first` };
    }
    this.byHash.delete(record.hash);
    this.persistedUse.delete(id);
    await this.writes;
    await this.collection.del(id);
    this.options.log.info({ id, tokenName: record.name }, 'API token revoked');
    return { revoked: true, info: info(record) };
  }

  /** Waits for pending writes and persists every `lastUsedAt` not on disk yet (on hub stop). */
  async flush(): Promise<void> {
    for (const record of this.byHash.values()) {
      if (record.lastUsedAt !== undefined && record.lastUsedAt !== this.persistedUse.get(record.id)) this.persist(record);
    }
    await this.writes;
  }

  private findById(id: string): ApiTokenRecord | undefined {
    for (const record of this.byHash.values()) if (record.id === id) return record;
    return undefined;
  }

  /** Queues a write of the record's `lastUsedAt`; writes run one after another, failures are logged. */
  private persist(record: ApiTokenRecord): void {
    const at = record.lastUsedAt;
    if (at === undefined) return;
    this.persistedUse.set(record.id, at);
    this.writes = this.writes
      .then(async () => {
        // Revoked meanwhile: do not bring it back.
        if (this.byHash.get(record.hash) === record) await this.collection.put(record.id, { ...record });
      })
      .catch((error: unknown) => this.options.log.warn({ err: error, id: record.id }, 'could not record when an API token was last used'));
  }
}

function info(record: ApiTokenRecord): ApiTokenInfo {
  const { hash: _hash, ...rest } = record;
  return { ...rest };
}

/**
 * Secure mode without any admin token (a new hub): creates `bootstrap-admin` and writes its token to
 * `<dataDir>/admin.token` (0600, atomically) before storing it, so a crash never leaves an admin token
 * nobody can read. Resolves to the file's path when it wrote one; logs the path, never the token.
 */
export async function ensureBootstrapAdmin(tokens: ApiTokens, options: { dataDir: string; log: Logger }): Promise<string | undefined> {
  if (tokens.hasAdmin()) return undefined;
  const secret = newApiToken();
  const path = join(options.dataDir, ADMIN_TOKEN_FILE);
  await writeSecretFile(path, `${secret}\n`);
  const names = new Set(tokens.list().map((t) => t.name));
  let name = BOOTSTRAP_ADMIN_NAME;
  for (let n = 2; names.has(name); n++) name = `${BOOTSTRAP_ADMIN_NAME}-${n}`;
  await tokens.create({ name, role: 'admin' }, secret);
  options.log.warn({ path, tokenName: name }, 'created an admin API token for the first login (corral login --token - < FILE); delete the file afterwards');
  return path;
}

/** Temporary file (0600, created anew), fsync, rename over the old one, fsync the directory. */
async function writeSecretFile(path: string, text: string): Promise<void> {
  const temporary = `${path}.${process.pid}.tmp`;
  await rm(temporary, { force: true });
  const handle = await open(temporary, 'wx', 0o600);
  try {
    await handle.writeFile(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temporary, path);
  const dir = await open(dirname(path), 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}
