import assert from 'node:assert/strict';
import { afterEach, describe, it, mock } from 'node:test';
import { nextRunAt } from '../../../../hub/src/cronjobs/index.js';

describe('nextRunAt', () => {
  afterEach(() => mock.timers.reset());
  const at = (iso: string) => {
    mock.timers.reset();
    mock.timers.enable({ apis: ['Date'], now: Date.parse(iso) });
  };

  it('computes the next run in the job\'s time zone, across a daylight-saving change', () => {
    // 03:00 in New York: EST (UTC-5) before 2024-03-10, EDT (UTC-4) after.
    at('2024-03-09T12:00:00Z');
    assert.equal(nextRunAt({ schedule: '0 3 * * *', timeZone: 'America/New_York', suspend: false })?.toISOString(), '2024-03-10T07:00:00.000Z');
    at('2024-03-10T12:00:00Z');
    assert.equal(nextRunAt({ schedule: '0 3 * * *', timeZone: 'America/New_York', suspend: false })?.toISOString(), '2024-03-11T07:00:00.000Z');
  });

  it('gives the same wall-clock time a different instant in another zone, and honours 6-field schedules', () => {
    at('2024-06-01T12:00:00Z');
    assert.equal(nextRunAt({ schedule: '30 18 * * *', timeZone: 'Europe/Berlin', suspend: false })?.toISOString(), '2024-06-01T16:30:00.000Z');
    assert.equal(nextRunAt({ schedule: '30 18 * * *', timeZone: 'Asia/Tokyo', suspend: false })?.toISOString(), '2024-06-02T09:30:00.000Z');
    assert.equal(nextRunAt({ schedule: '*/15 * * * * *', timeZone: 'UTC', suspend: false })?.toISOString(), '2024-06-01T12:00:15.000Z');
  });

  it('is null for a suspended job', () => {
    assert.equal(nextRunAt({ schedule: '* * * * *', suspend: true }), null);
  });
});
