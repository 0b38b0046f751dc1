import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatPath } from '../../../protocol/src/errors.js';
import { LabelKey, LabelValue, Labels, isLabelKey, parseLabelList } from '../../../protocol/src/labels.js';

test('isLabelKey accepts names and prefixed names', () => {
  for (const key of ['app', 'a', 'hardware', 'Zone_1', 'a.b-c_d', 'corral.io/zone', 'sensors.example.com/camera', `p/${'n'.repeat(63)}`, 'n'.repeat(63)]) {
    assert.equal(isLabelKey(key), true, key);
  }
});

test('isLabelKey rejects empty parts, bad characters and over-long names', () => {
  for (const key of ['', '-app', 'app-', '_app', 'app!', 'a b', 'n'.repeat(64), '/app', 'corral.io/', 'Corral.io/zone', 'a/b/c', 'corral_io/zone', `${'p'.repeat(254)}/n`]) {
    assert.equal(isLabelKey(key), false, key);
  }
});

test('isLabelKey accepts a 253-character prefix', () => {
  assert.equal(isLabelKey(`${'p'.repeat(253)}/n`), true);
});

test('parseLabelList splits k=v pairs, trims items and skips empty ones', () => {
  assert.deepEqual(parseLabelList('a=1,b=2'), { a: '1', b: '2' });
  assert.deepEqual(parseLabelList(' zone=greenhouse-2 , hardware=rpi4 ,,'), { zone: 'greenhouse-2', hardware: 'rpi4' });
  assert.deepEqual(parseLabelList(''), {});
});

test('parseLabelList gives a key without = an empty value and keeps = inside values', () => {
  assert.deepEqual(parseLabelList('edge,a=b=c'), { edge: '', a: 'b=c' });
});

test('parseLabelList lets the last duplicate win', () => {
  assert.deepEqual(parseLabelList('a=1,a=2'), { a: '2' });
});

test('parseLabelList leaves validation to the Labels schema', () => {
  const parsed = Labels.safeParse(parseLabelList('Bad Key=1'));
  assert.equal(parsed.success, false);
  assert.equal(formatPath(parsed.error?.issues[0]?.path ?? []), 'Bad Key');
});

test('Labels accepts valid keys with empty and 63-character values', () => {
  const labels = { 'corral.io/zone': 'greenhouse-2', hardware: '', long: 'v'.repeat(63) };
  assert.deepEqual(Labels.parse(labels), labels);
});

test('Labels rejects a bad value at its key path', () => {
  for (const value of ['v'.repeat(64), '-x', 'x-', 'a b', 'ü']) {
    const parsed = Labels.safeParse({ app: value });
    assert.equal(parsed.success, false, value);
    assert.equal(formatPath(parsed.error?.issues[0]?.path ?? []), 'app');
  }
});

test('Labels rejects a bad key at its key path', () => {
  const parsed = Labels.safeParse({ ok: 'x', 'Bad.io/x': 'v' });
  assert.equal(parsed.success, false);
  assert.equal(formatPath(parsed.error?.issues[0]?.path ?? []), 'Bad.io/x');
});

test('Labels rejects non-records and non-string values', () => {
  for (const input of [['a'], 'a=b', null, { a: 1 }, { a: null }]) assert.equal(Labels.safeParse(input).success, false, JSON.stringify(input));
});

test('LabelKey and LabelValue agree with isLabelKey and the value rules', () => {
  assert.equal(LabelKey.safeParse('corral.io/zone').success, true);
  assert.equal(LabelKey.safeParse('corral.io/').success, false);
  assert.equal(LabelValue.safeParse('').success, true);
  assert.equal(LabelValue.safeParse('a.b_c-d').success, true);
});
