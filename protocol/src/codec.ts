import { Decoder, Encoder } from 'cbor-x';
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
  const parsed = messageSchemas[kind].safeParse(message);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = formatPath(issue?.path ?? []);
    throw new CorralError(ErrorCode.ProtocolInvalid, `refusing to encode ${kind}: ${path}: ${issue?.message}`, { path });
  }
  return encoder.encode(message);
}

/**
 * Decodes and validates one payload. Never throws: every failure is a typed
 * error with a code and, for schema failures, the field path.
 */
export function decodeMessage<K extends MessageKind>(kind: K, payload: Uint8Array, options: DecodeOptions = {}): Result<MessageOf<K>> {
  const maxBytes = options.maxBytes ?? MAX_MESSAGE_BYTES;
  if (payload.byteLength > maxBytes) {
    return err(new CorralError(ErrorCode.ProtocolTooLarge, `${kind}: ${payload.byteLength} bytes exceeds the ${maxBytes}-byte limit`));
  }
  let value: unknown;
  try {
    value = decoder.decode(payload);
  } catch (cause) {
    return err(new CorralError(ErrorCode.ProtocolMalformed, `${kind}: not valid CBOR`, { cause }));
  }
  if (!isPlainObject(value)) {
    return err(new CorralError(ErrorCode.ProtocolMalformed, `${kind}: payload is not a CBOR map`, { path: '(root)' }));
  }
  const v = (value as { v?: unknown }).v;
  if (v !== PROTOCOL_VERSION) {
    return err(new CorralError(ErrorCode.ProtocolVersion, `${kind}: protocol version ${describe(v)} (expected ${PROTOCOL_VERSION})`, { path: 'v' }));
  }
  const parsed = messageSchemas[kind].safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = formatPath(issue?.path ?? []);
    return err(new CorralError(ErrorCode.ProtocolInvalid, `${kind}: ${path}: ${issue?.message ?? 'invalid'}`, { path }));
  }
  return ok(parsed.data as MessageOf<K>);
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
