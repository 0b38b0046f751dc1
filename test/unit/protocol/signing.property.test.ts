import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { describe, test } from 'node:test';
import { Decoder } from 'cbor-x';
import fc from 'fast-check';
import { type DesiredMessageInput, PodSpec, encodeDesiredBody, openDesired, sealDesired, toWirePodSpec } from '../../../protocol/src/index.js';
import { encodeRaw } from '../../support/malformed.js';

/** 1,000 per property at least; CORRAL_PROPERTY_RUNS=20000 for a longer session. */
const RUNS = { numRuns: Math.max(1000, Number(process.env.CORRAL_PROPERTY_RUNS) || 0) } as const;

const hub = generateKeyPairSync('ed25519');
const pinned = { node: 'pi-1', publicKey: hub.publicKey };
const raw = new Decoder({ useRecords: false, mapsAsObjects: true });
const spec = toWirePodSpec(PodSpec.parse({ containers: [{ name: 'app', image: 'busybox', command: ['sleep', '3600'], resources: { limits: { cpu: '250m', memory: '32Mi' } } }] }));

function seal(message: DesiredMessageInput): Uint8Array {
  return sealDesired({ node: message.node, generation: message.generation, body: encodeDesiredBody(message) }, { privateKey: hub.privateKey });
}

const genuineMessage: fc.Arbitrary<DesiredMessageInput> = fc.record({
  generation: fc.nat(),
  ts: fc.nat(),
  pods: fc.array(fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/), { maxLength: 4 }),
}).map(({ generation, ts, pods }) => ({ v: 1, node: 'pi-1', ts, generation, pods: [...new Set(pods)].map((name, i) => ({ uid: `u${i}`, name, labels: {}, spec })) }));

/** `bytes` with the byte at `index` (modulo its length) XORed with a non-zero `mask`: always a different byte string. */
function mutate(bytes: Uint8Array, index: number, mask: number): Buffer {
  const out = Buffer.from(bytes);
  out[index % out.length]! ^= mask;
  return out;
}

const mutation = fc.record({ index: fc.nat(), mask: fc.integer({ min: 1, max: 255 }) });

describe('signed desired state properties', () => {
  test('a genuine desired state opens to the very message the hub sealed', () => {
    fc.assert(
      fc.property(genuineMessage, (message) => {
        const opened = openDesired(seal(message), pinned);
        assert.ok(opened.ok, opened.ok ? '' : opened.error.code);
        assert.deepEqual([opened.value.message.generation, opened.value.message.ts, opened.value.message.pods.map((p) => p.name)], [message.generation, message.ts, message.pods.map((p) => p.name)]);
      }),
      RUNS,
    );
  });

  test('any single-byte change of the signed body is rejected', () => {
    fc.assert(
      fc.property(genuineMessage, mutation, (message, { index, mask }) => {
        const envelope = raw.decode(seal(message)) as { body: Uint8Array };
        const opened = openDesired(encodeRaw({ ...envelope, body: mutate(envelope.body, index, mask) }), pinned);
        assert.equal(opened.ok, false);
      }),
      RUNS,
    );
  });

  test('any single-byte change of the signature is rejected', () => {
    fc.assert(
      fc.property(genuineMessage, mutation, (message, { index, mask }) => {
        const envelope = raw.decode(seal(message)) as { sig: Uint8Array };
        const opened = openDesired(encodeRaw({ ...envelope, sig: mutate(envelope.sig, index, mask) }), pinned);
        assert.equal(opened.ok, false);
      }),
      RUNS,
    );
  });

  test('any single-byte change anywhere in the payload is rejected, without a throw', () => {
    fc.assert(
      fc.property(genuineMessage, mutation, (message, { index, mask }) => {
        const opened = openDesired(mutate(seal(message), index, mask), pinned);
        assert.equal(opened.ok, false);
      }),
      RUNS,
    );
  });
});
