import assert from 'node:assert/strict';
import { test } from 'node:test';
import mqttPacket from 'mqtt-packet';
import { PacketSizeGuard } from '../../../../hub/src/broker/packet-size-guard.js';

function publish(bytes: number): Buffer {
  return mqttPacket.generate({ cmd: 'publish', topic: 'corral/v1/node/a/state', payload: Buffer.alloc(bytes), qos: 0, retain: false, dup: false });
}

test('PacketSizeGuard lets packets up to the limit through, whatever the chunking', () => {
  const stream = Buffer.concat([publish(10), publish(1000), mqttPacket.generate({ cmd: 'pingreq' }), publish(4000)]);
  for (const size of [1, 2, 3, 7, 100, stream.length]) {
    const guard = new PacketSizeGuard(4100);
    for (let i = 0; i < stream.length; i += size) assert.equal(guard.push(stream.subarray(i, i + size)), undefined, `chunk size ${size}`);
  }
});

test('PacketSizeGuard reports an oversized packet from its header, before the body arrives', () => {
  const guard = new PacketSizeGuard(1024);
  const big = publish(5000);
  assert.equal(guard.push(publish(100)), undefined);
  const reported = guard.push(big.subarray(0, 4));
  assert.ok(reported !== undefined && reported > 1024);
});

test('PacketSizeGuard reports a remaining length longer than four bytes as malformed', () => {
  const guard = new PacketSizeGuard(1024);
  assert.equal(guard.push(Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff])), -1);
});
