import type { Collection } from './collection.js';

/** In-memory Collection for unit tests; values are copied in and out like a real store would. */
export class MemoryCollection<V> implements Collection<V> {
  private readonly map = new Map<string, string>();

  async get(key: string): Promise<V | undefined> {
    const raw = this.map.get(key);
    return raw === undefined ? undefined : (JSON.parse(raw) as V);
  }

  async put(key: string, value: V): Promise<void> {
    this.map.set(key, JSON.stringify(value));
  }

  async del(key: string): Promise<void> {
    this.map.delete(key);
  }

  async entries(): Promise<Array<[string, V]>> {
    return [...this.map.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, raw]) => [k, JSON.parse(raw) as V]);
  }
}
