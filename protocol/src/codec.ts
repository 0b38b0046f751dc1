import { Decoder, Encoder } from 'cbor-x';
import type { z } from 'zod';
import { CorralError, ErrorCode, type Result, err, formatPath, ok } from './errors.js';
import { PROTOCOL_VERSION } from './messages.js';
import { type MessageInput, type MessageKind, type MessageOf, messageSchemas } from './schemas.js';

/** Largest payload either side accepts; larger ones are dropped before decoding. */
export const MAX_MESSAGE_BYTES = 256 * 1024;

// Plain CBOR (RFC 8949) maps, no cbor-x record extension, so any CBOR library can read the wire.
const encoder = new Encoder({ useRecords: false, mapsAsObjects: true });
const decoder = new Decoder({ useRecords: false, mapsAsObjects: true });

export interface DecodeOptions {
  maxBytes?: number;
}

/**
 * Encodes a message after validating it, so a sender can never put an invalid
 * payload on the wire. What is encoded is the message as given (the schema's
 * input form), not the parsed output: transforms such as quantity parsing are
 * the receiver's to apply, once.
 */
export function encodeMessage<K extends MessageKind>(kind: K, message: MessageInput<K>): Uint8Array {
  return encodeWithSchema(kind, messageSchemas[kind], message);
}

/** `encodeMessage` for a schema that is not a topic's payload (the body inside the desired envelope); `name` names it in errors. */
export function encodeWithSchema<S extends z.ZodType>(name: string, schema: S, message: z.input<S>): Uint8Array {
  const parsed = schema.safeParse(message);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = formatPath(issue?.path ?? []);
    throw new CorralError(ErrorCode.ProtocolInvalid, `refusing to encode ${name}: ${path}: ${issue?.message}`, { path });
  }
  return encoder.encode(message);
}

/**
 * Decodes and validates one payload. Never throws: every failure is a typed
 * error with a code and, for schema failures, the field path.
 */
export function decodeMessage<K extends MessageKind>(kind: K, payload: Uint8Array, options: DecodeOptions = {}): Result<MessageOf<K>> {
  return decodeWithSchema(kind, messageSchemas[kind], payload, options) as Result<MessageOf<K>>;
}

/** `decodeMessage` for a schema that is not a topic's payload (the body inside the desired envelope); `name` names it in errors. */
export function decodeWithSchema<S extends z.ZodType>(name: string, schema: S, payload: Uint8Array, options: DecodeOptions = {}): Result<z.output<S>> {
  const maxBytes = options.maxBytes ?? MAX_MESSAGE_BYTES;
  if (payload.byteLength > maxBytes) {
    return err(new CorralError(ErrorCode.ProtocolTooLarge, `${name}: ${payload.byteLength} bytes exceeds the ${maxBytes}-byte limit`));
  }
  const tag = refusedTag(payload);
  if (tag !== undefined) return err(new CorralError(ErrorCode.ProtocolMalformed, `${name}: ${tag}`));
  let value: unknown;
  try {
    value = decoder.decode(payload);
  } catch (cause) {
    return err(new CorralError(ErrorCode.ProtocolMalformed, `${name}: not valid CBOR`, { cause }));
  }
  if (!isPlainObject(value)) {
    return err(new CorralError(ErrorCode.ProtocolMalformed, `${name}: payload is not a CBOR map`, { path: '(root)' }));
  }
  const v = (value as { v?: unknown }).v;
  if (v !== PROTOCOL_VERSION) {
    return err(new CorralError(ErrorCode.ProtocolVersion, `${name}: protocol version ${describe(v)} (expected ${PROTOCOL_VERSION})`, { path: 'v' }));
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = formatPath(issue?.path ?? []);
    return err(new CorralError(ErrorCode.ProtocolInvalid, `${name}: ${path}: ${issue?.message ?? 'invalid'}`, { path }));
  }
  return ok(parsed.data as z.output<S>);
}

/**
 * Tags a payload may carry. Corral writes none, but a reply's open `result` may hold what
 * cbor-x writes for a Date (0, 1), a bigint beyond 64 bits (2, 3), a typed array (64–87),
 * a Set (258) or a Map (259). cbor-x gives other tags meanings that cost far more than
 * their bytes: value sharing (28, 29) and packed tables (51, 6, 216–255, …) make a few KB
 * decode to a tree of any size (a 150 KB payload ran the heap out), record definitions
 * (105, 0xdf00–0xffff) change how later items decode, and tag 27 calls the Error or
 * RegExp constructor.
 */
function tagAllowed(tag: number): boolean {
  return tag <= 3 || (tag >= 64 && tag <= 87) || tag === 258 || tag === 259 || tag === 55799;
}

/** cbor-x builds a bignum in time quadratic in its length (250 KB: 36 s); 128 bytes is 1024 bits. */
const MAX_BIGNUM_BYTES = 128;

/**
 * Walks the items of `payload` without decoding them (one pass, no recursion) and names the
 * first tag refused above, or a bignum too long; undefined when there is none. Bytes that are
 * not well-formed CBOR end the walk: the decoder refuses them with its own reason.
 */
function refusedTag(payload: Uint8Array): string | undefined {
  const open: number[] = []; // items left in each enclosing container; -1: until a break
  let left = 1;
  let tagged = -1; // the tag the current item follows
  let p = 0;
  while (p < payload.length) {
    if (left === 0) {
      if (open.length === 0) return undefined;
      left = open.pop() as number;
      continue;
    }
    const head = payload[p++] as number;
    if (head === 0xff) {
      if (left !== -1) return undefined;
      left = 0;
      continue;
    }
    if (left > 0) left -= 1;
    const major = head >> 5;
    const info = head & 31;
    let arg = info;
    if (info >= 24 && info <= 27) {
      const size = 1 << (info - 24);
      arg = 0;
      for (let i = 0; i < size; i++) arg = arg * 256 + (payload[p + i] ?? 0);
      p += size;
    } else if (info === 31 && major >= 2 && major <= 5) {
      arg = -1;
    } else if (info >= 28) {
      return undefined;
    }
    const tag = tagged;
    tagged = -1;
    if ((tag === 2 || tag === 3) && (major !== 2 || arg === -1 || arg > MAX_BIGNUM_BYTES)) {
      return `a bignum (tag ${tag}) must be a byte string of at most ${MAX_BIGNUM_BYTES} bytes`;
    }
    if (major === 2 || major === 3) {
      if (arg !== -1) p += arg;
      else {
        open.push(left);
        left = -1;
      }
    } else if (major === 4 || major === 5) {
      open.push(left);
      left = arg === -1 ? -1 : major === 5 ? arg * 2 : arg;
    } else if (major === 6) {
      if (!tagAllowed(arg)) return `CBOR tag ${arg} is not allowed`;
      open.push(left);
      left = 1;
      tagged = arg;
    }
  }
  return undefined;
}

/**
 * A CBOR map decodes to a plain object; arrays, byte strings (Uint8Array) and
 * tagged values (Date, Set, RegExp, cbor-x Tag…) are objects too, but not maps.
 */
function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Names a decoded value for an error message without ever invoking its own methods. */
function describe(value: unknown): string {
  if (value === undefined) return 'missing';
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  if (typeof value === 'string') return JSON.stringify(value.slice(0, 32));
  return typeof value;
}
