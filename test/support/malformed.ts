/**
 * Payloads that `decodeMessage` rejects, by construction, for the kind they
 * are generated for. Unit tests fuzz the codec with the building blocks;
 * integration tests publish `malformedPayloads(count, seed)` to a real broker
 * and expect the daemons to drop exactly `count` messages.
 */
import { Encoder } from 'cbor-x';
import fc from 'fast-check';
import { type SampleMessage, sampleMessages } from '../../bench/protocol/samples.js';
import { MAX_MESSAGE_BYTES, decodeMessage } from '../../protocol/src/codec.js';
import type { MessageKind } from '../../protocol/src/index.js';

export const messageKinds = ['status', 'heartbeat', 'state', 'cmd', 'reply'] as const satisfies readonly MessageKind[];

export interface MalformedPayload {
  kind: MessageKind;
  payload: Uint8Array;
  why: string;
}

// Same options as protocol/src/codec.ts: plain CBOR maps, no record extension.
const rawEncoder = new Encoder({ useRecords: false, mapsAsObjects: true });

/** CBOR-encodes any value without validation, into a fresh Buffer (safe to keep and to publish). */
export function encodeRaw(value: unknown): Buffer {
  return Buffer.from(rawEncoder.encode(value));
}

export type FieldPath = ReadonlyArray<string | number>;
export type JsonType = 'number' | 'string' | 'boolean' | 'null' | 'array' | 'object';

export function jsonType(value: unknown): JsonType {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  const t = typeof value;
  if (t === 'number' || t === 'string' || t === 'boolean' || t === 'object') return t;
  throw new TypeError(`samples hold JSON-like values only, got ${t}`);
}

/** Renders a path the way `CorralError.path` does: `pods[0].containerStatuses[1].name`. */
export function pathText(path: FieldPath): string {
  let out = '';
  for (const part of path) out += typeof part === 'number' ? `[${part}]` : out === '' ? part : `.${part}`;
  return out === '' ? '(root)' : out;
}

/** Every field of a message (inner objects and arrays included, the root excluded), depth first. */
export function fieldPaths(value: unknown, prefix: FieldPath = []): Array<{ path: FieldPath; type: JsonType }> {
  const out: Array<{ path: FieldPath; type: JsonType }> = [];
  const children: Array<[string | number, unknown]> = Array.isArray(value)
    ? value.map((item, i): [number, unknown] => [i, item])
    : typeof value === 'object' && value !== null
      ? Object.entries(value)
      : [];
  for (const [key, child] of children) {
    const path = [...prefix, key];
    out.push({ path, type: jsonType(child) }, ...fieldPaths(child, path));
  }
  return out;
}

/**
 * Fields whose value becomes invalid when replaced by a value of another JSON
 * type: all of them except the `result` of a reply, which the schema leaves
 * open (`z.unknown()`) until the hub matches it to its command.
 */
export function breakablePaths(sample: SampleMessage): Array<{ path: FieldPath; type: JsonType }> {
  return fieldPaths(sample.message).filter(({ path }) => !(sample.kind === 'reply' && path[0] === 'result'));
}

/**
 * A value of any JSON type except `type`. Never `undefined`: CBOR carries it,
 * and an absent optional field would be valid.
 */
export function wrongTypeValue(type: JsonType): fc.Arbitrary<unknown> {
  const byType: Record<JsonType, fc.Arbitrary<unknown>> = {
    number: fc.oneof(fc.integer(), fc.double()),
    string: fc.string({ maxLength: 16 }),
    boolean: fc.boolean(),
    null: fc.constant(null),
    array: fc.array(fc.oneof(fc.integer(), fc.string({ maxLength: 8 })), { maxLength: 3 }),
    object: fc.dictionary(fc.string({ maxLength: 6 }), fc.integer(), { maxKeys: 3, noNullPrototype: true }),
  };
  return fc.oneof(...(Object.keys(byType) as JsonType[]).filter((t) => t !== type).map((t) => byType[t]));
}

/** A deep copy of `message` with the field at `path` set to `value`. */
export function withValueAt(message: unknown, path: FieldPath, value: unknown): Record<string, unknown> {
  const copy = structuredClone(message) as Record<string, unknown>;
  let node: Record<string | number, unknown> = copy;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  node[path[path.length - 1]!] = value;
  return copy;
}

const samplesOf = (kind: MessageKind) => sampleMessages.filter((s) => s.kind === kind);
const describeValue = (value: unknown) => (typeof value === 'bigint' ? `${value}n` : (JSON.stringify(value) ?? String(value)).slice(0, 40));

/** Random bytes whose first byte is neither a map nor a tag header: whatever they decode to is not a map. */
const randomBytes = fc
  .tuple(fc.oneof(fc.integer({ min: 0x00, max: 0x9f }), fc.integer({ min: 0xe0, max: 0xff })), fc.uint8Array({ maxLength: 63 }))
  .map(([lead, rest]) => ({ payload: Buffer.from([lead, ...rest]), why: `random bytes led by 0x${lead.toString(16).padStart(2, '0')}` }));

/** A strict, non-empty prefix of a valid message: the map header promises more than there is. */
const truncated = (kind: MessageKind) =>
  fc.tuple(fc.constantFrom(...samplesOf(kind)), fc.nat()).map(([sample, n]) => {
    const full = encodeRaw(sample.message);
    const length = 1 + (n % (full.length - 1));
    return { payload: full.subarray(0, length), why: `${sample.name} truncated to ${length} of ${full.length} bytes` };
  });

const nonMap = fc
  .oneof(
    fc.integer(),
    fc.double(),
    fc.string({ maxLength: 32 }),
    fc.boolean(),
    fc.constant(null),
    fc.uint8Array({ maxLength: 16 }),
    fc.array(fc.anything({ maxDepth: 2 }), { maxLength: 5 }),
  )
  .map((value) => ({ payload: encodeRaw(value), why: `CBOR ${jsonTypeOrBytes(value)}, not a map` }));

function jsonTypeOrBytes(value: unknown): string {
  return value instanceof Uint8Array ? 'byte string' : jsonType(value);
}

const withoutV = (kind: MessageKind) =>
  fc.oneof(
    fc.constantFrom(...samplesOf(kind)).map((sample) => {
      const { v: _v, ...rest } = sample.message;
      return { payload: encodeRaw(rest), why: `${sample.name} without v` };
    }),
    fc
      .dictionary(
        fc.string({ maxLength: 8 }).filter((k) => k !== 'v'),
        fc.anything({ maxDepth: 2 }),
        { maxKeys: 6, noNullPrototype: true },
      )
      .map((map) => ({ payload: encodeRaw(map), why: `map of ${Object.keys(map).length} keys without v` })),
  );

/** Anything but the number 1 (the current PROTOCOL_VERSION). */
const notVersion1 = fc
  .oneof(
    fc.integer(),
    fc.double(),
    fc.bigInt(),
    fc.string({ maxLength: 4 }),
    fc.constantFrom('1', true, null, [1], { toString: 1 }, 2 ** 64),
  )
  .filter((v) => !((typeof v === 'number' || typeof v === 'bigint') && Number(v) === 1));

const wrongV = (kind: MessageKind) =>
  fc.tuple(fc.constantFrom(...samplesOf(kind)), notVersion1).map(([sample, v]) => ({
    payload: encodeRaw({ ...sample.message, v }),
    why: `${sample.name} with v ${describeValue(v)}`,
  }));

const brokenField = (kind: MessageKind) =>
  fc
    .constantFrom(...samplesOf(kind))
    .chain((sample) => fc.tuple(fc.constant(sample), fc.constantFrom(...breakablePaths(sample))))
    .chain(([sample, field]) =>
      wrongTypeValue(field.type).map((value) => ({
        payload: encodeRaw(withValueAt(sample.message, field.path, value)),
        why: `${sample.name} with ${pathText(field.path)} (${field.type}) set to ${describeValue(value)}`,
      })),
    );

/** ~300 KB, above MAX_MESSAGE_BYTES; also carries a wrong `v`, so it stays invalid under any size limit. */
const oversized = (kind: MessageKind) =>
  fc.tuple(fc.constantFrom(...samplesOf(kind)), fc.integer({ min: 290 * 1024, max: 310 * 1024 })).map(([sample, size]) => {
    const payload = encodeRaw({ ...sample.message, v: 2, pad: 'x'.repeat(size) });
    return { payload, why: `${sample.name} padded to ${payload.length} bytes (limit ${MAX_MESSAGE_BYTES}), v 2` };
  });

/** One malformed payload of `kind`; weights keep oversized ones at about 1 in 50. */
export function malformedPayloadOf(kind: MessageKind): fc.Arbitrary<MalformedPayload> {
  return fc
    .oneof(
      { arbitrary: randomBytes, weight: 8 },
      { arbitrary: truncated(kind), weight: 8 },
      { arbitrary: nonMap, weight: 8 },
      { arbitrary: withoutV(kind), weight: 6 },
      { arbitrary: wrongV(kind), weight: 6 },
      { arbitrary: brokenField(kind), weight: 13 },
      { arbitrary: oversized(kind), weight: 1 },
    )
    .map(({ payload, why }) => ({ kind, payload, why }));
}

export const malformedPayload: fc.Arbitrary<MalformedPayload> = fc.constantFrom(...messageKinds).chain(malformedPayloadOf);

/**
 * `count` payloads, each rejected by `decodeMessage` for its `kind`; the same
 * `seed` always gives the same payloads. Payloads are Buffers and never empty
 * (an empty retained publish would clear a topic instead of being delivered).
 */
export function malformedPayloads(count: number, seed: number): MalformedPayload[] {
  if (!Number.isSafeInteger(count) || count < 0) throw new RangeError(`count must be a non-negative integer, got ${count}`);
  if (count === 0) return [];
  const payloads = fc.sample(malformedPayload, { seed, numRuns: count });
  for (const { kind, payload, why } of payloads) {
    // A generator bug must fail loudly here, not as an off-by-one drop count in an integration test.
    if (payload.length === 0 || decodeMessage(kind, payload).ok) throw new Error(`malformedPayloads produced an acceptable ${kind}: ${why}`);
  }
  return payloads;
}
