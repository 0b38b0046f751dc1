import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyCronJob } from '../../../../hub/src/cronjobs/index.js';
import { T0, cronJob, cronJobSpec } from './fixtures.js';

const newUid = () => 'new-uid';

test('applyCronJob creates at generation 1, leaves an identical job unchanged, bumps the generation for a new spec only', () => {
  const created = applyCronJob({ name: 'backup', labels: {}, spec: cronJobSpec() }, { prev: undefined, now: T0, newUid });
  assert.deepEqual([created.action, created.record.generation, created.record.uid, created.record.createdAt], ['created', 1, 'new-uid', T0]);
  assert.equal(applyCronJob({ name: 'backup', labels: {}, spec: cronJobSpec() }, { prev: created.record, now: T0, newUid }).action, 'unchanged');
  const labelled = applyCronJob({ name: 'backup', labels: { team: 'a' }, spec: cronJobSpec() }, { prev: created.record, now: T0, newUid });
  assert.deepEqual([labelled.action, labelled.record.generation], ['configured', 1]);
  const suspended = applyCronJob({ name: 'backup', labels: {}, spec: cronJobSpec({ suspend: true }) }, { prev: created.record, now: T0, newUid });
  assert.deepEqual([suspended.action, suspended.record.generation, suspended.record.uid], ['configured', 2, 'new-uid']);
});

test('applyCronJob keeps a OneNode job\'s placement across an update', () => {
  const prev = cronJob('report', { placement: { mode: 'OneNode' } }, { node: 'n2' });
  const updated = applyCronJob({ name: 'report', labels: {}, spec: cronJobSpec({ placement: { mode: 'OneNode' }, schedule: '0 * * * *' }) }, { prev, now: T0 + 5, newUid });
  assert.deepEqual(updated.record.placement, { node: 'n2', since: T0 });
});
