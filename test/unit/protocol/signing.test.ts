import assert from 'node:assert/strict';
import { generateKeyPairSync, sign } from 'node:crypto';
import { test } from 'node:test';
import { Decoder } from 'cbor-x';
import {
  DESIRED_SIGNATURE_CONTEXT,
  type DesiredMessageInput,
  ErrorCode,
  MAX_DESIRED_BODY_BYTES,
  MAX_MESSAGE_BYTES,
  PodSpec,
  decodeMessage,
  desiredSignedBytes,
  encodeDesiredBody,
  openDesired,
  sealDesired,
  toWirePodSpec,
} from '../../../protocol/src/index.js';
import { encodeRaw } from '../../support/malformed.js';

const hub = generateKeyPairSync('ed25519');
const rogue = generateKeyPairSync('ed25519');
const spec = PodSpec.parse({ containers: [{ name: 'app', image: 'busybox', resources: { limits: { cpu: '250m', memory: '32Mi' } } }] });
const raw = new Decoder({ useRecords: false, mapsAsObjects: true });

function message(overrides: Partial<DesiredMessageInput> = {}): DesiredMessageInput {
  return { v: 1, node: 'pi-1', ts: 1_700_000_000_000, generation: 7, pods: [{ uid: 'u1', name: 'web', labels: {}, spec: toWirePodSpec(spec) }], ...overrides };
}

/** A genuine `…/desired` payload for pi-1 at generation 7, signed with the hub key. */
function genuine(overrides: Partial<DesiredMessageInput> = {}): Uint8Array {
  const m = message(overrides);
  return sealDesired({ node: m.node, generation: m.generation, body: encodeDesiredBody(m) }, { privateKey: hub.privateKey });
}

/** The envelope of a payload as a plain object, to tamper with and re-encode (unvalidated) with `encodeRaw`. */
function envelopeOf(payload: Uint8Array): Record<string, unknown> {
  return raw.decode(payload) as Record<string, unknown>;
}

const pinned = { node: 'pi-1', publicKey: hub.publicKey };
const codeOf = (payload: Uint8Array, options: Parameters<typeof openDesired>[1] = pinned) => {
  const opened = openDesired(payload, options);
  return opened.ok ? 'accepted' : opened.error.code;
};

test('openDesired accepts a desired state signed with the pinned key and gives back its body', () => {
  const opened = openDesired(genuine(), pinned);
  assert.ok(opened.ok, opened.ok ? '' : opened.error.message);
  assert.equal(opened.value.verified, true);
  assert.equal(opened.value.message.node, 'pi-1');
  assert.equal(opened.value.message.generation, 7);
  assert.deepEqual(opened.value.message.pods[0]?.spec, spec);
});

test('the envelope is plain CBOR: body and sig are byte strings, node and generation repeat the body', () => {
  const payload = genuine();
  const envelope = decodeMessage('desired', payload);
  assert.ok(envelope.ok);
  assert.deepEqual(Object.keys(envelopeOf(payload)).sort(), ['body', 'generation', 'node', 'sig', 'v']);
  assert.equal(envelope.value.sig?.byteLength, 64);
  // No typed-array tag (0xd8 0x40): any CBOR library reads `body` and `sig` as byte strings.
  assert.equal(Buffer.from(payload).includes(Buffer.from([0xd8, 0x40])), false);
});

test('the signature covers the domain-separation context followed by the body', () => {
  const body = encodeDesiredBody(message());
  const signed = desiredSignedBytes(body);
  assert.equal(Buffer.from(signed.subarray(0, DESIRED_SIGNATURE_CONTEXT.length)).toString(), 'corral/v1/desired\n');
  assert.ok(Buffer.from(signed.subarray(DESIRED_SIGNATURE_CONTEXT.length)).equals(body));
  // A signature over the bare body (what the key would give any other protocol) does not pass.
  const envelope = { ...envelopeOf(genuine()), sig: sign(null, body, hub.privateKey) };
  assert.equal(codeOf(encodeRaw(envelope)), ErrorCode.DesiredBadSignature);
});

test('openDesired refuses a tampered body', () => {
  const envelope = envelopeOf(genuine());
  const forged = encodeDesiredBody(message({ pods: [] }));
  assert.equal(codeOf(encodeRaw({ ...envelope, body: Buffer.from(forged) })), ErrorCode.DesiredBadSignature);
});

test('openDesired refuses a desired state signed with another key', () => {
  const m = message({ pods: [] });
  const payload = sealDesired({ node: 'pi-1', generation: 7, body: encodeDesiredBody(m) }, { privateKey: rogue.privateKey });
  assert.equal(codeOf(payload), ErrorCode.DesiredBadSignature);
});

test('openDesired refuses an unsigned desired state when a key is pinned, and accepts it unverified when none is', () => {
  const payload = sealDesired({ node: 'pi-1', generation: 7, body: encodeDesiredBody(message()) });
  assert.equal(codeOf(payload), ErrorCode.DesiredUnsigned);
  const opened = openDesired(payload, { node: 'pi-1' });
  assert.ok(opened.ok);
  assert.equal(opened.value.verified, false);
  const signed = openDesired(genuine(), { node: 'pi-1' });
  assert.ok(signed.ok && !signed.value.verified, 'a signed state is accepted without a key too, unverified');
});

test('openDesired refuses a truncated, empty or oversized signature as a bad signature', () => {
  const envelope = envelopeOf(genuine());
  const sig = envelope.sig as Buffer;
  assert.equal(codeOf(encodeRaw({ ...envelope, sig: sig.subarray(0, 63) })), ErrorCode.DesiredBadSignature);
  assert.equal(codeOf(encodeRaw({ ...envelope, sig: Buffer.alloc(0) })), ErrorCode.DesiredBadSignature);
  assert.equal(codeOf(encodeRaw({ ...envelope, sig: Buffer.concat([sig, Buffer.from([0])]) })), ErrorCode.DesiredBadSignature);
  assert.equal(codeOf(encodeRaw({ ...envelope, sig: Buffer.alloc(513) })), ErrorCode.ProtocolInvalid, 'longer than any signature: refused by the schema');
});

test('openDesired refuses a desired state for another node, on the envelope and inside the signed body', () => {
  assert.equal(codeOf(genuine(), { node: 'pi-2', publicKey: hub.publicKey }), ErrorCode.DesiredWrongNode);
  // A genuine pi-2 state re-addressed to pi-1: the envelope says pi-1, the signed body still says pi-2.
  const forPi2 = envelopeOf(genuine({ node: 'pi-2' }));
  const opened = openDesired(encodeRaw({ ...forPi2, node: 'pi-1' }), pinned);
  assert.equal(opened.ok, false);
  if (!opened.ok) assert.deepEqual([opened.error.code, opened.error.path], [ErrorCode.DesiredEnvelopeMismatch, 'body.node']);
});

test('openDesired refuses an envelope whose generation differs from the signed one', () => {
  const envelope = envelopeOf(genuine());
  const opened = openDesired(encodeRaw({ ...envelope, generation: 8 }), pinned);
  assert.equal(opened.ok, false);
  if (!opened.ok) assert.deepEqual([opened.error.code, opened.error.path], [ErrorCode.DesiredEnvelopeMismatch, 'body.generation']);
});

test('openDesired rejects malformed envelopes and bodies with CORRAL_PROTOCOL_* codes and never throws', () => {
  const envelope = envelopeOf(genuine());
  assert.equal(codeOf(new Uint8Array([0xff, 0x00])), ErrorCode.ProtocolMalformed);
  assert.equal(codeOf(encodeRaw({ ...envelope, v: 2 })), ErrorCode.ProtocolVersion);
  assert.equal(codeOf(encodeRaw({ ...envelope, body: 'not bytes' })), ErrorCode.ProtocolInvalid);
  assert.equal(codeOf(new Uint8Array(MAX_MESSAGE_BYTES + 1)), ErrorCode.ProtocolTooLarge);
  // A body that is not a desired state, validly signed (a hub bug, or a key misused elsewhere).
  const junk = encodeRaw({ v: 1, hello: 'world' });
  const signedJunk = sealDesired({ node: 'pi-1', generation: 7, body: junk }, { privateKey: hub.privateKey });
  const opened = openDesired(signedJunk, pinned);
  assert.equal(opened.ok, false);
  if (!opened.ok) assert.deepEqual([opened.error.code, opened.error.path], [ErrorCode.ProtocolInvalid, 'body.node']);
});

test('sealDesired refuses a signing key that is not ed25519', () => {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 });
  assert.throws(() => sealDesired({ node: 'pi-1', generation: 1, body: encodeDesiredBody(message()) }, { privateKey: rsa.privateKey }), { code: ErrorCode.SigningKeyInvalid });
  const payload = genuine();
  assert.equal(codeOf(payload, { node: 'pi-1', publicKey: rsa.publicKey }), ErrorCode.DesiredBadSignature);
});

test('a body of the largest size the hub sends still fits the message limit once sealed, for the longest node name', () => {
  const node = `n${'x'.repeat(61)}z`;
  const body = new Uint8Array(MAX_DESIRED_BODY_BYTES);
  const payload = sealDesired({ node, generation: Number.MAX_SAFE_INTEGER, body }, { privateKey: hub.privateKey });
  assert.ok(payload.byteLength <= MAX_MESSAGE_BYTES, `${payload.byteLength} > ${MAX_MESSAGE_BYTES}`);
  assert.ok(payload.byteLength - body.byteLength < 200, `envelope overhead ${payload.byteLength - body.byteLength} bytes`);
});
