import { randomUUID } from 'node:crypto';
import { chmod, mkdir } from 'node:fs/promises';
import { Level } from 'level';
import { z } from 'zod';
import { CorralError, type DesiredCronJobEntry, EnrollResponse, ErrorCode, type Result, err, formatPath, ok } from '../../../protocol/src/index.js';
import type { ContainerRecord, DesiredPod } from '../reconcile/model.js';

/** The last desired state accepted from the hub. */
export interface StoredDesired {
  generation: number;
  pods: DesiredPod[];
  /** The node's CronJobs (absent in states stored before CronJobs existed). */
  cronJobs?: DesiredCronJobEntry[];
}

export type StoredPodRecords = Record<string, ContainerRecord>;

type PutOptions = { sync: boolean };

/** Sublevels that take part in atomic batches. */
export type BatchSublevel = 'pods' | 'outbox' | 'meta' | 'cron';

/** One write of an atomic batch: everything in a batch lands together or not at all. */
export type StoreOp = { sublevel: BatchSublevel; type: 'put'; key: string; value: unknown } | { sublevel: BatchSublevel; type: 'del'; key: string };

export interface Identity {
  /** Created at the agent's first start; the hub's `metadata.uid` of this node. */
  uid: string;
  /** How many times the agent has started on this data dir (one write per start). */
  bootCount: number;
}

/**
 * What enrollment gave this device, kept with its identity: the node name, the broker login (the
 * only copy of the password), the broker's CA, the hub's signing key and the token's labels.
 */
export const StoredEnrollment = EnrollResponse.pick({ nodeName: true, mqtt: true, caPem: true, hubPublicKeyPem: true, labels: true }).extend({ enrolledAt: z.number() });
export type StoredEnrollment = z.infer<typeof StoredEnrollment>;

/**
 * The agent's LevelDB under its data dir. Sublevels are added by the features
 * that own them: `identity`, `desired`, `pods`, `outbox` and `meta` (`cron` later).
 */
export class AgentStore {
  private constructor(private readonly db: Level<string, unknown>) {}

  static async open(dataDir: string): Promise<AgentStore> {
    await mkdir(dataDir, { recursive: true });
    // The identity holds the node's broker password (enrollment): the database is the agent's alone.
    await mkdir(`${dataDir}/state`, { recursive: true, mode: 0o700 });
    await chmod(`${dataDir}/state`, 0o700);
    const db = new Level<string, unknown>(`${dataDir}/state`, { valueEncoding: 'json' });
    await db.open();
    return new AgentStore(db);
  }

  /** Reads the identity, creating it on first start, and counts this start. */
  async startIdentity(): Promise<Identity> {
    const identity = this.db.sublevel<string, Identity>('identity', { valueEncoding: 'json' });
    const stored = await identity.get('self');
    const next: Identity = { uid: stored?.uid ?? randomUUID(), bootCount: (stored?.bootCount ?? 0) + 1 };
    // classic-level honours `sync` (fsync before returning); the generic typings do not list it.
    const durable = { sync: true } as PutOptions as Parameters<typeof identity.put>[2];
    await identity.put('self', next, durable);
    return next;
  }

  /** What enrollment stored (undefined before it); CORRAL_ENROLLMENT_FAILED naming the field when the record does not validate. */
  async loadEnrollment(): Promise<Result<StoredEnrollment | undefined>> {
    const stored = await this.db.sublevel<string, unknown>('identity', { valueEncoding: 'json' }).get('enrollment');
    if (stored === undefined) return ok(undefined);
    const parsed = StoredEnrollment.safeParse(stored);
    if (parsed.success) return ok(parsed.data);
    const path = formatPath(parsed.error.issues[0]?.path ?? []);
    return err(new CorralError(ErrorCode.EnrollmentFailed, `the stored enrollment is unreadable (${path}: ${parsed.error.issues[0]?.message ?? 'invalid'})`, { path }));
  }

  /** Stores the enrollment with the identity, fsync'd: the hub issues a password once and never again. */
  async saveEnrollment(enrollment: StoredEnrollment): Promise<void> {
    const identity = this.db.sublevel<string, StoredEnrollment>('identity', { valueEncoding: 'json' });
    await identity.put('enrollment', StoredEnrollment.parse(enrollment), { sync: true } as PutOptions as Parameters<typeof identity.put>[2]);
  }

  /** The last accepted desired state, or undefined before the hub ever sent one. */
  async loadDesired(): Promise<StoredDesired | undefined> {
    return this.db.sublevel<string, StoredDesired>('desired', { valueEncoding: 'json' }).get('hub');
  }

  /** Replaces the desired state; fsync'd, since it is what the agent runs after a reboot without the hub. */
  async saveDesired(desired: StoredDesired): Promise<void> {
    const sub = this.db.sublevel<string, StoredDesired>('desired', { valueEncoding: 'json' });
    await sub.put('hub', desired, { sync: true } as PutOptions as Parameters<typeof sub.put>[2]);
  }

  /** Per-pod container records (restart counts, back-off, last terminations). */
  async loadPodRecords(): Promise<Map<string, StoredPodRecords>> {
    const out = new Map<string, StoredPodRecords>();
    for await (const [uid, records] of this.db.sublevel<string, StoredPodRecords>('pods', { valueEncoding: 'json' }).iterator()) out.set(uid, records);
    return out;
  }


  async forgetPod(uid: string): Promise<void> {
    await this.db.sublevel<string, StoredPodRecords>('pods', { valueEncoding: 'json' }).del(uid);
  }

  /** Writes `ops` as one LevelDB batch; `sync` waits for fsync (events that must survive a power cut). */
  async batch(ops: readonly StoreOp[], options: { sync: boolean }): Promise<void> {
    if (ops.length === 0) return;
    const levels = new Map<BatchSublevel, ReturnType<AgentStore['sub']>>();
    const level = (name: BatchSublevel) => levels.get(name) ?? levels.set(name, this.sub(name)).get(name)!;
    const batch = ops.map((op) =>
      op.type === 'put' ? { type: 'put' as const, sublevel: level(op.sublevel), key: op.key, value: op.value } : { type: 'del' as const, sublevel: level(op.sublevel), key: op.key },
    );
    // classic-level honours `sync` on batches too; the generic typings do not list it.
    const run = this.db.batch.bind(this.db) as unknown as (ops: unknown[], options: PutOptions) => Promise<void>;
    await run(batch, options);
  }

  /** Every entry of a sublevel in key order. */
  async entries<V>(sublevel: BatchSublevel): Promise<Array<[string, V]>> {
    const out: Array<[string, V]> = [];
    for await (const entry of this.sub(sublevel).iterator()) out.push(entry as [string, V]);
    return out;
  }

  async getMeta<V>(key: string): Promise<V | undefined> {
    return (await this.sub('meta').get(key)) as V | undefined;
  }

  private sub(name: BatchSublevel) {
    return this.db.sublevel<string, unknown>(name, { valueEncoding: 'json' });
  }

  async close(): Promise<void> {
    await this.db.close();
  }
}
