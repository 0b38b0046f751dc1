/**
 * CBOR written by hand for the fuzzers: legal but unusual encodings (indefinite
 * lengths, wide heads, floats for integers), raw bytes at any item, and the
 * item heads of an encoding, for mutators that edit lengths in place.
 */
import { Decoder, Encoder } from 'cbor-x';
import type { Rng } from './mutate.js';

const plain = new Encoder({ useRecords: false, mapsAsObjects: true });
const reader = new Decoder({ useRecords: false, mapsAsObjects: true });

/** cbor-x's own encoding (what the daemons send), as a Buffer. */
export function encodeCbor(value: unknown): Buffer {
  return Buffer.from(plain.encode(value));
}

/** Decodes a seed (trusted, well-formed) back to a value. */
export function decodeCbor(bytes: Uint8Array): unknown {
  return reader.decode(bytes);
}

export type Path = ReadonlyArray<string | number>;

/** A CBOR head: major type and argument, in `width` bytes (0: in the initial byte; default: the fewest). */
export function cborHead(major: number, arg: number | bigint, width?: 0 | 1 | 2 | 4 | 8): Uint8Array {
  const n = BigInt(arg);
  const w = width ?? (n < 24n ? 0 : n < 0x100n ? 1 : n < 0x10000n ? 2 : n < 0x100000000n ? 4 : 8);
  if (w === 0) return Uint8Array.of((major << 5) | Number(n));
  const out = new Uint8Array(1 + w);
  out[0] = (major << 5) | { 1: 24, 2: 25, 4: 26, 8: 27 }[w];
  for (let i = 0; i < w; i++) out[w - i] = Number((n >> BigInt(8 * i)) & 0xffn);
  return out;
}

export interface WriteOptions {
  /** Chance per item of a legal but unusual encoding: indefinite lengths, wide heads, integers as floats. */
  quirks?: number;
  rng?: Rng;
  /** Raw bytes for the item at a path instead of its encoding. */
  override?: (path: Path, value: unknown) => Uint8Array | undefined;
}

/**
 * A CBOR writer that can be told to be odd: every encoding it picks is legal
 * RFC 8949 (indefinite lengths, non-preferred heads, floats for integers), and
 * `override` replaces any item by raw bytes (tags, duplicate keys, nesting).
 */
export function writeCbor(value: unknown, options: WriteOptions = {}): Buffer {
  const parts: Uint8Array[] = [];
  const { rng, override } = options;
  const odd = () => rng !== undefined && rng.chance(options.quirks ?? 0);
  const wide = () => (odd() ? rng!.pick([1, 2, 4, 8] as const) : undefined);
  const write = (v: unknown, path: Path): void => {
    const raw = override?.(path, v);
    if (raw) return void parts.push(raw);
    if (v === undefined) return void parts.push(Uint8Array.of(0xf7));
    if (v === null) return void parts.push(Uint8Array.of(0xf6));
    if (typeof v === 'boolean') return void parts.push(Uint8Array.of(v ? 0xf5 : 0xf4));
    if (typeof v === 'number' && Number.isSafeInteger(v) && !Object.is(v, -0) && !odd()) {
      const w = wide();
      return void parts.push(v >= 0 ? cborHead(0, v, w) : cborHead(1, -1 - v, w));
    }
    if (typeof v === 'number') {
      const out = Buffer.alloc(9);
      out[0] = 0xfb;
      out.writeDoubleBE(v, 1);
      return void parts.push(out);
    }
    if (typeof v === 'string' || v instanceof Uint8Array) {
      const major = typeof v === 'string' ? 3 : 2;
      const bytes = typeof v === 'string' ? Buffer.from(v) : v;
      if (bytes.length > 1 && odd()) {
        // Indefinite length: the bytes in two chunks (a text chunk may split a character: not well-formed, also worth sending).
        const cut = rng!.int(bytes.length);
        parts.push(Uint8Array.of((major << 5) | 31), cborHead(major, cut), bytes.subarray(0, cut), cborHead(major, bytes.length - cut), bytes.subarray(cut), Uint8Array.of(0xff));
        return;
      }
      return void parts.push(cborHead(major, bytes.length, wide()), bytes);
    }
    if (Array.isArray(v)) {
      const indefinite = odd();
      parts.push(indefinite ? Uint8Array.of(0x9f) : cborHead(4, v.length, wide()));
      v.forEach((item, i) => write(item, [...path, i]));
      if (indefinite) parts.push(Uint8Array.of(0xff));
      return;
    }
    if (typeof v === 'object' && (Object.getPrototypeOf(v) === Object.prototype || Object.getPrototypeOf(v) === null)) {
      const entries = Object.entries(v as Record<string, unknown>);
      const indefinite = odd();
      parts.push(indefinite ? Uint8Array.of(0xbf) : cborHead(5, entries.length, wide()));
      for (const [k, item] of entries) {
        write(k, [...path, `${k}#key`]);
        write(item, [...path, k]);
      }
      if (indefinite) parts.push(Uint8Array.of(0xff));
      return;
    }
    parts.push(encodeCbor(v)); // bigint, Date, Set, Map: cbor-x's encoding
  };
  write(value, []);
  return Buffer.concat(parts);
}

/** Offsets of every data item head in well-formed, definite-length CBOR (what cbor-x writes). */
export function cborHeads(bytes: Uint8Array): Array<{ at: number; major: number; size: number }> {
  const heads: Array<{ at: number; major: number; size: number }> = [];
  let p = 0;
  while (p < bytes.length) {
    const first = bytes[p]!;
    const major = first >> 5;
    const info = first & 31;
    const width = info < 24 ? 0 : info === 24 ? 1 : info === 25 ? 2 : info === 26 ? 4 : info === 27 ? 8 : -1;
    if (width < 0) break;
    let arg = info < 24 ? info : 0;
    for (let i = 1; i <= width; i++) arg = arg * 256 + (bytes[p + i] ?? 0);
    heads.push({ at: p, major, size: 1 + width });
    p += 1 + width + (major === 2 || major === 3 ? arg : 0);
  }
  return heads;
}
