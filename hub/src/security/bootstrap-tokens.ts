import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Logger } from 'pino';
import { z } from 'zod';
import { type BootstrapTokenState, Labels, type Result, err, isBootstrapTokenFormat } from '../../../protocol/src/index.js';
import type { Collection } from '../store/collection.js';

/** A bootstrap token as stored: never the token itself, only its SHA-256. */
const BootstrapTokenRecord = z.object({
  id: z.string().regex(/^[0-9a-f]{8}$/),
  /** Hex SHA-256 of the whole token (`cbt_…`). */
  hash: z.string().regex(/^[0-9a-f]{64}$/),
  createdAt: z.number(),
  expiresAt: z.number(),
  /** How many enrollments it allowed, and how many are left. */
  uses: z.number().int().min(1),
  usesLeft: z.number().int().min(0),
  labels: Labels,
  revokedAt: z.number().optional(),
  lastUsedAt: z.number().optional(),
  /** The nodes it enrolled, oldest first. */
  nodes: z.array(z.string()),
});
export type BootstrapTokenRecord = z.infer<typeof BootstrapTokenRecord>;

/** A token as shown: everything but the hash, and its state at the time asked. */
export type BootstrapTokenInfo = Omit<BootstrapTokenRecord, 'hash'> & { state: BootstrapTokenState };

/** Why a presented token does not enroll. */
export interface TokenRefusal {
  reason: 'TokenUnknown' | 'TokenExpired' | 'TokenUsedUp' | 'TokenRevoked';
  message: string;
  /** The token's id when it is a known one (for the hub's log). */
  id?: string;
}

export interface BootstrapTokensOptions {
  now: () => number;
  log: Logger;
  /** Random bytes for tokens and ids (tests may pin them). */
  random?: (size: number) => Buffer;
  /** How long a token that can no longer enroll is kept (listed, and refused by name) before it is dropped (default 7 days). */
  keepEndedMs?: number;
}

const DEFAULT_KEEP_ENDED_MS = 7 * 86_400_000;

export function hashBootstrapToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** What a token is at `now`: revoked, used up and expired in that order of precedence. */
export function tokenState(record: Pick<BootstrapTokenRecord, 'revokedAt' | 'usesLeft' | 'expiresAt'>, now: number): BootstrapTokenState {
  if (record.revokedAt !== undefined) return 'Revoked';
  if (record.usesLeft <= 0) return 'UsedUp';
  if (now >= record.expiresAt) return 'Expired';
  return 'Active';
}

const refusals: Record<Exclude<BootstrapTokenState, 'Active'>, TokenRefusal['reason']> = { Expired: 'TokenExpired', UsedUp: 'TokenUsedUp', Revoked: 'TokenRevoked' };

/**
 * Bootstrap tokens for enrollment, in the hub's LevelDB (`bootstrap-tokens`, keyed by id) and in
 * memory by hash. `redeem` checks a token, runs the enrollment and spends one use as one step:
 * redemptions, creations and revocations are applied one at a time, so a single-use token
 * enrolls exactly one node however many requests race for it. Tokens that can no longer enroll
 * stay listed (and refused with their reason) for `keepEndedMs`, then are dropped.
 */
export class BootstrapTokens {
  private readonly byHash = new Map<string, BootstrapTokenRecord>();
  private tail: Promise<unknown> = Promise.resolve();
  private readonly random: (size: number) => Buffer;

  constructor(
    private readonly collection: Collection<BootstrapTokenRecord>,
    private readonly options: BootstrapTokensOptions,
  ) {
    this.random = options.random ?? randomBytes;
  }

  async load(): Promise<void> {
    this.byHash.clear();
    for (const [key, value] of await this.collection.entries()) {
      const parsed = BootstrapTokenRecord.safeParse(value);
      if (!parsed.success || parsed.data.id !== key) {
        this.options.log.warn({ key }, 'ignoring an unreadable bootstrap token record');
        continue;
      }
      this.byHash.set(parsed.data.hash, parsed.data);
    }
    await this.serialize(() => this.prune());
  }

  /** Every token without its hash, oldest first. */
  list(): BootstrapTokenInfo[] {
    const now = this.options.now();
    return [...this.byHash.values()].sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1)).map((r) => info(r, now));
  }

  get(id: string): BootstrapTokenInfo | undefined {
    const record = this.findById(id);
    return record && info(record, this.options.now());
  }

  /** A new token; its secret is returned here once and never stored. */
  create(spec: { ttlMs: number; uses: number; labels: Labels }): Promise<{ token: string; info: BootstrapTokenInfo }> {
    return this.serialize(async () => {
      await this.prune();
      const token = `cbt_${this.random(32).toString('base64url')}`;
      let id = this.random(4).toString('hex');
      while (this.findById(id)) id = this.random(4).toString('hex');
      const now = this.options.now();
      const record: BootstrapTokenRecord = { id, hash: hashBootstrapToken(token), createdAt: now, expiresAt: now + spec.ttlMs, uses: spec.uses, usesLeft: spec.uses, labels: { ...spec.labels }, nodes: [] };
      await this.write(record);
      this.options.log.info({ id, uses: spec.uses, expiresAt: new Date(record.expiresAt).toISOString(), labels: spec.labels }, 'bootstrap token created');
      return { token, info: info(record, now) };
    });
  }

  /** Marks a token revoked (it enrolls nothing from now on); undefined when there is no such token. */
  revoke(id: string): Promise<BootstrapTokenInfo | undefined> {
    return this.serialize(async () => {
      const record = this.findById(id);
      if (!record) return undefined;
      if (record.revokedAt === undefined) {
        await this.write({ ...record, revokedAt: this.options.now() });
        this.options.log.info({ id }, 'bootstrap token revoked');
      }
      return this.get(id);
    });
  }

  /**
   * Checks `token`; if it may enroll, spends one use (on disk first) and runs `enroll` with the
   * token's labels; when that succeeds, `node` is recorded as enrolled by the token. When `enroll`
   * refuses or throws, the use is given back. Nothing else redeems, creates or revokes a token
   * meanwhile. A crash between spending and enrolling loses the use (never grants an extra one).
   */
  redeem<T, E>({ token, node }: { token: string; node: string }, enroll: (grant: { id: string; labels: Labels }) => Promise<Result<T, E>>): Promise<Result<T, TokenRefusal | E>> {
    return this.serialize(async (): Promise<Result<T, TokenRefusal | E>> => {
      const record = this.find(token);
      if (!record) return err({ reason: 'TokenUnknown' as const, message: 'the bootstrap token is not known to this hub' });
      const now = this.options.now();
      const state = tokenState(record, now);
      if (state !== 'Active') return err({ reason: refusals[state], message: refusalMessage(state, record), id: record.id });
      const spent = { ...record, usesLeft: record.usesLeft - 1, lastUsedAt: now };
      await this.write(spent);
      let outcome: Result<T, E>;
      try {
        outcome = await enroll({ id: record.id, labels: { ...record.labels } });
      } catch (error) {
        await this.write(record);
        throw error;
      }
      await this.write(outcome.ok ? { ...spent, nodes: [...spent.nodes, node] } : record);
      return outcome;
    });
  }

  /** Waits for queued work. */
  flush(): Promise<void> {
    return this.tail.then(() => undefined);
  }

  private async write(record: BootstrapTokenRecord): Promise<void> {
    await this.collection.put(record.id, record);
    this.byHash.set(record.hash, record);
  }

  private find(token: string): BootstrapTokenRecord | undefined {
    if (!isBootstrapTokenFormat(token)) return undefined;
    const hash = hashBootstrapToken(token);
    const record = this.byHash.get(hash);
    // The map lookup already matched the hash; compare again in constant time as a belt and braces.
    return record && timingSafeEqual(Buffer.from(record.hash, 'hex'), Buffer.from(hash, 'hex')) ? record : undefined;
  }

  private findById(id: string): BootstrapTokenRecord | undefined {
    for (const record of this.byHash.values()) if (record.id === id) return record;
    return undefined;
  }

  /** Drops tokens that ended (expired, used up, revoked) more than `keepEndedMs` ago. */
  private async prune(): Promise<void> {
    const now = this.options.now();
    const keep = this.options.keepEndedMs ?? DEFAULT_KEEP_ENDED_MS;
    for (const record of [...this.byHash.values()]) {
      const state = tokenState(record, now);
      if (state === 'Active') continue;
      const endedAt = state === 'Revoked' ? record.revokedAt! : state === 'UsedUp' ? (record.lastUsedAt ?? record.createdAt) : record.expiresAt;
      if (now - endedAt < keep) continue;
      await this.collection.del(record.id);
      this.byHash.delete(record.hash);
    }
  }

  private serialize<T>(run: () => Promise<T>): Promise<T> {
    const result = this.tail.then(run, run);
    this.tail = result.catch(() => undefined);
    return result;
  }
}

function refusalMessage(state: Exclude<BootstrapTokenState, 'Active'>, record: BootstrapTokenRecord): string {
  switch (state) {
    case 'Expired':
      return `bootstrap token ${record.id} expired at ${new Date(record.expiresAt).toISOString()}`;
    case 'UsedUp':
      return `bootstrap token ${record.id} was already used (${record.uses} of ${record.uses} enrollments)`;
    case 'Revoked':
      return `bootstrap token ${record.id} was revoked`;
  }
}

function info(record: BootstrapTokenRecord, now: number): BootstrapTokenInfo {
  const { hash: _hash, ...rest } = record;
  return { ...rest, labels: { ...rest.labels }, nodes: [...rest.nodes], state: tokenState(record, now) };
}
