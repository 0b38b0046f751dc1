import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { encode } from 'cbor-x';
import fc from 'fast-check';
import { heartbeatSample, sampleMessages } from '../../../bench/protocol/samples.js';
import { type DecodeOptions, decodeMessage, encodeMessage } from '../../../protocol/src/codec.js';
import { ErrorCode } from '../../../protocol/src/errors.js';
import type { MessageKind } from '../../../protocol/src/index.js';
import { breakablePaths, encodeRaw, messageKinds, pathText, wrongTypeValue, withValueAt } from '../../support/malformed.js';

/** 500 per property; CORRAL_PROPERTY_RUNS=20000 for a longer fuzzing session. */
const RUNS = { numRuns: Math.max(500, Number(process.env.CORRAL_PROPERTY_RUNS) || 0) } as const;
const protocolCodes = new Set<string>([ErrorCode.ProtocolTooLarge, ErrorCode.ProtocolMalformed, ErrorCode.ProtocolVersion, ErrorCode.ProtocolInvalid]);
const validHeartbeat = encodeMessage('heartbeat', heartbeatSample);

/**
 * Decodes `payload` as every kind. Never throws; a rejection carries a
 * CORRAL_PROTOCOL_* code; an acceptance re-encodes and decodes to the same
 * value. Returns the kinds that accepted it.
 */
function decodeAsEveryKind(payload: Uint8Array, options?: DecodeOptions): MessageKind[] {
  const accepted: MessageKind[] = [];
  for (const kind of messageKinds) {
    const result = decodeMessage(kind, payload, options);
    if (result.ok) {
      const again = decodeMessage(kind, encodeMessage(kind, result.value as never));
      assert.deepEqual(again, result, `${kind} accepted a value that does not survive re-encoding`);
      accepted.push(kind);
    } else {
      assert.ok(protocolCodes.has(result.error.code), `unexpected code ${result.error.code}`);
    }
  }
  // A failed decode must leave no state behind in the shared decoder.
  assert.equal(decodeMessage('heartbeat', validHeartbeat).ok, true, 'decoder broken by the previous payload');
  return accepted;
}

const validEncoding = fc.constantFrom(...sampleMessages).map((s) => encodeRaw(s.message));

/** A valid message with a few bytes overwritten, inserted or removed. */
const mutatedEncoding = fc
  .tuple(validEncoding, fc.array(fc.tuple(fc.constantFrom('set', 'insert', 'delete'), fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }))
  .map(([bytes, edits]) => {
    const out = [...bytes];
    for (const [op, at, byte] of edits) {
      const i = at % (out.length + 1);
      if (op === 'set' && i < out.length) out[i] = byte;
      else if (op === 'insert') out.splice(i, 0, byte);
      else out.splice(i, 1);
    }
    return Uint8Array.from(out);
  });

describe('decodeMessage properties', () => {
  test('decodeMessage never throws on arbitrary bytes and rejects them with a CORRAL_PROTOCOL_* code', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), (bytes) => {
        decodeAsEveryKind(bytes);
      }),
      RUNS,
    );
  });

  test('decodeMessage never throws on valid messages with bytes changed, and accepts only re-encodable values', () => {
    fc.assert(
      fc.property(mutatedEncoding, (bytes) => {
        decodeAsEveryKind(bytes);
      }),
      RUNS,
    );
  });

  test('decodeMessage never throws on the CBOR encoding of any value and accepts only values its schema allows', () => {
    fc.assert(
      fc.property(fc.anything({ withBigInt: true, withDate: true, withMap: true, withSet: true, withTypedArray: true, withSparseArray: true }), (value) => {
        // Arbitrary values almost never satisfy a schema; when one does, decodeAsEveryKind has re-encoded it.
        decodeAsEveryKind(encode(value));
      }),
      RUNS,
    );
  });

  test('decodeMessage accepts a reply ok whose result is any CBOR value, and the result survives re-encoding', () => {
    fc.assert(
      fc.property(fc.anything({ withBigInt: true, withMap: true, withSet: true, withNullPrototype: true }), (result) => {
        const payload = encode({ v: 1, id: 'c-1', ts: 1, ok: true, result });
        assert.deepEqual(decodeAsEveryKind(payload), ['reply']);
      }),
      RUNS,
    );
  });

  test('decodeMessage rejects a valid message with one field replaced by a wrong type with CORRAL_PROTOCOL_INVALID at that field', () => {
    const broken = fc
      .constantFrom(...sampleMessages)
      .chain((sample) => fc.tuple(fc.constant(sample), fc.constantFrom(...breakablePaths(sample))))
      .chain(([sample, field]) => wrongTypeValue(field.type).map((value) => ({ sample, field, value })));
    fc.assert(
      fc.property(broken, ({ sample, field, value }) => {
        const payload = encodeRaw(withValueAt(sample.message, field.path, value));
        assert.deepEqual(decodeAsEveryKind(payload).includes(sample.kind), false);
        const result = decodeMessage(sample.kind, payload);
        assert.ok(!result.ok);
        const versionField = field.path.length === 1 && field.path[0] === 'v';
        assert.equal(result.error.code, versionField ? ErrorCode.ProtocolVersion : ErrorCode.ProtocolInvalid);
        assert.equal(result.error.path, pathText(field.path));
      }),
      RUNS,
    );
  });
});

type Layer = 'array' | 'indefinite-array' | 'map' | 'tag' | 'mixed';

/** `depth` levels of one-element containers around a 0, as raw CBOR; `closed` adds the end of the innermost item. */
function nested(layer: Layer, depth: number, closed: boolean): Uint8Array {
  const head: Record<Layer, number[]> = {
    array: [0x81],
    'indefinite-array': [0x9f],
    map: [0xa1, 0x61, 0x76], // {"v": …
    tag: [0xd9, 0x99, 0x99], // unknown tag 39321
    mixed: [0x81, 0xa1, 0x61, 0x61], // [{"a": …
  };
  const open = head[layer];
  const tail = layer === 'indefinite-array' ? depth : 0;
  const out = new Uint8Array(open.length * depth + (closed ? 1 + tail : 0));
  for (let i = 0; i < depth; i++) out.set(open, i * open.length);
  if (closed) out.fill(0xff, open.length * depth + 1);
  return out;
}

/** A valid message of `kind` with `key` set to raw CBOR `value` (a map header and entries written by hand). */
function withRawField(message: Record<string, unknown>, key: string, value: Uint8Array): Uint8Array {
  const entries = Object.entries(message).filter(([k]) => k !== key);
  const parts: Uint8Array[] = [Uint8Array.of(0xb9, 0, entries.length + 1)];
  for (const [k, v] of entries) parts.push(encodeRaw(k), encodeRaw(v));
  parts.push(encodeRaw(key), value);
  return Buffer.concat(parts);
}

describe('decodeMessage on deep nesting', () => {
  const layer = fc.constantFrom<Layer>('array', 'indefinite-array', 'map', 'tag', 'mixed');
  // Past ~2000 levels cbor-x overflows the stack: a caught RangeError, but ~7-10 ms each
  // (whatever the depth). Keep those to a tenth of the runs so the file stays fast.
  const depth = fc.oneof(
    { arbitrary: fc.integer({ min: 1, max: 64 }), weight: 4 },
    { arbitrary: fc.integer({ min: 65, max: 1_500 }), weight: 5 },
    { arbitrary: fc.integer({ min: 1_501, max: 150_000 }), weight: 1 },
  );

  test('decodeMessage rejects 100000 levels of 0x81 for every kind without throwing', () => {
    const payload = new Uint8Array(100_000).fill(0x81);
    for (const closed of [false, true]) {
      const bytes = closed ? Buffer.concat([payload, Uint8Array.of(0)]) : payload;
      assert.deepEqual(decodeAsEveryKind(bytes), []);
    }
  });

  test('decodeMessage never throws on deeply nested CBOR at the root and never accepts it', () => {
    fc.assert(
      fc.property(layer, depth, fc.boolean(), fc.boolean(), (l, d, closed, unlimited) => {
        const payload = nested(l, d, closed);
        assert.deepEqual(decodeAsEveryKind(payload, unlimited ? { maxBytes: Number.POSITIVE_INFINITY } : undefined), []);
      }),
      RUNS,
    );
  });

  test('decodeMessage never throws on deep nesting inside a field of a valid message and rejects it where the schema wants a shape', () => {
    const target = fc.constantFrom(...sampleMessages).chain((sample) =>
      fc.tuple(fc.constant(sample), fc.constantFrom(...Object.keys(sample.message).filter((k) => !(sample.kind === 'reply' && k === 'result')))),
    );
    fc.assert(
      fc.property(target, layer, depth, fc.boolean(), ([sample, key], l, d, closed) => {
        const payload = withRawField(sample.message, key, nested(l, d, closed));
        const result = decodeMessage(sample.kind, payload, { maxBytes: Number.POSITIVE_INFINITY });
        assert.ok(!result.ok, `${sample.name} accepted deep nesting in ${key}`);
        assert.ok(protocolCodes.has(result.error.code));
        assert.equal(decodeMessage('heartbeat', validHeartbeat).ok, true);
      }),
      RUNS,
    );
  });

  test('decodeMessage never throws on deep nesting inside the open result of a reply', () => {
    const reply = sampleMessages.find((s) => s.name === 'reply ok')!.message as Record<string, unknown>;
    fc.assert(
      fc.property(layer, depth, fc.boolean(), (l, d, closed) => {
        const payload = withRawField(reply, 'result', nested(l, d, closed));
        const result = decodeMessage('reply', payload, { maxBytes: Number.POSITIVE_INFINITY });
        // An acceptance is legitimate here (result is z.unknown()); rejections must be typed.
        if (!result.ok) assert.ok(protocolCodes.has(result.error.code));
        assert.equal(decodeMessage('heartbeat', validHeartbeat).ok, true);
      }),
      RUNS,
    );
  });
});
