import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { parseOutputFormat, renderNodes } from '../../../cli/src/format/output.js';
import { UsageError } from '../../../cli/src/usage-error.js';
import { makeList, makeNode, NOW } from './fixtures.js';

describe('parseOutputFormat', () => {
  it('parseOutputFormat defaults to table and accepts json, yaml, wide and name', () => {
    assert.equal(parseOutputFormat(undefined), 'table');
    for (const f of ['json', 'yaml', 'wide', 'name']) assert.equal(parseOutputFormat(f), f);
  });

  it('parseOutputFormat rejects anything else with a UsageError naming the choices', () => {
    assert.throws(() => parseOutputFormat('xml'), (e: unknown) => e instanceof UsageError && /"xml".*json, yaml, wide, name/.test(e.message));
    assert.throws(() => parseOutputFormat('table'), UsageError);
  });
});

describe('renderNodes', () => {
  const list = makeList([makeNode({ name: 'a' }), makeNode({ name: 'b' })]);

  it('renderNodes prints json with two-space indent that round-trips', () => {
    const out = renderNodes(list, 'json', NOW);
    assert.ok(out.startsWith('{\n  "apiVersion": "corral/v1",\n'));
    assert.deepEqual(JSON.parse(out), list);
  });

  it('renderNodes prints yaml that round-trips', () => {
    assert.deepEqual(parseYaml(renderNodes(list, 'yaml', NOW)), list);
  });

  it('renderNodes prints node/NAME per line for -o name', () => {
    assert.equal(renderNodes(list, 'name', NOW), 'node/a\nnode/b\n');
    assert.equal(renderNodes(makeNode({ name: 'c' }), 'name', NOW), 'node/c\n');
  });

  it('renderNodes prints a single node as one table row', () => {
    const lines = renderNodes(makeNode({ name: 'solo' }), 'table', NOW).trimEnd().split('\n');
    assert.equal(lines.length, 2);
    assert.ok(lines[1]?.startsWith('solo '));
  });

  it('renderNodes renders an empty list as nothing for tables and as a list for json', () => {
    assert.equal(renderNodes(makeList([]), 'table', NOW), '');
    assert.deepEqual(JSON.parse(renderNodes(makeList([]), 'json', NOW)), makeList([]));
  });
});
