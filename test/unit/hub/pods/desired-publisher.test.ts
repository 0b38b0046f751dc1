import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { test } from 'node:test';
import { DesiredPublisher } from '../../../../hub/src/pods/index.js';
import { encodeDesiredBody, openDesired } from '../../../../protocol/src/index.js';
import { silentLog } from '../fixtures.js';

const keys = generateKeyPairSync('ed25519');
const body = (node: string, generation: number) => encodeDesiredBody({ v: 1, node, ts: 1, generation, pods: [] });

test('DesiredPublisher sends on the node desired topic, QoS 1 and retained, in call order', async () => {
  const sent: Array<{ topic: string; qos: number; retain: boolean | undefined }> = [];
  const publisher = new DesiredPublisher({
    publish: async (topic, _payload, options) => {
      sent.push({ topic, qos: options.qos, retain: options.retain });
    },
    signingKey: keys.privateKey,
    log: silentLog,
  });
  publisher.publish('pi-1', { generation: 1, payload: body('pi-1', 1) });
  publisher.publish('pi-2', { generation: 4, payload: body('pi-2', 4) });
  await publisher.flush();
  assert.deepEqual(sent, [
    { topic: 'corral/v1/node/pi-1/desired', qos: 1, retain: true },
    { topic: 'corral/v1/node/pi-2/desired', qos: 1, retain: true },
  ]);
});

test('DesiredPublisher signs every desired state with the hub key, so the node verifies it', async () => {
  const payloads: Uint8Array[] = [];
  const publisher = new DesiredPublisher({ publish: async (_topic, payload) => void payloads.push(payload), signingKey: keys.privateKey, log: silentLog });
  publisher.publish('pi-1', { generation: 3, payload: body('pi-1', 3) });
  await publisher.flush();
  const opened = openDesired(payloads[0]!, { node: 'pi-1', publicKey: keys.publicKey });
  assert.ok(opened.ok, opened.ok ? '' : opened.error.code);
  assert.deepEqual([opened.value.verified, opened.value.message.generation], [true, 3]);
});

test('DesiredPublisher survives a failed send and flush gives up on a send that never completes', async () => {
  let calls = 0;
  const publisher = new DesiredPublisher({
    publish: (): Promise<void> => {
      calls += 1;
      return calls === 1 ? Promise.reject(new Error('broker gone')) : new Promise<void>(() => {});
    },
    signingKey: keys.privateKey,
    log: silentLog,
  });
  publisher.publish('pi-1', { generation: 1, payload: body('pi-1', 1) });
  publisher.publish('pi-1', { generation: 2, payload: body('pi-1', 2) });
  await publisher.flush({ timeoutMs: 20 });
  assert.equal(calls, 2);
});
