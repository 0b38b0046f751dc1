import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ErrorCode, type Result } from '../../../protocol/src/errors.js';
import { formatCpu, formatMemory, parseCpu, parseMemory } from '../../../protocol/src/quantity.js';

function value(result: Result<number>): number {
  assert.ok(result.ok, result.ok ? '' : result.error.code);
  return result.value;
}

function rejected(result: Result<number>): void {
  assert.equal(result.ok, false);
  if (!result.ok) assert.equal(result.error.code, ErrorCode.QuantityInvalid);
}

test('parseMemory reads binary and decimal suffixes and bare byte counts', () => {
  assert.equal(value(parseMemory('64Mi')), 64 * 2 ** 20);
  assert.equal(value(parseMemory('1G')), 1e9);
  assert.equal(value(parseMemory('1024')), 1024);
  assert.equal(value(parseMemory(1024)), 1024);
  assert.equal(value(parseMemory('0.5Gi')), 2 ** 29);
  assert.equal(value(parseMemory('1Ki')), 1024);
  assert.equal(value(parseMemory('2k')), 2000);
  assert.equal(value(parseMemory(' 64Mi ')), 64 * 2 ** 20);
  assert.equal(value(parseMemory('0')), 0);
});

test('parseMemory rejects unknown suffixes, negatives and garbage with CORRAL_QUANTITY_INVALID', () => {
  for (const input of ['64MB', '-1', 'abc', '', 'Mi', '1 Mi', '1e3', '.5Gi', '64mi', '9Ei']) rejected(parseMemory(input));
  for (const input of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53]) rejected(parseMemory(input));
});

test('parseCpu reads millicores and (fractional) cores', () => {
  assert.equal(value(parseCpu('250m')), 250);
  assert.equal(value(parseCpu('0.5')), 500);
  assert.equal(value(parseCpu('2')), 2000);
  assert.equal(value(parseCpu(1)), 1000);
  assert.equal(value(parseCpu(0.25)), 250);
  assert.equal(value(parseCpu('0')), 0);
  assert.equal(value(parseCpu(' 100m ')), 100);
});

test('parseCpu reads every three-decimal core count exactly (no floating-point rounding)', () => {
  for (let millis = 0; millis <= 20_000; millis++) {
    assert.equal(value(parseCpu((millis / 1000).toFixed(3))), millis);
    assert.equal(value(parseCpu(`${millis}m`)), millis);
  }
  assert.equal(value(parseCpu('1.001')), 1001);
  assert.equal(value(parseCpu('0.5000')), 500);
});

test('parseCpu rejects sub-millicore precision and garbage with CORRAL_QUANTITY_INVALID', () => {
  for (const input of ['0.0005', '1.5m', 'x', '', '-1', '1.0001', '250M', '1e3', '.5', '1 m']) rejected(parseCpu(input));
  for (const input of [-1, 0.0001, Number.NaN, 1e21]) rejected(parseCpu(input));
});

test('formatMemory picks the largest binary unit with at most one decimal', () => {
  assert.equal(formatMemory(0), '0');
  assert.equal(formatMemory(1023), '1023');
  assert.equal(formatMemory(1024), '1Ki');
  assert.equal(formatMemory(1536), '1.5Ki');
  assert.equal(formatMemory(64 * 2 ** 20), '64Mi');
  assert.equal(formatMemory(1.5 * 2 ** 30), '1.5Gi');
  assert.equal(formatMemory(1000 * 2 ** 20), '1000Mi');
  assert.equal(formatMemory(2 ** 50), '1Pi');
});

test('formatMemory output parses back to the same bytes for whole units', () => {
  for (const bytes of [0, 1, 1024, 64 * 2 ** 20, 8 * 2 ** 30, 3 * 2 ** 40]) assert.equal(value(parseMemory(formatMemory(bytes))), bytes);
});

test('formatCpu writes whole cores bare and the rest in millicores', () => {
  assert.equal(formatCpu(0), '0');
  assert.equal(formatCpu(1), '1m');
  assert.equal(formatCpu(250), '250m');
  assert.equal(formatCpu(1500), '1500m');
  assert.equal(formatCpu(2000), '2');
});

test('formatCpu output parses back to the same millicores', () => {
  for (const millis of [0, 1, 250, 999, 1000, 1500, 2000, 64_000]) assert.equal(value(parseCpu(formatCpu(millis))), millis);
});
