import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatTable } from '../../../cli/src/format/table.js';

describe('formatTable', () => {
  it('formatTable aligns every column to its widest cell with three-space gaps', () => {
    const out = formatTable(['name', 'status'], [['a', 'Ready'], ['longer-name', 'NotReady']]);
    assert.equal(out, ['NAME          STATUS', 'a             Ready', 'longer-name   NotReady', ''].join('\n'));
  });

  it('formatTable upper-cases headers and leaves no trailing whitespace on any line', () => {
    const out = formatTable(['a', 'b', 'c'], [['x', 'longvalue', '']]);
    for (const line of out.split('\n')) assert.equal(line, line.trimEnd());
    assert.ok(out.startsWith('A   B           C\n'));
  });

  it('formatTable pads short rows with empty cells', () => {
    const out = formatTable(['one', 'two', 'three'], [['1']]);
    assert.equal(out, 'ONE   TWO   THREE\n1\n');
  });

  it('formatTable prints only the header for no rows', () => {
    assert.equal(formatTable(['name'], []), 'NAME\n');
  });

  it('formatTable prefixes every line with the indent', () => {
    const out = formatTable(['k', 'v'], [['a', 'b']], '  ');
    assert.equal(out, '  K   V\n  a   b\n');
  });

  it('formatTable counts a multi-byte character as one column', () => {
    const out = formatTable(['x', 'y'], [['é', '1'], ['ab', '2']]);
    assert.equal(out, 'X    Y\né    1\nab   2\n');
  });
});
