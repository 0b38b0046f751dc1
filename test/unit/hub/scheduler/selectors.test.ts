import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileLabelSelector, compileRequirement, compileTerm } from '../../../../hub/src/scheduler/selectors.js';

test('label selector matches all of matchLabels and every expression', () => {
  const s = compileLabelSelector({
    matchLabels: { app: 'web' },
    matchExpressions: [
      { key: 'tier', operator: 'In', values: ['a', 'b'] },
      { key: 'legacy', operator: 'DoesNotExist', values: [] },
      { key: 'env', operator: 'NotIn', values: ['dev'] },
      { key: 'team', operator: 'Exists', values: [] },
    ],
  });
  assert.equal(s.matches({ app: 'web', tier: 'a', team: 'x' }), true);
  assert.equal(s.matches({ app: 'web', tier: 'a', team: 'x', env: 'prod' }), true);
  assert.equal(s.matches({ app: 'web', tier: 'a', team: 'x', env: 'dev' }), false);
  assert.equal(s.matches({ app: 'web', tier: 'c', team: 'x' }), false);
  assert.equal(s.matches({ app: 'web', tier: 'a' }), false);
  assert.equal(s.matches({ app: 'web', tier: 'a', team: 'x', legacy: '' }), false);
  assert.equal(s.matches({ app: 'db', tier: 'a', team: 'x' }), false);
});

test('label selector text is canonical whatever the order of its parts', () => {
  const a = compileLabelSelector({ matchLabels: { b: '1', a: '2' }, matchExpressions: [{ key: 'c', operator: 'In', values: ['y', 'x'] }] });
  const b = compileLabelSelector({ matchLabels: {}, matchExpressions: [{ key: 'c', operator: 'In', values: ['x', 'y'] }, { key: 'b', operator: 'In', values: ['1'] }, { key: 'a', operator: 'In', values: ['2'] }] });
  assert.equal(a.text, 'a=2,b=1,c in (x,y)');
  assert.equal(b.text, a.text);
});

test('empty label selector matches every pod', () => {
  const s = compileLabelSelector({ matchLabels: {}, matchExpressions: [] });
  assert.equal(s.matches({}), true);
  assert.equal(s.matches({ anything: 'x' }), true);
  assert.deepEqual(s.anchors, []);
});

test('label selector does not see inherited properties as labels', () => {
  assert.equal(compileLabelSelector({ matchExpressions: [{ key: 'constructor', operator: 'Exists', values: [] }] }).matches({}), false);
});

test('node requirement Gt and Lt compare integers and reject non-integer labels', () => {
  const gt = compileRequirement({ key: 'cores', operator: 'Gt', values: ['4'] });
  const lt = compileRequirement({ key: 'cores', operator: 'Lt', values: ['4'] });
  assert.equal(gt.matches({ cores: '8' }), true);
  assert.equal(gt.matches({ cores: '4' }), false);
  assert.equal(gt.matches({ cores: '10' }), true, 'numeric, not lexicographic');
  assert.equal(gt.matches({ cores: 'many' }), false);
  assert.equal(gt.matches({}), false);
  assert.equal(lt.matches({ cores: '-1' }), true);
  assert.equal(lt.matches({ cores: '4' }), false);
  assert.equal(compileRequirement({ key: 'n', operator: 'Gt', values: ['9007199254740993'] }).matches({ n: '9007199254740994' }), true, 'beyond 2^53');
});

test('node requirement NotIn matches a node without the label', () => {
  assert.equal(compileRequirement({ key: 'zone', operator: 'NotIn', values: ['a'] }).matches({}), true);
});

test('node selector term ANDs its requirements and an empty term matches nothing', () => {
  const term = compileTerm({ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }, { key: 'gpu', operator: 'Exists', values: [] }] });
  assert.equal(term.firstFailure({ zone: 'a', gpu: '1' }), -1);
  assert.equal(term.firstFailure({ zone: 'a' }), 1);
  assert.equal(term.firstFailure({ gpu: '1' }), 0);
  assert.equal(compileTerm({ matchExpressions: [] }).firstFailure({ zone: 'a' }), 0);
});
