import { type KeyObject, sign, verify } from 'node:crypto';
import { MAX_MESSAGE_BYTES, decodeMessage, decodeWithSchema, encodeMessage, encodeWithSchema } from './codec.js';
import { DesiredMessage, type DesiredMessageInput } from './desired.js';
import { CorralError, ErrorCode, type Result, err, ok } from './errors.js';
import { PROTOCOL_VERSION } from './messages.js';

/**
 * Signed desired state (docs/security.md). The hub signs the CBOR bytes of each node's
 * `DesiredMessage` with Ed25519; the signature covers this context string followed by
 * those bytes, so a signature made for anything else the key might ever sign can never
 * pass as one over a desired state. Node and generation are inside the signed bytes.
 */
export const DESIRED_SIGNATURE_CONTEXT = 'corral/v1/desired\n';

/**
 * Room the envelope around a body needs (keys, node name, generation, byte-string headers,
 * the 64-byte signature: under 200 bytes), kept free so a sealed body never exceeds the limit.
 */
export const DESIRED_ENVELOPE_RESERVE = 512;
/** Largest body a desired envelope carries within `MAX_MESSAGE_BYTES`. */
export const MAX_DESIRED_BODY_BYTES = MAX_MESSAGE_BYTES - DESIRED_ENVELOPE_RESERVE;

const context = new TextEncoder().encode(DESIRED_SIGNATURE_CONTEXT);

/** The bytes a desired-state signature covers: the context, then the body. */
export function desiredSignedBytes(body: Uint8Array): Uint8Array {
  const out = new Uint8Array(context.byteLength + body.byteLength);
  out.set(context, 0);
  out.set(body, context.byteLength);
  return out;
}

/** The CBOR body of a desired envelope, validated first (throws `CORRAL_PROTOCOL_INVALID` like `encodeMessage`). */
export function encodeDesiredBody(message: DesiredMessageInput): Uint8Array {
  return encodeWithSchema('desired body', DesiredMessage, message);
}

/** Decodes and validates the CBOR body of a desired envelope, without any signature check: `openDesired` is the receiver's door. */
export function decodeDesiredBody(body: Uint8Array): Result<DesiredMessage> {
  return decodeWithSchema('desired body', DesiredMessage, body);
}

/** One node's encoded desired state, ready to be sealed. */
export interface DesiredToSeal {
  node: string;
  generation: number;
  /** `encodeDesiredBody` of a message for this node and generation. */
  body: Uint8Array;
}

/**
 * The `…/desired` payload: the body in an envelope, signed with the hub's Ed25519 private key
 * (unsigned without one: insecure setups and tests only).
 */
export function sealDesired(desired: DesiredToSeal, options: { privateKey?: KeyObject } = {}): Uint8Array {
  const { privateKey } = options;
  if (privateKey !== undefined && privateKey.asymmetricKeyType !== 'ed25519') {
    throw new CorralError(ErrorCode.SigningKeyInvalid, `desired state signing key is ${privateKey.asymmetricKeyType ?? 'not asymmetric'}, not ed25519`);
  }
  const body = asBuffer(desired.body);
  const sig = privateKey === undefined ? undefined : sign(null, desiredSignedBytes(body), privateKey);
  // Buffers, not bare Uint8Arrays: cbor-x writes those with a typed-array tag; a Buffer is a plain byte string.
  return encodeMessage('desired', { v: PROTOCOL_VERSION, node: desired.node, generation: desired.generation, body, ...(sig === undefined ? {} : { sig }) });
}

export interface OpenDesiredOptions {
  /** The receiving node: an envelope or body for any other is refused (`CORRAL_DESIRED_WRONG_NODE`). */
  node: string;
  /**
   * The pinned hub public key (Ed25519). Given, only an envelope signed with it is accepted;
   * absent (insecure setups), signed and unsigned envelopes alike are, without checking a signature.
   */
  publicKey?: KeyObject;
  maxBytes?: number;
}

/** A desired state taken out of its envelope, and whether its signature was checked against a pinned key. */
export interface OpenedDesired {
  message: DesiredMessage;
  verified: boolean;
}

/**
 * Decodes a `…/desired` payload and checks it, in this order: the envelope (size, CBOR, version,
 * schema), its node, with a key its signature (`CORRAL_DESIRED_UNSIGNED`, `…_BAD_SIGNATURE`), the
 * body, and that the body names the envelope's node and generation (`…_ENVELOPE_MISMATCH`). Never
 * throws. Generations are the receiver's to compare: it alone knows the one it applied.
 */
export function openDesired(payload: Uint8Array, options: OpenDesiredOptions): Result<OpenedDesired> {
  const envelope = decodeMessage('desired', payload, options.maxBytes === undefined ? {} : { maxBytes: options.maxBytes });
  if (!envelope.ok) return envelope;
  const { node, generation, body, sig } = envelope.value;
  if (node !== options.node) {
    return err(new CorralError(ErrorCode.DesiredWrongNode, `desired: envelope is for node ${node}, not ${options.node}`, { path: 'node' }));
  }
  const { publicKey } = options;
  if (publicKey !== undefined) {
    if (sig === undefined) return err(new CorralError(ErrorCode.DesiredUnsigned, 'desired: envelope carries no signature and a hub key is pinned', { path: 'sig' }));
    if (!verifies(body, sig, publicKey)) {
      return err(new CorralError(ErrorCode.DesiredBadSignature, 'desired: signature does not verify with the pinned hub key', { path: 'sig' }));
    }
  }
  const message = decodeDesiredBody(body);
  if (!message.ok) {
    const { code, path, message: text } = message.error;
    return err(new CorralError(code, text, { cause: message.error, path: path === undefined || path === '(root)' ? 'body' : `body.${path}` }));
  }
  if (message.value.node !== node) {
    return err(new CorralError(ErrorCode.DesiredEnvelopeMismatch, `desired: body is for node ${message.value.node}, envelope for ${node}`, { path: 'body.node' }));
  }
  if (message.value.generation !== generation) {
    return err(new CorralError(ErrorCode.DesiredEnvelopeMismatch, `desired: body has generation ${message.value.generation}, envelope ${generation}`, { path: 'body.generation' }));
  }
  return ok({ message: message.value, verified: publicKey !== undefined });
}

/** Ed25519 verification that answers false, never throws (a key of another type, a signature of the wrong length). */
function verifies(body: Uint8Array, sig: Uint8Array, publicKey: KeyObject): boolean {
  if (publicKey.asymmetricKeyType !== 'ed25519' || sig.byteLength !== 64) return false;
  try {
    return verify(null, desiredSignedBytes(body), publicKey, sig);
  } catch {
    return false;
  }
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
