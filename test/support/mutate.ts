/**
 * Seeded mutators for fuzzing the decoders at the edge: bytes (generic and
 * CBOR-aware) for wire messages, YAML/JSON text for manifests. Every mutator
 * takes an `Rng`, so one seed always gives the same payloads. Sizes are bounded
 * (`maxBytes`) so a run of 10,000 stays fast when the decoders behave; when
 * they do not (quadratic or exponential work), the payloads are big enough to
 * show it. Text mutators are in mutate-text.ts, the CBOR writer in cbor-write.ts.
 */
import { type Path, cborHead, cborHeads, decodeCbor, encodeCbor, writeCbor } from './cbor-write.js';

/** mulberry32: small, fast, seeded; its state lives in the instance. */
export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('pick from an empty list');
    return items[this.int(items.length)] as T;
  }

  /** Log-uniform in [1, max]: small sizes are common, large ones rare. */
  size(max: number): number {
    return Math.min(max, Math.max(1, Math.floor(Math.exp(this.next() * Math.log(max + 1)))));
  }

  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.int(256);
    return out;
  }
}

/** A mutator's output and its name, so a failure (or a timing outlier) says which mutator made it. */
export interface Mutant<T> {
  value: T;
  mutator: string;
}

export type Weighted<F> = ReadonlyArray<readonly [name: string, weight: number, mutate: F]>;

/** Picks one entry of a weighted table. */
export function pickWeighted<F>(rng: Rng, table: Weighted<F>): readonly [string, number, F] {
  let total = 0;
  for (const [, w] of table) total += w;
  let r = rng.next() * total;
  for (const entry of table) {
    r -= entry[1];
    if (r < 0) return entry;
  }
  return table[table.length - 1]!;
}

/** Every path in a decoded value (the root excluded), byte strings as leaves, at most `maxDepth` deep. */
export function pathsOf(value: unknown, maxDepth = 32): Path[] {
  const out: Path[] = [];
  const stack: Array<[Path, unknown]> = [[[], value]];
  while (stack.length > 0) {
    const [prefix, node] = stack.pop()!;
    if (prefix.length >= maxDepth || node instanceof Uint8Array || node === null || typeof node !== 'object') continue;
    const entries: Array<[string | number, unknown]> = [];
    if (Array.isArray(node)) for (let i = 0; i < node.length; i++) entries.push([i, node[i]]);
    else entries.push(...Object.entries(node));
    for (const [k, v] of entries) {
      const path = [...prefix, k];
      out.push(path);
      stack.push([path, v]);
    }
  }
  return out;
}

const samePath = (a: Path, b: Path) => a.length === b.length && a.every((x, i) => x === b[i]);

/** Values of every CBOR and JS type, edge cases first: what a field is swapped for. */
export function oddValue(rng: Rng): unknown {
  const pool: Array<() => unknown> = [
    () => rng.pick([0, -1, 1, 1.5, -0, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 2 ** 31, 2 ** 32, 2 ** 53, -(2 ** 53), Number.MAX_VALUE, Number.MIN_VALUE]),
    () => rng.pick([2n ** 64n - 1n, -(2n ** 63n), 2n ** 70n]),
    () => rng.pick(['', ' ', '0', '1', 'true', 'null', '__proto__', 'constructor', 'toString', '-1', '../../etc/passwd', '\u0000', '\u202e', '\ud800', '😀'.repeat(8)]),
    () => 'x'.repeat(rng.size(70_000)),
    () => rng.pick([true, false, null, undefined]),
    () => [],
    () => ({}),
    () => Array.from({ length: rng.size(2_000) }, () => 0),
    () => Object.fromEntries(Array.from({ length: rng.size(500) }, (_, i) => [`k${i}`, i])),
    () => rng.bytes(rng.size(256)),
    () => JSON.parse('{"__proto__": {"polluted": true}, "constructor": {"prototype": {"polluted": true}}}') as unknown,
    () => new Date(rng.int(2 ** 40)),
    () => new Set([1, 'a']),
    () => new Map<unknown, unknown>([[1, 'a'], ['b', 2]]),
  ];
  return rng.pick(pool)();
}

/** A copy of `value` with the item at `path` replaced (or removed when `remove`). */
export function setPath(value: unknown, path: Path, next: unknown, remove = false): unknown {
  if (path.length === 0) return next;
  const copy: unknown = Array.isArray(value) ? [...value] : { ...(value as object) };
  const [key, ...rest] = path as [string | number, ...Path];
  const node = copy as Record<string | number, unknown>;
  if (rest.length === 0 && remove) {
    if (Array.isArray(node)) node.splice(key as number, 1);
    else delete node[key];
  } else {
    // A data property even for `__proto__`: the key is data here, never the prototype.
    Object.defineProperty(node, key, { value: setPath(node[key], rest, next, remove), enumerable: true, writable: true, configurable: true });
  }
  return copy;
}

export interface ByteMutatorContext {
  /** Valid encodings to splice with. */
  seeds: readonly Uint8Array[];
  /** Upper bound for grown payloads (bombs, nesting, long strings). */
  maxBytes: number;
}

export type ByteMutator = (input: Uint8Array, rng: Rng, ctx: ByteMutatorContext) => Uint8Array;

const interestingBytes = [0x00, 0x01, 0x17, 0x18, 0x1b, 0x1f, 0x3f, 0x5f, 0x7f, 0x80, 0x9f, 0xa0, 0xbf, 0xc0, 0xc2, 0xd8, 0xdf, 0xf4, 0xf7, 0xf8, 0xfb, 0xff];

/** Byte-level mutators that know nothing of CBOR. */
export const byteMutators: Weighted<ByteMutator> = [
  ['bit flips', 6, (input, rng) => {
    const out = Uint8Array.from(input);
    for (let n = rng.size(8); n > 0 && out.length > 0; n--) out[rng.int(out.length)]! ^= 1 << rng.int(8);
    return out;
  }],
  ['interesting byte', 4, (input, rng) => {
    const out = Uint8Array.from(input);
    if (out.length > 0) out[rng.int(out.length)] = rng.pick(interestingBytes);
    return out;
  }],
  ['insert bytes', 4, (input, rng) => {
    const at = rng.int(input.length + 1);
    return Buffer.concat([input.subarray(0, at), rng.bytes(rng.size(16)), input.subarray(at)]);
  }],
  ['delete bytes', 4, (input, rng) => {
    const at = rng.int(input.length);
    return Buffer.concat([input.subarray(0, at), input.subarray(at + rng.size(16))]);
  }],
  ['truncate', 4, (input, rng) => input.subarray(0, rng.int(input.length))],
  ['duplicate range', 2, (input, rng) => {
    const at = rng.int(input.length);
    const piece = input.subarray(at, at + rng.size(64));
    const to = rng.int(input.length + 1);
    return Buffer.concat([input.subarray(0, to), piece, input.subarray(to)]);
  }],
  ['splice two payloads', 4, (input, rng, ctx) => {
    const other = rng.pick(ctx.seeds);
    return Buffer.concat([input.subarray(0, rng.int(input.length + 1)), other.subarray(rng.int(other.length + 1))]);
  }],
  ['random bytes', 1, (_input, rng) => rng.bytes(rng.size(512))],
];

/** CBOR-aware mutators: they decode the seed, change it as a value or as items, and write it back. */
export const cborMutators: Weighted<ByteMutator> = [
  ['odd but legal encoding', 4, (input, rng) => writeCbor(decodeCbor(input), { rng, quirks: 0.3 })],
  ['field of another type', 10, (input, rng) => {
    const value = decodeCbor(input);
    const paths = pathsOf(value);
    if (paths.length === 0) return encodeCbor(oddValue(rng));
    return writeCbor(setPath(value, rng.pick(paths), oddValue(rng)), { rng, quirks: 0.05 });
  }],
  ['field removed or added', 4, (input, rng) => {
    const value = decodeCbor(input);
    const paths = pathsOf(value);
    if (paths.length > 0 && rng.chance(0.5)) return encodeCbor(setPath(value, rng.pick(paths), undefined, true));
    const parents = [[], ...paths].filter((p) => isContainer(getPath(value, p)));
    const parent = rng.pick(parents);
    const key = Array.isArray(getPath(value, parent)) ? rng.int(4) + (getPath(value, parent) as unknown[]).length : rng.pick(['__proto__', 'extra', 'constructor', '', 'v']);
    return encodeCbor(setPath(value, [...parent, key], oddValue(rng)));
  }],
  ['duplicate key', 3, (input, rng) => {
    const value = decodeCbor(input);
    const maps = [[], ...pathsOf(value)].filter((p) => {
      const v = getPath(value, p);
      return isContainer(v) && !Array.isArray(v) && Object.keys(v).length > 0;
    });
    if (maps.length === 0) return input;
    const target = rng.pick(maps);
    return writeCbor(value, {
      override: (path, v) => {
        if (!samePath(path, target)) return undefined;
        const entries = Object.entries(v as object);
        const [key, old] = rng.pick(entries);
        const dup = rng.chance(0.5) ? old : oddValue(rng);
        const order = rng.chance(0.5) ? [...entries, [key, dup] as const] : [[key, dup] as const, ...entries];
        return Buffer.concat([cborHead(5, order.length), ...order.flatMap(([k, x]) => [encodeCbor(k), encodeCbor(x)])]);
      },
    });
  }],
  ['tagged field', 3, (input, rng) => withRaw(input, rng, (raw) => Buffer.concat([cborHead(6, rng.pick(interestingTags)), raw]))],
  ['deep nesting', 2, (input, rng, ctx) => withRaw(input, rng, (raw) => nest(raw, rng, Math.floor(Math.min(rng.size(20_000), ctx.maxBytes / 4))))],
  ['huge length prefix', 4, (input, rng) => {
    const heads = cborHeads(input).filter((h) => h.major >= 2 && h.major <= 5);
    if (heads.length === 0) return input;
    const head = rng.pick(heads);
    const arg = rng.pick([input.length, 2 ** 31 - 1, 2 ** 32 - 1, 2 ** 53, 2n ** 64n - 1n, 112_810_001, 16_710_001]);
    return Buffer.concat([input.subarray(0, head.at), cborHead(head.major, arg, 8), input.subarray(head.at + head.size)]);
  }],
  ['cbor-x extension bomb', 2, (input, rng, ctx) => withRaw(input, rng, () => extensionBomb(rng, ctx.maxBytes))],
];

/** Tags with a meaning in cbor-x or RFC 8949, and a few without. */
const interestingTags = [0, 1, 2, 3, 4, 5, 6, 21, 24, 27, 28, 29, 32, 51, 64, 72, 86, 105, 258, 259, 55799, 0xdff9, 0xdffe, 0xdfff, 0xe000, 225, 216, 28704, 0xffff, 2 ** 32 - 1];

const isContainer = (v: unknown): v is object => v !== null && typeof v === 'object' && !(v instanceof Uint8Array);

function getPath(value: unknown, path: Path): unknown {
  let node = value;
  for (const key of path) node = (node as Record<string | number, unknown>)?.[key];
  return node;
}

/** The seed with one of its items (or a new key) replaced by raw bytes made from that item's encoding. */
function withRaw(input: Uint8Array, rng: Rng, make: (raw: Uint8Array) => Uint8Array): Uint8Array {
  const value = decodeCbor(input);
  const paths = pathsOf(value);
  if (paths.length === 0 || rng.chance(0.1)) return make(input);
  const target = rng.pick(paths);
  return writeCbor(value, { override: (path, v) => (samePath(path, target) ? make(encodeCbor(v)) : undefined) });
}

/** `raw` inside `depth` one-item arrays, maps, tags or indefinite arrays. */
function nest(raw: Uint8Array, rng: Rng, depth: number): Uint8Array {
  const open = rng.pick([[0x81], [0x9f], [0xa1, 0x61, 0x61], [0xd8, 0x18], [0x82, 0x00]]);
  const close = open[0] === 0x9f ? 0xff : undefined;
  const out = new Uint8Array(depth * open.length + raw.length + (close ? depth : 0));
  for (let i = 0; i < depth; i++) out.set(open, i * open.length);
  out.set(raw, depth * open.length);
  if (close) out.fill(close, depth * open.length + raw.length);
  return out;
}

/**
 * Items that are small on the wire and large or slow once cbor-x has decoded them: a bignum
 * (tag 2/3) over a long byte string, a value shared once and referenced many times (tags 28/29),
 * a packed-values table whose prefix is referenced many times (tags 51 and 225), a constructor call (tag 27).
 */
export function extensionBomb(rng: Rng, maxBytes: number): Uint8Array {
  const budget = Math.max(64, rng.size(maxBytes));
  switch (rng.int(4)) {
    case 0: {
      const n = budget - 8;
      return Buffer.concat([Uint8Array.of(rng.chance(0.5) ? 0xc2 : 0xc3), cborHead(2, n), new Uint8Array(n).fill(0xff)]);
    }
    case 1: {
      const shared = encodeCbor(Array.from({ length: Math.min(64, budget / 8) }, (_, i) => `item-${i}`));
      const refs = Math.floor(Math.max(1, budget - shared.length) / 3);
      return Buffer.concat([cborHead(4, refs + 1), Uint8Array.of(0xd8, 28), shared, ...Array.from({ length: refs }, () => Uint8Array.of(0xd8, 29, 0x00))]);
    }
    case 2: {
      const prefix = Math.floor(budget / 2);
      const refs = Math.floor(budget / 6);
      return Buffer.concat([
        Uint8Array.of(0xd8, 51, 0x84, 0x81, 0x00, 0x82, 0x00),
        cborHead(4, prefix),
        new Uint8Array(prefix),
        Uint8Array.of(0x80),
        cborHead(4, refs),
        ...Array.from({ length: refs }, () => Uint8Array.of(0xd8, 0xe1, 0x80)),
      ]);
    }
    default:
      return Buffer.concat([Uint8Array.of(0xd8, 27), encodeCbor([rng.pick(['RegExp', 'Error', 'Function', 'eval', 'constructor']), '(a+)+$'.repeat(rng.size(64)), 'g'])]);
  }
}

/** One mutated payload from one of `seeds`; sometimes two mutations stacked. */
export function mutateBytes(rng: Rng, ctx: ByteMutatorContext): Mutant<Uint8Array> {
  const seed = rng.pick(ctx.seeds);
  const table = rng.chance(0.55) ? cborMutators : byteMutators;
  const [name, , mutate] = pickWeighted(rng, table);
  let value = mutate(seed, rng, ctx);
  let mutator = name;
  if (rng.chance(0.15)) {
    const [second, , again] = pickWeighted(rng, byteMutators);
    value = again(value, rng, ctx);
    mutator += ` + ${second}`;
  }
  if (value.length === 0) value = Uint8Array.of(0xff); // an empty retained publish would clear a topic
  return { value: Buffer.from(value.buffer, value.byteOffset, value.byteLength), mutator };
}
