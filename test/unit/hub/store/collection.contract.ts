import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Collection } from '../../../../hub/src/store/collection.js';

interface Value {
  name: string;
  n: number;
  nested: { list: number[] };
}

/** Every Collection — LevelDB on disk and the in-memory fake — must behave the same. */
export function collectionContract(name: string, open: () => Promise<{ collection: Collection<Value>; reopen?: () => Promise<Collection<Value>>; close: () => Promise<void> }>): void {
  describe(`${name} satisfies the Collection contract`, () => {
    test('get returns undefined for a missing key', async () => {
      const { collection, close } = await open();
      assert.equal(await collection.get('nope'), undefined);
      await close();
    });

    test('put then get returns an equal value that is a copy', async () => {
      const { collection, close } = await open();
      const value = { name: 'a', n: 1, nested: { list: [1, 2] } };
      await collection.put('a', value);
      value.nested.list.push(3);
      assert.deepEqual(await collection.get('a'), { name: 'a', n: 1, nested: { list: [1, 2] } });
      await close();
    });

    test('put overwrites and del removes', async () => {
      const { collection, close } = await open();
      await collection.put('k', { name: 'x', n: 1, nested: { list: [] } });
      await collection.put('k', { name: 'y', n: 2, nested: { list: [] } });
      assert.equal((await collection.get('k'))?.name, 'y');
      await collection.del('k');
      assert.equal(await collection.get('k'), undefined);
      await collection.del('k');
      await close();
    });

    test('entries lists every entry in key order', async () => {
      const { collection, close } = await open();
      for (const key of ['pi-3', 'pi-1', 'pi-2']) await collection.put(key, { name: key, n: 0, nested: { list: [] } });
      assert.deepEqual((await collection.entries()).map(([k]) => k), ['pi-1', 'pi-2', 'pi-3']);
      await close();
    });

    test('values survive closing and reopening where the store is durable', async (t) => {
      const { collection, reopen, close } = await open();
      if (!reopen) {
        t.diagnostic('in-memory fake: not durable by design');
        await close();
        return;
      }
      await collection.put('keep', { name: 'keep', n: 7, nested: { list: [7] } });
      const again = await reopen();
      assert.deepEqual(await again.get('keep'), { name: 'keep', n: 7, nested: { list: [7] } });
      await close();
    });
  });
}
