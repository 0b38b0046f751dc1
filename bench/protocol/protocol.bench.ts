/**
 * CBOR (the wire codec) against JSON on realistic messages.
 *
 *   npx tsx bench/protocol/protocol.bench.ts
 *
 * Four formats per message:
 *   cbor codec  encodeMessage / decodeMessage: zod validation + cbor-x (what the daemons run)
 *   json+zod    the same zod validation around JSON.stringify + Buffer / Buffer → JSON.parse
 *   cbor-x raw  cbor-x encode / decode with the codec's options, no validation
 *   json raw    JSON.stringify + Buffer / JSON.parse, no validation
 * Ratios compare like with like: codec vs json+zod, raw vs raw. Numbers are
 * for reading, never asserted anywhere.
 */
import { isDeepStrictEqual } from 'node:util';
import { Encoder } from 'cbor-x';
import { decodeMessage, encodeMessage } from '../../protocol/src/codec.js';
import { type MessageKind, type MessageOf, messageSchemas } from '../../protocol/src/index.js';
import { heartbeatSample, stateSample } from './samples.js';

const WARMUP_NS = 200_000_000n;
const MEASURE_NS = 1_000_000_000n;

interface Codec {
  format: string;
  encode(): Uint8Array;
  decode(payload: Uint8Array): unknown;
}

const raw = new Encoder({ useRecords: false, mapsAsObjects: true });

function codecsFor<K extends MessageKind>(kind: K, message: MessageOf<K>): Codec[] {
  const schema = messageSchemas[kind];
  const validate = (value: unknown): unknown => {
    const parsed = schema.safeParse(value);
    if (!parsed.success) throw new Error(`${kind}: sample does not validate`);
    return parsed.data;
  };
  return [
    {
      format: 'cbor codec',
      encode: () => encodeMessage(kind, message),
      decode: (payload) => {
        const result = decodeMessage(kind, payload);
        if (!result.ok) throw result.error;
        return result.value;
      },
    },
    {
      format: 'json+zod',
      encode: () => Buffer.from(JSON.stringify(validate(message))),
      decode: (payload) => validate(JSON.parse(Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString('utf8'))),
    },
    { format: 'cbor-x raw', encode: () => raw.encode(message), decode: (payload) => raw.decode(payload) },
    {
      format: 'json raw',
      encode: () => Buffer.from(JSON.stringify(message)),
      decode: (payload) => JSON.parse(Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString('utf8')),
    },
  ];
}

let sink = 0;

/** Calls `fn` in growing batches for `budget` ns; returns calls per second. */
function opsPerSecond(fn: () => unknown, budget: bigint): number {
  let calls = 0;
  let batch = 1;
  const start = process.hrtime.bigint();
  let elapsed = 0n;
  while (elapsed < budget) {
    for (let i = 0; i < batch; i++) {
      const out = fn();
      if (out === undefined) sink++;
    }
    calls += batch;
    elapsed = process.hrtime.bigint() - start;
    if (elapsed < budget / 20n) batch *= 2;
  }
  return (calls * 1e9) / Number(elapsed);
}

function measure(fn: () => unknown): number {
  opsPerSecond(fn, WARMUP_NS);
  return opsPerSecond(fn, MEASURE_NS);
}

interface Row {
  message: string;
  format: string;
  bytes: number;
  encode: number;
  decode: number;
}

const cases: Array<{ message: string; sample: unknown; codecs: Codec[] }> = [
  { message: `heartbeat (${heartbeatSample.pods.length} pods)`, sample: heartbeatSample, codecs: codecsFor('heartbeat', heartbeatSample) },
  {
    message: `state (${stateSample.pods.length} pods × ${stateSample.pods[0]?.containerStatuses.length ?? 0} ctr)`,
    sample: stateSample,
    codecs: codecsFor('state', stateSample),
  },
];

const rows: Row[] = [];
for (const { message, sample, codecs } of cases) {
  for (const codec of codecs) {
    const payload = codec.encode();
    // Every format must read back what it wrote before it is timed.
    if (!isDeepStrictEqual(codec.decode(payload), sample)) {
      throw new Error(`${message} / ${codec.format}: round trip differs`);
    }
    const encode = measure(() => codec.encode());
    const decode = measure(() => codec.decode(payload));
    rows.push({ message, format: codec.format, bytes: payload.byteLength, encode, decode });
    process.stderr.write('.');
  }
}
process.stderr.write('\n');

const ops = (n: number): string => Math.round(n).toLocaleString('en-US');
const ratio = (n: number): string => `${n.toFixed(2)}×`;

function table(header: string[], body: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

console.log(`node ${process.version}, ${process.arch}; ~${Number(MEASURE_NS) / 1e9} s per cell after ${Number(WARMUP_NS) / 1e6} ms warm-up\n`);
console.log(
  table(
    ['message', 'format', 'bytes', 'encode ops/s', 'decode ops/s'],
    rows.map((r) => [r.message, r.format, String(r.bytes), ops(r.encode), ops(r.decode)]),
  ),
);

const pairs: Array<[string, string]> = [
  ['cbor codec', 'json+zod'],
  ['cbor-x raw', 'json raw'],
];
const ratioRows: string[][] = [];
for (const { message } of cases) {
  for (const [cbor, json] of pairs) {
    const a = rows.find((r) => r.message === message && r.format === cbor)!;
    const b = rows.find((r) => r.message === message && r.format === json)!;
    ratioRows.push([message, `${cbor} / ${json}`, ratio(a.bytes / b.bytes), ratio(a.encode / b.encode), ratio(a.decode / b.decode)]);
  }
}
console.log(`\nCBOR/JSON (bytes: below 1 is smaller; speed: above 1 is faster)\n`);
console.log(table(['message', 'compared', 'bytes', 'encode speed', 'decode speed'], ratioRows));
if (sink < 0) console.log(sink);
