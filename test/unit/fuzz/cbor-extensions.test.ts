import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { encode } from 'cbor-x';
import { stateSample } from '../../../bench/protocol/samples.js';
import { decodeMessage } from '../../../protocol/src/codec.js';
import { ErrorCode } from '../../../protocol/src/errors.js';
import { cborHead, encodeCbor } from '../../support/cbor-write.js';

/**
 * What the fuzzers found in cbor-x's extensions, each at a size that stays under
 * MAX_MESSAGE_BYTES. Before the codec refused them: the bignum took 36 s to
 * decode, the packed table ran the process out of heap, the shared value turned
 * 4 KB into a 47 MB state. The assertions are about codes, not time: a
 * regression shows as a wrong code or as the runner's timeout.
 */

const reply = (result: Uint8Array) => Buffer.concat([cborHead(5, 5), encodeCbor('v'), encodeCbor(1), encodeCbor('id'), encodeCbor('c-1'), encodeCbor('ts'), encodeCbor(1), encodeCbor('ok'), encodeCbor(true), encodeCbor('result'), result]);
const malformed = (payload: Uint8Array, kind: 'reply' | 'state' | 'heartbeat' = 'reply') => {
  const result = decodeMessage(kind, payload);
  assert.equal(result.ok ? 'ok' : result.error.code, ErrorCode.ProtocolMalformed);
};

describe('decodeMessage and cbor-x extension tags', () => {
  test('decodeMessage rejects a 250 KB bignum (tag 2 or 3) with CORRAL_PROTOCOL_MALFORMED', () => {
    const bytes = new Uint8Array(250_000).fill(0xff);
    for (const tag of [0xc2, 0xc3]) malformed(Buffer.concat([cborHead(5, 1), encodeCbor('v'), Uint8Array.of(tag), cborHead(2, bytes.length), bytes]), 'heartbeat');
    // The same bytes as a typed array under the bignum tag, or in chunks.
    malformed(reply(Buffer.concat([Uint8Array.of(0xc2, 0xd8, 0x40), cborHead(2, bytes.length), bytes])));
    malformed(reply(Buffer.concat([Uint8Array.of(0xc2, 0x5f), cborHead(2, 100), bytes.subarray(0, 100), Uint8Array.of(0xff)])));
  });

  test('decodeMessage still accepts a bignum of up to 128 bytes in a reply result', () => {
    const big = 2n ** 1000n + 12345n;
    const result = decodeMessage('reply', encode({ v: 1, id: 'c-1', ts: 1, ok: true, result: { big, small: -(2n ** 200n) } }));
    assert.ok(result.ok);
    assert.deepEqual((result.value as { result: unknown }).result, { big, small: -(2n ** 200n) });
  });

  test('decodeMessage rejects a packed-values table whose prefix is referenced 25,000 times (tags 51 and 225)', () => {
    const prefix = 75_000;
    const refs = 25_000;
    const table = Buffer.concat([Uint8Array.of(0xd8, 51, 0x84, 0x81, 0x00, 0x82, 0x00), cborHead(4, prefix), new Uint8Array(prefix), Uint8Array.of(0x80), cborHead(4, refs), ...Array.from({ length: refs }, () => Uint8Array.of(0xd8, 0xe1, 0x80))]);
    malformed(reply(table));
    malformed(table, 'heartbeat');
  });

  test('decodeMessage rejects a state whose pods and container statuses are one shared value each (tags 28 and 29)', () => {
    const status = { ...stateSample.pods[0]!.containerStatuses[0]!, image: 'x'.repeat(512) };
    const pod = encodeCbor({ ...stateSample.pods[0]!, containerStatuses: [] });
    const statuses = Buffer.concat([cborHead(4, 64), Uint8Array.of(0xd8, 28), encodeCbor(status), ...Array.from({ length: 63 }, () => Uint8Array.of(0xd8, 29, 0x01))]);
    const head = encodeCbor({ v: 1, ts: 1, observedGeneration: 1 });
    const payload = Buffer.concat([cborHead(5, 4), head.subarray(3), encodeCbor('pods'), cborHead(4, 1024), Uint8Array.of(0xd8, 28), pod.subarray(0, pod.length - 1), statuses, ...Array.from({ length: 1023 }, () => Uint8Array.of(0xd8, 29, 0x00))]);
    assert.ok(payload.length < 8_000);
    malformed(payload, 'state');
  });

  test('decodeMessage rejects every tag outside the allowed set, at the root, in a field, in an indefinite array', () => {
    const refused = [4, 5, 6, 21, 24, 27, 28, 29, 32, 51, 105, 216, 225, 260, 28_704, 0xdff9, 0xdffe, 0xdfff, 0xe000, 0xffff, 2 ** 32 - 1];
    for (const tag of refused) {
      const item = Buffer.concat([cborHead(6, tag), encodeCbor(['RegExp', '(a+)+$'])]);
      malformed(item);
      malformed(reply(item));
      malformed(reply(Buffer.concat([Uint8Array.of(0x9f, 0x01), item, Uint8Array.of(0xff)])));
    }
  });

  test('decodeMessage accepts the tags cbor-x writes for a reply result: Date, bigint, typed array, Set, Map', () => {
    const result = { when: new Date(1_700_000_000_000), n: 2n ** 70n, bytes: new Uint16Array([1, 2]), set: new Set([1, 2]), map: new Map([[1, 'a']]) };
    const decoded = decodeMessage('reply', encode({ v: 1, id: 'c-1', ts: 1, ok: true, result }));
    assert.ok(decoded.ok, decoded.ok ? '' : decoded.error.message);
  });

  test('decodeMessage does not mistake tag-like bytes inside strings for tags', () => {
    const decoded = decodeMessage('reply', encode({ v: 1, id: 'c-1', ts: 1, ok: true, result: { raw: Buffer.from([0xd8, 0x1c, 0xd8, 0x1d, 0x00]), text: '\u00d8\u001c' } }));
    assert.ok(decoded.ok, decoded.ok ? '' : decoded.error.message);
  });
});
