/**
 * A named set of JSON values keyed by string: the only storage interface the
 * hub's logic sees. `LevelCollection` is the real one; `MemoryCollection`
 * serves unit tests of pure logic, and both pass test/unit/hub/store/collection.contract.ts.
 */
export interface Collection<V> {
  get(key: string): Promise<V | undefined>;
  put(key: string, value: V): Promise<void>;
  del(key: string): Promise<void>;
  /** Every entry in key order. */
  entries(): Promise<Array<[string, V]>>;
}
