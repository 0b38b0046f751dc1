import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemoryPodNetwork } from '../../../../agent/src/network/memory-pod-network.js';
import { CorralError } from '../../../../protocol/src/index.js';
import { podNetworkContract } from './pod-network.contract.js';

let port = 30000;

podNetworkContract('MemoryPodNetwork', async () => {
  const network = new MemoryPodNetwork('10.99.0.0/24');
  return {
    network,
    hostPort: async () => port++,
    inSubnet: (ip) => ip.startsWith('10.99.0.'),
    reboot: async () => network.simulateReboot(),
    close: async () => {},
  };
});

test('MemoryPodNetwork refuses an invalid subnet with CORRAL_NETWORK_INVALID', () => {
  assert.throws(() => new MemoryPodNetwork('10.99.0.1/24'), (e: unknown) => e instanceof CorralError && e.code === 'CORRAL_NETWORK_INVALID');
});
