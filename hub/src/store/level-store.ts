import { mkdir } from 'node:fs/promises';
import { Level } from 'level';
import type { Collection } from './collection.js';

/** The hub's LevelDB; each concern gets a sublevel through `collection(name)`. */
export class LevelStore {
  private constructor(private readonly db: Level<string, unknown>) {}

  static async open(dataDir: string): Promise<LevelStore> {
    await mkdir(dataDir, { recursive: true });
    const db = new Level<string, unknown>(`${dataDir}/state`, { valueEncoding: 'json' });
    await db.open();
    return new LevelStore(db);
  }

  collection<V>(name: string): Collection<V> {
    return new LevelCollection<V>(this.db.sublevel<string, V>(name, { valueEncoding: 'json' }) as unknown as KeyValueLevel<V>);
  }

  /** Writes to several collections as one atomic LevelDB batch. */
  async batch(ops: ReadonlyArray<StoreOp>): Promise<void> {
    if (ops.length === 0) return;
    const sub = (name: string) => this.db.sublevel<string, unknown>(name, { valueEncoding: 'json' });
    const batch = ops.map((op) => (op.type === 'put' ? { type: 'put' as const, sublevel: sub(op.collection), key: op.key, value: op.value } : { type: 'del' as const, sublevel: sub(op.collection), key: op.key }));
    const run = this.db.batch.bind(this.db) as unknown as (ops: unknown[]) => Promise<void>;
    await run(batch);
  }

  /** Entries of a collection in key order within a range. */
  async scan<V>(collection: string, range: { gte?: string; lt?: string; reverse?: boolean; limit?: number }): Promise<Array<[string, V]>> {
    const out: Array<[string, V]> = [];
    for await (const entry of this.db.sublevel<string, V>(collection, { valueEncoding: 'json' }).iterator(range)) out.push(entry);
    return out;
  }

  async close(): Promise<void> {
    await this.db.close();
  }
}

/** One write of `LevelStore.batch`. */
export type StoreOp = { collection: string; type: 'put'; key: string; value: unknown } | { collection: string; type: 'del'; key: string };

/** The part of a LevelDB sublevel this module uses. */
interface KeyValueLevel<V> {
  get(key: string): Promise<V | undefined>;
  put(key: string, value: V): Promise<void>;
  del(key: string): Promise<void>;
  iterator(): AsyncIterable<[string, V]>;
}

class LevelCollection<V> implements Collection<V> {
  constructor(private readonly level: KeyValueLevel<V>) {}

  async get(key: string): Promise<V | undefined> {
    return this.level.get(key);
  }

  async put(key: string, value: V): Promise<void> {
    await this.level.put(key, value);
  }

  async del(key: string): Promise<void> {
    await this.level.del(key);
  }

  async entries(): Promise<Array<[string, V]>> {
    const out: Array<[string, V]> = [];
    for await (const entry of this.level.iterator()) out.push(entry);
    return out;
  }
}
