/**
 * The loop every fuzz test runs: make an input, time one call of the decoder,
 * check the result, keep counts and the slowest call. Timings are printed,
 * never asserted (STYLE: no timing assertions); a hang shows as the test
 * runner's timeout, a throw as a failure naming the mutator and the input.
 */
import type { Mutant } from '../../support/mutate.js';

/** Payloads per decoder: 10,000 by default, CORRAL_FUZZ_RUNS for a longer session. */
export const FUZZ_RUNS = Math.max(1, Number(process.env.CORRAL_FUZZ_RUNS) || 10_000);
/** One seed per run of the suite: CORRAL_FUZZ_SEED replays a failure. */
export const FUZZ_SEED = Number(process.env.CORRAL_FUZZ_SEED) || 20_251_107;

export interface FuzzSummary {
  runs: number;
  /** Outcome label → count (e.g. `ok`, `CORRAL_PROTOCOL_INVALID`). */
  outcomes: Record<string, number>;
  totalMs: number;
  meanUs: number;
  p99Us: number;
  maxMs: number;
  slowest: string;
}

export interface FuzzLoop<I, R> {
  runs: number;
  next: (i: number) => Mutant<I>;
  call: (input: I) => R;
  /** Asserts the properties of one result; returns its outcome label. */
  check: (result: R, input: I, mutant: Mutant<I>) => string;
  describe: (input: I) => string;
}

export function fuzz<I, R>(loop: FuzzLoop<I, R>): FuzzSummary {
  const outcomes: Record<string, number> = {};
  const times = new Float64Array(loop.runs);
  let slowest = { ms: -1, label: '' };
  const started = performance.now();
  for (let i = 0; i < loop.runs; i++) {
    const mutant = loop.next(i);
    const t0 = performance.now();
    let result: R;
    try {
      result = loop.call(mutant.value);
    } catch (error) {
      throw new Error(`run ${i}: the decoder threw on a "${mutant.mutator}" input: ${(error as Error)?.stack ?? String(error)}\ninput: ${loop.describe(mutant.value)}`, { cause: error });
    }
    const ms = performance.now() - t0;
    times[i] = ms;
    if (ms > slowest.ms) slowest = { ms, label: `${mutant.mutator} (${loop.describe(mutant.value).slice(0, 80)})` };
    let label: string;
    try {
      label = loop.check(result, mutant.value, mutant);
    } catch (error) {
      throw new Error(`run ${i}: a "${mutant.mutator}" input broke a property: ${(error as Error).message}\ninput: ${loop.describe(mutant.value)}`, { cause: error });
    }
    outcomes[label] = (outcomes[label] ?? 0) + 1;
  }
  const totalMs = performance.now() - started;
  const sorted = Array.from(times).sort((a, b) => a - b);
  const sum = sorted.reduce((a, b) => a + b, 0);
  return {
    runs: loop.runs,
    outcomes,
    totalMs,
    meanUs: (sum / loop.runs) * 1000,
    p99Us: (sorted[Math.floor(loop.runs * 0.99)] ?? 0) * 1000,
    maxMs: slowest.ms,
    slowest: slowest.label,
  };
}

/** One line for `t.diagnostic`. */
export function summaryLine(name: string, s: FuzzSummary): string {
  const outcomes = Object.entries(s.outcomes)
    .sort((a, b) => b[1] - a[1])
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
  return `${name}: ${s.runs} inputs in ${(s.totalMs / 1000).toFixed(1)} s; per call mean ${s.meanUs.toFixed(0)} µs, p99 ${s.p99Us.toFixed(0)} µs, max ${s.maxMs.toFixed(1)} ms [${s.slowest}]; ${outcomes}`;
}

/** The first bytes of a payload in hex, and its size. */
export function hexExcerpt(bytes: Uint8Array): string {
  return `${bytes.byteLength} bytes: ${Buffer.from(bytes.subarray(0, 96)).toString('hex')}${bytes.byteLength > 96 ? '…' : ''}`;
}
