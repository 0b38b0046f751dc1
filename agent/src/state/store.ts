import { randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { Level } from 'level';

export interface Identity {
  /** Created at the agent's first start; the hub's `metadata.uid` of this node. */
  uid: string;
  /** How many times the agent has started on this data dir (one write per start). */
  bootCount: number;
}

/**
 * The agent's LevelDB under its data dir. Sublevels are added by the features
 * that own them (`identity` here; `desired`, `pods`, `cron`, `outbox` later).
 */
export class AgentStore {
  private constructor(private readonly db: Level<string, unknown>) {}

  static async open(dataDir: string): Promise<AgentStore> {
    await mkdir(dataDir, { recursive: true });
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
    const durable = { sync: true } as Parameters<typeof identity.put>[2];
    await identity.put('self', next, durable);
    return next;
  }

  async close(): Promise<void> {
    await this.db.close();
  }
}
