import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { test } from 'node:test';
import { verifyDesired } from '../../../../agent/src/security/desired-verifier.js';
import { ErrorCode, encodeDesiredBody, sealDesired } from '../../../../protocol/src/index.js';

const hub = generateKeyPairSync('ed25519');
const rogue = generateKeyPairSync('ed25519');

function payload(options: { node?: string; generation?: number; key?: 'hub' | 'rogue' | 'none' } = {}): Uint8Array {
  const node = options.node ?? 'pi-1';
  const generation = options.generation ?? 5;
  const body = encodeDesiredBody({ v: 1, node, ts: 1, generation, pods: [] });
  const key = options.key ?? 'hub';
  return sealDesired({ node, generation, body }, key === 'none' ? {} : { privateKey: (key === 'hub' ? hub : rogue).privateKey });
}

const secure = { node: 'pi-1', hubPublicKey: hub.publicKey, appliedGeneration: 4 };
const insecure = { node: 'pi-1', appliedGeneration: 4 };
const codeOf = (bytes: Uint8Array, options: Parameters<typeof verifyDesired>[1]) => {
  const result = verifyDesired(bytes, options);
  return result.ok ? 'accepted' : result.error.code;
};

test('verifyDesired with a pinned key accepts a newer or the same generation signed by the hub', () => {
  const newer = verifyDesired(payload({ generation: 5 }), secure);
  assert.ok(newer.ok);
  assert.deepEqual([newer.value.verified, newer.value.message.generation], [true, 5]);
  assert.equal(codeOf(payload({ generation: 4 }), secure), 'accepted', 'the hub republishes the applied generation after a restart');
});

test('verifyDesired with a pinned key refuses unsigned and wrongly signed states', () => {
  assert.equal(codeOf(payload({ key: 'none' }), secure), ErrorCode.DesiredUnsigned);
  assert.equal(codeOf(payload({ key: 'rogue' }), secure), ErrorCode.DesiredBadSignature);
});

test('verifyDesired refuses an older generation (a replay), signed or not', () => {
  assert.equal(codeOf(payload({ generation: 3 }), secure), ErrorCode.DesiredStale);
  assert.equal(codeOf(payload({ generation: 3, key: 'none' }), insecure), ErrorCode.DesiredStale);
});

test('verifyDesired refuses a state for another node, with or without a pinned key', () => {
  assert.equal(codeOf(payload({ node: 'pi-2' }), secure), ErrorCode.DesiredWrongNode);
  assert.equal(codeOf(payload({ node: 'pi-2', key: 'none' }), insecure), ErrorCode.DesiredWrongNode);
});

test('verifyDesired without a pinned key (insecure mode) accepts unsigned and signed states alike, unverified', () => {
  for (const key of ['none', 'hub', 'rogue'] as const) {
    const result = verifyDesired(payload({ key }), insecure);
    assert.ok(result.ok, key);
    assert.equal(result.value.verified, false);
  }
});

test('verifyDesired passes on protocol rejections with their codes', () => {
  assert.equal(codeOf(new Uint8Array([0xa0]), secure), ErrorCode.ProtocolVersion);
  assert.equal(codeOf(new Uint8Array([0x1f]), secure), ErrorCode.ProtocolMalformed);
});
