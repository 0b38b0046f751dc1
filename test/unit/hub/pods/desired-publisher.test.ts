import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DesiredPublisher } from '../../../../hub/src/pods/index.js';
import { silentLog } from '../fixtures.js';

test('DesiredPublisher sends on the node desired topic, QoS 1 and retained, in call order', async () => {
  const sent: Array<{ topic: string; bytes: number; qos: number; retain: boolean | undefined }> = [];
  const publisher = new DesiredPublisher({
    publish: async (topic, payload, options) => {
      sent.push({ topic, bytes: payload.byteLength, qos: options.qos, retain: options.retain });
    },
    log: silentLog,
  });
  publisher.publish('pi-1', { generation: 1, payload: new Uint8Array(3) });
  publisher.publish('pi-2', { generation: 4, payload: new Uint8Array(5) });
  await publisher.flush();
  assert.deepEqual(sent, [
    { topic: 'corral/v1/node/pi-1/desired', bytes: 3, qos: 1, retain: true },
    { topic: 'corral/v1/node/pi-2/desired', bytes: 5, qos: 1, retain: true },
  ]);
});

test('DesiredPublisher survives a failed send and flush gives up on a send that never completes', async () => {
  let calls = 0;
  const publisher = new DesiredPublisher({
    publish: (): Promise<void> => {
      calls += 1;
      return calls === 1 ? Promise.reject(new Error('broker gone')) : new Promise<void>(() => {});
    },
    log: silentLog,
  });
  publisher.publish('pi-1', { generation: 1, payload: new Uint8Array(1) });
  publisher.publish('pi-1', { generation: 2, payload: new Uint8Array(1) });
  await publisher.flush({ timeoutMs: 20 });
  assert.equal(calls, 2);
});
