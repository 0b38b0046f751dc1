import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LevelStore } from '../../../../hub/src/store/level-store.js';
import { MemoryCollection } from '../../../../hub/src/store/memory-collection.js';
import { collectionContract } from './collection.contract.js';

collectionContract('MemoryCollection', async () => ({ collection: new MemoryCollection(), close: async () => {} }));

collectionContract('LevelStore collection (LevelDB on disk)', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'corral-level-'));
  let store = await LevelStore.open(dir);
  return {
    collection: store.collection('things'),
    reopen: async () => {
      await store.close();
      store = await LevelStore.open(dir);
      return store.collection('things');
    },
    close: async () => {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});
