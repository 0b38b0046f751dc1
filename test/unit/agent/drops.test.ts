import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DropCounter } from '../../../agent/src/drops.js';

test('DropCounter starts empty', () => {
  const drops = new DropCounter();
  assert.equal(drops.total, 0);
  assert.deepEqual(drops.byReason(), {});
});

test('DropCounter counts drops by reason and in total', () => {
  const drops = new DropCounter();
  drops.drop('CORRAL_PROTOCOL_MALFORMED');
  drops.drop('CORRAL_PROTOCOL_VERSION');
  drops.drop('CORRAL_PROTOCOL_MALFORMED');
  assert.equal(drops.total, 3);
  assert.deepEqual(drops.byReason(), { CORRAL_PROTOCOL_MALFORMED: 2, CORRAL_PROTOCOL_VERSION: 1 });
});

test('DropCounter byReason returns a snapshot the caller cannot change', () => {
  const drops = new DropCounter();
  drops.drop('a');
  const snapshot = drops.byReason();
  snapshot.a = 100;
  drops.drop('a');
  assert.deepEqual(drops.byReason(), { a: 2 });
  assert.deepEqual(snapshot, { a: 100 });
});

test('DropCounter keeps reasons named like Object.prototype properties as plain counts', () => {
  const drops = new DropCounter();
  drops.drop('__proto__');
  drops.drop('constructor');
  drops.drop('constructor');
  const byReason = drops.byReason();
  assert.equal(Object.getPrototypeOf(byReason), Object.prototype);
  assert.deepEqual(Object.entries(byReason), [['__proto__', 1], ['constructor', 2]]);
  assert.equal(drops.total, 3);
});
