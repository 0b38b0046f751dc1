import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_MESSAGE_BYTES, decodeMessage } from '../../../protocol/src/codec.js';
import { ErrorCode } from '../../../protocol/src/errors.js';
import { malformedPayloads, messageKinds } from '../../support/malformed.js';

const protocolCodes = new Set<string>([ErrorCode.ProtocolTooLarge, ErrorCode.ProtocolMalformed, ErrorCode.ProtocolVersion, ErrorCode.ProtocolInvalid]);

test('malformedPayloads returns count payloads, every one rejected by decodeMessage for its kind', () => {
  for (const seed of [1, 2, 3, 20_241_125]) {
    const payloads = malformedPayloads(1000, seed);
    assert.equal(payloads.length, 1000);
    for (const { kind, payload, why } of payloads) {
      const result = decodeMessage(kind, payload);
      assert.equal(result.ok, false, `${kind} accepted: ${why}`);
      if (!result.ok) assert.ok(protocolCodes.has(result.error.code), `${result.error.code}: ${why}`);
    }
  }
});

test('malformedPayloads payloads stay rejected without a size limit', () => {
  for (const { kind, payload, why } of malformedPayloads(1000, 7)) {
    assert.equal(decodeMessage(kind, payload, { maxBytes: Number.POSITIVE_INFINITY }).ok, false, `${kind} accepted: ${why}`);
  }
});

test('malformedPayloads is deterministic for a seed and differs between seeds', () => {
  const a = malformedPayloads(200, 42);
  const b = malformedPayloads(200, 42);
  assert.deepEqual(
    a.map((p) => [p.kind, Buffer.from(p.payload).toString('hex')]),
    b.map((p) => [p.kind, Buffer.from(p.payload).toString('hex')]),
  );
  const c = malformedPayloads(200, 43);
  assert.notDeepEqual(
    a.map((p) => Buffer.from(p.payload).toString('hex')),
    c.map((p) => Buffer.from(p.payload).toString('hex')),
  );
});

test('malformedPayloads mixes every kind and every category, with about 1 in 50 oversized', () => {
  const payloads = malformedPayloads(1000, 5);
  assert.deepEqual(new Set(payloads.map((p) => p.kind)), new Set(messageKinds));
  const categories: Array<[string, RegExp]> = [
    ['random bytes', /^random bytes/],
    ['truncated', / truncated to /],
    ['non-map', /^CBOR .* not a map$/],
    ['without v', /without v$/],
    ['wrong v', / with v /],
    ['broken field', / set to /],
    ['oversized', / padded to /],
  ];
  for (const [name, pattern] of categories) assert.ok(payloads.some((p) => pattern.test(p.why)), `no ${name} payload`);
  const oversized = payloads.filter((p) => p.payload.byteLength > MAX_MESSAGE_BYTES);
  assert.ok(oversized.length >= 5 && oversized.length <= 40, `${oversized.length} oversized of 1000`);
  for (const p of oversized) assert.ok(p.payload.byteLength < 320 * 1024);
  for (const p of payloads) {
    if (p.payload.byteLength > MAX_MESSAGE_BYTES) continue;
    const result = decodeMessage(p.kind, p.payload);
    assert.ok(!result.ok && result.error.code !== ErrorCode.ProtocolTooLarge, p.why);
  }
});

test('malformedPayloads yields non-empty Buffers', () => {
  for (const { payload } of malformedPayloads(500, 11)) {
    assert.ok(Buffer.isBuffer(payload));
    assert.ok(payload.byteLength > 0);
  }
});

test('malformedPayloads returns nothing for count 0 and throws a RangeError for a negative or fractional count', () => {
  assert.deepEqual(malformedPayloads(0, 1), []);
  assert.throws(() => malformedPayloads(-1, 1), RangeError);
  assert.throws(() => malformedPayloads(1.5, 1), RangeError);
});
