import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { sampleMessages, stateSample, statusOnlineSample, heartbeatSample, replyOkSample } from '../../../bench/protocol/samples.js';
import { MAX_MESSAGE_BYTES, decodeMessage, encodeMessage } from '../../../protocol/src/codec.js';
import { CorralError, ErrorCode, type Result } from '../../../protocol/src/errors.js';
import type { MessageKind } from '../../../protocol/src/index.js';
import { encodeRaw, messageKinds, withValueAt } from '../../support/malformed.js';

function expectError(result: Result<unknown>, code: string, path?: string): void {
  assert.equal(result.ok, false, 'expected the payload to be rejected');
  if (result.ok) return;
  assert.ok(result.error instanceof CorralError);
  assert.equal(result.error.code, code);
  if (path !== undefined) assert.equal(result.error.path, path);
}

/** Encodes a deliberately invalid message the way a foreign sender could. */
const raw = (value: unknown): Uint8Array => encodeRaw(value);

describe('encodeMessage / decodeMessage round trip', () => {
  for (const sample of sampleMessages) {
    test(`decodeMessage returns an encoded ${sample.name} unchanged`, () => {
      const payload = encodeMessage(sample.kind, sample.message);
      assert.ok(payload.byteLength > 0 && payload.byteLength <= MAX_MESSAGE_BYTES);
      const decoded = decodeMessage(sample.kind, payload);
      assert.ok(decoded.ok, decoded.ok ? '' : `${decoded.error.code} at ${decoded.error.path}`);
      assert.deepEqual(decoded.value, sample.message);
    });
  }

  test('encodeMessage writes plain CBOR maps that cbor-x decodes to the same object', () => {
    const payload = encodeMessage('state', stateSample);
    // 0xa0–0xbb: major type 5 (map), not a cbor-x record tag.
    assert.equal(payload[0]! >> 5, 5);
    assert.deepEqual(decodeMessage('state', raw(stateSample)), { ok: true, value: stateSample });
  });

  test('decodeMessage keeps container statuses, last terminations and waiting reasons of a state', () => {
    const decoded = decodeMessage('state', encodeMessage('state', stateSample));
    assert.ok(decoded.ok);
    const pending = decoded.value.pods.find((p) => p.phase === 'Pending');
    assert.equal(pending?.containerStatuses[0]?.state.waiting?.reason, 'ImagePullBackOff');
    const restarted = decoded.value.pods.find((p) => p.containerStatuses[0]?.lastTermination !== undefined);
    assert.equal(restarted?.containerStatuses[0]?.lastTermination?.exitCode, 137);
    assert.match(decoded.value.pods[0]?.containerStatuses[1]?.containerID ?? '', /^[0-9a-f]{64}$/);
  });

  test('decodeMessage drops keys the schema does not know', () => {
    const decoded = decodeMessage('heartbeat', raw({ ...heartbeatSample, extra: 'ignored' }));
    assert.ok(decoded.ok);
    assert.equal(Object.hasOwn(decoded.value, 'extra'), false);
  });
});

describe('decodeMessage rejections', () => {
  test('decodeMessage rejects a payload over the size limit with CORRAL_PROTOCOL_TOO_LARGE', () => {
    expectError(decodeMessage('heartbeat', new Uint8Array(MAX_MESSAGE_BYTES + 1)), ErrorCode.ProtocolTooLarge);
  });

  test('decodeMessage accepts a payload of exactly the size limit if it is otherwise valid', () => {
    const base = encodeRaw({ ...replyOkSample, result: '' });
    const padded = encodeRaw({ ...replyOkSample, result: 'x'.repeat(MAX_MESSAGE_BYTES - base.length - 4) });
    assert.equal(padded.length, MAX_MESSAGE_BYTES);
    assert.equal(decodeMessage('reply', padded).ok, true);
  });

  test('decodeMessage honours a smaller maxBytes option with CORRAL_PROTOCOL_TOO_LARGE', () => {
    const payload = encodeMessage('heartbeat', heartbeatSample);
    expectError(decodeMessage('heartbeat', payload, { maxBytes: payload.length - 1 }), ErrorCode.ProtocolTooLarge);
    assert.equal(decodeMessage('heartbeat', payload, { maxBytes: payload.length }).ok, true);
  });

  test('decodeMessage rejects bytes that are not CBOR with CORRAL_PROTOCOL_MALFORMED', () => {
    expectError(decodeMessage('status', new Uint8Array()), ErrorCode.ProtocolMalformed);
    expectError(decodeMessage('status', new Uint8Array([0xff])), ErrorCode.ProtocolMalformed);
    expectError(decodeMessage('status', new Uint8Array([0x1c])), ErrorCode.ProtocolMalformed);
    expectError(decodeMessage('status', Buffer.from('{"v":1}')), ErrorCode.ProtocolMalformed);
  });

  test('decodeMessage rejects a truncated message with CORRAL_PROTOCOL_MALFORMED', () => {
    const payload = encodeMessage('status', statusOnlineSample);
    expectError(decodeMessage('status', payload.subarray(0, payload.length - 1)), ErrorCode.ProtocolMalformed);
  });

  test('decodeMessage rejects trailing bytes after the map with CORRAL_PROTOCOL_MALFORMED', () => {
    const payload = encodeMessage('heartbeat', heartbeatSample);
    expectError(decodeMessage('heartbeat', Buffer.concat([payload, Buffer.from([0x00])])), ErrorCode.ProtocolMalformed);
  });

  const nonMaps: Array<[string, unknown]> = [
    ['an array', [1, 2, 3]],
    ['an empty array', []],
    ['a number', 42],
    ['a float', 1.5],
    ['a string', 'hello'],
    ['null', null],
    ['a boolean', true],
    ['a byte string', new Uint8Array([0xa1, 0x61, 0x76, 0x01])],
    ['a date', new Date(0)],
  ];
  for (const [name, value] of nonMaps) {
    test(`decodeMessage rejects CBOR that is ${name}, not a map, with CORRAL_PROTOCOL_MALFORMED at (root)`, () => {
      for (const kind of messageKinds) expectError(decodeMessage(kind, raw(value)), ErrorCode.ProtocolMalformed, '(root)');
    });
  }

  test('decodeMessage rejects a map without v with CORRAL_PROTOCOL_VERSION at v', () => {
    const { v: _v, ...rest } = heartbeatSample;
    expectError(decodeMessage('heartbeat', raw(rest)), ErrorCode.ProtocolVersion, 'v');
    expectError(decodeMessage('cmd', raw({})), ErrorCode.ProtocolVersion, 'v');
  });

  const wrongVersions: Array<[string, unknown]> = [
    ['0', 0],
    ['2', 2],
    ['the string "1"', '1'],
    ['1.5', 1.5],
    ['true', true],
    ['null', null],
    ['an array', [1]],
    ['a bigint', 2n ** 70n],
    ['the bigint 1n', 1n],
    ['an object with a toString key', { toString: 1, valueOf: 'x' }],
    ['an object with a toString function name', { toString: 'toString' }],
  ];
  for (const [name, v] of wrongVersions) {
    test(`decodeMessage rejects v of ${name} with CORRAL_PROTOCOL_VERSION at v, without throwing`, () => {
      for (const kind of messageKinds) {
        const sample = sampleMessages.find((s) => s.kind === kind)!;
        expectError(decodeMessage(kind, raw({ ...sample.message, v })), ErrorCode.ProtocolVersion, 'v');
      }
    });
  }

  test('decodeMessage rejects a root map with a toString key and no v with CORRAL_PROTOCOL_VERSION, without throwing', () => {
    expectError(decodeMessage('status', raw({ toString: 1, valueOf: 2, constructor: 3 })), ErrorCode.ProtocolVersion, 'v');
  });

  test('decodeMessage rejects a __proto__ key smuggling v with CORRAL_PROTOCOL_VERSION', () => {
    // {"__proto__": {"v": 1}}: must not become the prototype of the decoded map.
    const payload = Buffer.from([0xa1, 0x69, ...Buffer.from('__proto__'), 0xa1, 0x61, 0x76, 0x01]);
    expectError(decodeMessage('cmd', payload), ErrorCode.ProtocolVersion, 'v');
  });

  const wrongFields: Array<{ kind: MessageKind; base: unknown; path: Array<string | number>; value: unknown; expected: string }> = [
    { kind: 'status', base: statusOnlineSample, path: ['info', 'architecture'], value: 64, expected: 'info.architecture' },
    { kind: 'status', base: statusOnlineSample, path: ['info', 'architecture'], value: 'x86_64', expected: 'info.architecture' },
    { kind: 'status', base: statusOnlineSample, path: ['capacity', 'cpu'], value: '4', expected: 'capacity.cpu' },
    { kind: 'status', base: statusOnlineSample, path: ['capacity', 'cpu'], value: -1, expected: 'capacity.cpu' },
    { kind: 'status', base: statusOnlineSample, path: ['uid'], value: 'not-a-uuid', expected: 'uid' },
    { kind: 'status', base: statusOnlineSample, path: ['online'], value: 'yes', expected: 'online' },
    { kind: 'status', base: statusOnlineSample, path: ['labels', 'Bad Key'], value: 'x', expected: 'labels.Bad Key' },
    { kind: 'heartbeat', base: heartbeatSample, path: ['pods', 3, 'memory'], value: 1.5, expected: 'pods[3].memory' },
    { kind: 'heartbeat', base: heartbeatSample, path: ['seq'], value: null, expected: 'seq' },
    { kind: 'state', base: stateSample, path: ['pods', 0, 'containerStatuses', 0, 'restartCount'], value: '2', expected: 'pods[0].containerStatuses[0].restartCount' },
    { kind: 'state', base: stateSample, path: ['pods', 4, 'containerStatuses', 1, 'ready'], value: 1, expected: 'pods[4].containerStatuses[1].ready' },
    { kind: 'state', base: stateSample, path: ['pods', 2, 'phase'], value: 'Crashing', expected: 'pods[2].phase' },
    { kind: 'cmd', base: sampleMessages.find((s) => s.kind === 'cmd')!.message, path: ['op'], value: 'reboot', expected: 'op' },
    { kind: 'cmd', base: sampleMessages.find((s) => s.kind === 'cmd')!.message, path: ['id'], value: '', expected: 'id' },
    { kind: 'reply', base: replyOkSample, path: ['ok'], value: 'true', expected: 'ok' },
    { kind: 'reply', base: { ...replyOkSample, ok: false, result: undefined, error: { code: 'X', message: 'y' } }, path: ['error', 'code'], value: 7, expected: 'error.code' },
  ];
  for (const { kind, base, path, value, expected } of wrongFields) {
    test(`decodeMessage rejects a ${kind} with a bad ${expected} with CORRAL_PROTOCOL_INVALID at ${expected}`, () => {
      expectError(decodeMessage(kind, raw(withValueAt(base, path, value))), ErrorCode.ProtocolInvalid, expected);
    });
  }

  test('decodeMessage rejects a reply ok without result with CORRAL_PROTOCOL_INVALID at result', () => {
    const { result: _result, ...rest } = replyOkSample as typeof replyOkSample & { result: unknown };
    expectError(decodeMessage('reply', raw(rest)), ErrorCode.ProtocolInvalid, 'result');
  });

  test('decodeMessage rejects deeply nested arrays and maps without throwing', () => {
    const arrays = new Uint8Array(100_000).fill(0x81);
    const maps = Buffer.alloc(300_000);
    for (let i = 0; i < maps.length; i += 3) maps.set([0xa1, 0x61, 0x76], i); // {"v": {"v": …
    for (const kind of messageKinds) {
      expectError(decodeMessage(kind, arrays), ErrorCode.ProtocolMalformed);
      expectError(decodeMessage(kind, maps, { maxBytes: maps.length }), ErrorCode.ProtocolMalformed);
    }
    assert.equal(decodeMessage('heartbeat', encodeMessage('heartbeat', heartbeatSample)).ok, true, 'the decoder still works afterwards');
  });

  test('decodeMessage for one kind rejects a valid message of another kind', () => {
    expectError(decodeMessage('heartbeat', encodeMessage('state', stateSample)), ErrorCode.ProtocolInvalid);
    expectError(decodeMessage('cmd', encodeMessage('reply', replyOkSample)), ErrorCode.ProtocolInvalid, 'op');
  });
});

describe('encodeMessage', () => {
  test('encodeMessage throws a CorralError with CORRAL_PROTOCOL_INVALID and the path for an invalid message', () => {
    const bad = withValueAt(statusOnlineSample, ['capacity', 'memory'], -1) as unknown as typeof statusOnlineSample;
    assert.throws(
      () => encodeMessage('status', bad),
      (error: unknown) => error instanceof CorralError && error.code === ErrorCode.ProtocolInvalid && error.path === 'capacity.memory',
    );
  });

  test('encodeMessage throws CORRAL_PROTOCOL_INVALID at v for a wrong protocol version', () => {
    const bad = { ...heartbeatSample, v: 2 } as unknown as typeof heartbeatSample;
    assert.throws(() => encodeMessage('heartbeat', bad), { name: 'CorralError', code: ErrorCode.ProtocolInvalid, path: 'v' });
  });

  test('encodeMessage throws CORRAL_PROTOCOL_INVALID at (root) for a non-object', () => {
    assert.throws(() => encodeMessage('cmd', 'ping' as never), { code: ErrorCode.ProtocolInvalid, path: '(root)' });
  });
});
