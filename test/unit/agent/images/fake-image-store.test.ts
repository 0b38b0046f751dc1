import { tempDir } from '../../../support/daemons.js';
import { FakeImageStore } from './fake-image-store.js';
import { imageStoreContract } from './image-store.contract.js';

imageStoreContract('FakeImageStore', async () => {
  const scratch = await tempDir('fake-images');
  return {
    store: new FakeImageStore({ 'registry.lan/busybox:1': { files: { 'bin/busybox': 'ELF' }, config: { cmd: ['sh'] } } }),
    pullable: 'registry.lan/busybox:1',
    missing: 'registry.lan/busybox:missing',
    platform: { architecture: 'amd64', os: 'linux' },
    scratch: scratch.path,
    cleanup: scratch.remove,
  };
});
