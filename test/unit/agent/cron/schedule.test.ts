import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { compileSchedule, dueTicks } from '../../../../agent/src/cron/schedule.js';

const at = (iso: string) => Date.parse(iso);

describe('compileSchedule', () => {
  it('reads 6 fields as seconds first and scans by the second; 5 fields by the minute', () => {
    const six = compileSchedule('*/2 * * * * *', 'UTC');
    const five = compileSchedule('*/5 * * * *', 'UTC');
    try {
      assert.equal(six.stepMs, 1000);
      assert.equal(five.stepMs, 60_000);
      assert.equal(six.match(at('2026-01-01T00:00:02Z')), true);
      assert.equal(six.match(at('2026-01-01T00:00:03Z')), false);
      assert.equal(five.match(at('2026-01-01T00:05:00Z')), true);
      assert.equal(five.match(at('2026-01-01T00:06:00Z')), false);
    } finally {
      six.dispose();
      five.dispose();
    }
  });

  it('evaluates in the job time zone', () => {
    const berlin = compileSchedule('0 9 * * *', 'Europe/Berlin');
    const tokyo = compileSchedule('0 9 * * *', 'Asia/Tokyo');
    try {
      assert.equal(berlin.match(at('2026-01-15T08:00:00Z')), true, '09:00 CET is 08:00 UTC in winter');
      assert.equal(berlin.match(at('2026-07-15T07:00:00Z')), true, '09:00 CEST is 07:00 UTC in summer');
      assert.equal(tokyo.match(at('2026-01-15T00:00:00Z')), true);
      assert.equal(berlin.match(at('2026-01-15T00:00:00Z')), false);
    } finally {
      berlin.dispose();
      tokyo.dispose();
    }
  });

  it('across DST: a local time that does not exist is skipped, one that happens twice runs twice', () => {
    const s = compileSchedule('30 2 * * *', 'Europe/Berlin');
    try {
      // 2026-03-29 02:00 CET → 03:00 CEST: 02:30 never happens.
      const spring = Array.from({ length: 24 * 60 }, (_, i) => at('2026-03-28T23:00:00Z') + i * 60_000).filter((t) => s.match(t));
      assert.deepEqual(spring, []);
      // 2026-10-25 03:00 CEST → 02:00 CET: 02:30 happens at 00:30 and 01:30 UTC.
      const autumn = Array.from({ length: 24 * 60 }, (_, i) => at('2026-10-24T22:00:00Z') + i * 60_000).filter((t) => s.match(t));
      assert.deepEqual(autumn.map((t) => new Date(t).toISOString()), ['2026-10-25T00:30:00.000Z', '2026-10-25T01:30:00.000Z']);
    } finally {
      s.dispose();
    }
  });
});

describe('dueTicks', () => {
  const everyMinute = { match: (t: number) => t % 60_000 === 0, stepMs: 60_000 };
  const now = at('2026-05-01T12:00:30Z');

  it('a new job has no past: nothing runs, now is the last tick handled', () => {
    const due = dueTicks({ schedule: everyMinute, lastScheduledAt: undefined, now, startingDeadlineSeconds: 300 });
    assert.deepEqual(due, { run: undefined, missed: [], passed: 0, lastScheduledAt: at('2026-05-01T12:00:00Z') });
  });

  it('after 10 minutes down, runs the newest tick once (inside the deadline) and reports the rest missed', () => {
    const due = dueTicks({ schedule: everyMinute, lastScheduledAt: at('2026-05-01T11:50:00Z'), now, startingDeadlineSeconds: 60, maxMissed: 3 });
    assert.equal(due.run, at('2026-05-01T12:00:00Z'));
    assert.equal(due.passed, 10);
    assert.deepEqual(due.missed, [at('2026-05-01T11:59:00Z'), at('2026-05-01T11:58:00Z'), at('2026-05-01T11:57:00Z')]);
  });

  it('a newest tick older than the starting deadline is missed too, not run', () => {
    const hourly = { match: (t: number) => t % 3_600_000 === 0, stepMs: 60_000 };
    const due = dueTicks({ schedule: hourly, lastScheduledAt: at('2026-05-01T10:30:00Z'), now: at('2026-05-01T12:20:00Z'), startingDeadlineSeconds: 600 });
    assert.equal(due.run, undefined);
    assert.deepEqual(due.missed, [at('2026-05-01T12:00:00Z'), at('2026-05-01T11:00:00Z')]);
  });

  it('without a starting deadline the newest tick runs whatever its age', () => {
    const hourly = { match: (t: number) => t % 3_600_000 === 0, stepMs: 60_000 };
    const due = dueTicks({ schedule: hourly, lastScheduledAt: at('2026-05-01T10:30:00Z'), now: at('2026-05-01T12:50:00Z'), startingDeadlineSeconds: undefined });
    assert.equal(due.run, at('2026-05-01T12:00:00Z'));
  });

  it('property: at most one run, never a tick at or before the last one handled, never in the future', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 7200 }), fc.integer({ min: 1, max: 7200 }), fc.option(fc.integer({ min: 1, max: 3600 }), { nil: undefined }), fc.integer({ min: 1, max: 30 }), (down, since, deadline, every) => {
        const schedule = { match: (t: number) => (t / 1000) % every === 0, stepMs: 1000 };
        const last = at('2026-05-01T00:00:00Z') + since * 1000;
        const nowAt = last + down * 1000 + 400;
        const due = dueTicks({ schedule, lastScheduledAt: last, now: nowAt, startingDeadlineSeconds: deadline, maxMissed: 1000 });
        for (const t of [...(due.run === undefined ? [] : [due.run]), ...due.missed]) {
          assert.ok(t > last && t <= nowAt, 'inside (last, now]');
          assert.ok(schedule.match(t));
        }
        if (due.run !== undefined) assert.ok(due.missed.every((m) => m < (due.run as number)), 'the run is the newest tick');
        assert.ok(due.lastScheduledAt >= last);
      }),
      { numRuns: 300 },
    );
  });
});
