import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { age, humanDuration } from '../../../cli/src/format/age.js';

const s = 1000;
const m = 60 * s;
const h = 60 * m;
const d = 24 * h;
const y = 365 * d;

describe('humanDuration', () => {
  const cases: Array<[number, string]> = [
    [0, '0s'],
    [999, '0s'],
    [45 * s, '45s'],
    [2 * m - 1, '119s'],
    [2 * m, '2m'],
    [5 * m + 30 * s, '5m30s'],
    [10 * m - 1, '9m59s'],
    [10 * m, '10m'],
    [3 * h - 1, '179m'],
    [3 * h, '3h'],
    [3 * h + 5 * m + 59 * s, '3h5m'],
    [8 * h - 1, '7h59m'],
    [8 * h, '8h'],
    [48 * h - 1, '47h'],
    [48 * h, '2d'],
    [5 * d + 3 * h, '5d3h'],
    [8 * d - 1, '7d23h'],
    [8 * d, '8d'],
    [2 * y - 1, '729d'],
    [2 * y, '2y'],
    [3 * y + 14 * d, '3y14d'],
    [8 * y - 1, '7y364d'],
    [8 * y, '8y'],
    [20 * y + 100 * d, '20y'],
  ];
  for (const [ms, expected] of cases) {
    it(`humanDuration formats ${ms} ms as ${expected}`, () => {
      assert.equal(humanDuration(ms), expected);
    });
  }

  it('humanDuration tolerates up to a second of clock skew as 0s', () => {
    assert.equal(humanDuration(-1999), '0s');
  });

  it('humanDuration reports larger negative durations as <invalid>', () => {
    assert.equal(humanDuration(-2000), '<invalid>');
    assert.equal(humanDuration(Number.NaN), '<invalid>');
  });
});

describe('age', () => {
  it('age measures an ISO timestamp against the given now', () => {
    assert.equal(age('2024-06-01T09:00:00Z', Date.parse('2024-06-01T12:00:00Z')), '3h');
  });

  it('age shows <unknown> for a missing or unparseable timestamp', () => {
    assert.equal(age(undefined, 0), '<unknown>');
    assert.equal(age('yesterday-ish', 0), '<unknown>');
  });
});
