import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LastRuns, runHistory } from '../../../../hub/src/cronjobs/index.js';
import type { RunRecord } from '../../../../protocol/src/index.js';

const MIN = 60_000;
let seq = 0;
const runEvent = (node: string, minute: number, status: RunRecord['status'], job = 'backup') => ({
  type: 'CronRun' as const,
  seq: ++seq,
  node,
  run: { job, jobUid: 'u1', run: `${job}-${minute * 60}`, scheduledAt: minute * MIN, ...(status === 'Missed' ? {} : { startedAt: minute * MIN + 1000, finishedAt: minute * MIN + 5000 }), status, exitCode: status === 'Succeeded' ? 0 : 1 },
});
const limits = { job: 'backup', successfulRunsHistoryLimit: 3, failedRunsHistoryLimit: 1 };
const ids = (runs: Array<{ node: string; run: string }>) => runs.map((r) => `${r.node}/${r.run}`);

describe('runHistory', () => {
  it('keeps per node the newest successfulRunsHistoryLimit Succeeded and failedRunsHistoryLimit failed runs, newest first', () => {
    const events = [
      runEvent('n1', 1, 'Succeeded'),
      runEvent('n1', 2, 'Failed'),
      runEvent('n1', 3, 'Succeeded'),
      runEvent('n1', 4, 'Succeeded'),
      runEvent('n1', 5, 'DeadlineExceeded'),
      runEvent('n1', 6, 'Succeeded'),
      runEvent('n2', 1, 'Succeeded'),
      runEvent('n2', 2, 'Failed'),
    ];
    assert.deepEqual(ids(runHistory(events, limits)), ['n1/backup-360', 'n1/backup-300', 'n1/backup-240', 'n1/backup-180', 'n2/backup-120', 'n2/backup-60']);
  });

  it('counts Missed with the failed runs, ignores other jobs and other event types, and applies limit last', () => {
    const events = [runEvent('n1', 1, 'Missed'), runEvent('n1', 2, 'Failed'), runEvent('n1', 3, 'Succeeded', 'other'), { type: 'ContainerExited' as const, seq: 99, node: 'n1' }, runEvent('n1', 4, 'Succeeded')];
    assert.deepEqual(ids(runHistory(events, limits)), ['n1/backup-240', 'n1/backup-120']);
    assert.deepEqual(ids(runHistory(events, { ...limits, failedRunsHistoryLimit: 2 })), ['n1/backup-240', 'n1/backup-120', 'n1/backup-60']);
    assert.deepEqual(ids(runHistory(events, { ...limits, failedRunsHistoryLimit: 0, limit: 1 })), ['n1/backup-240']);
  });

  it('orders by scheduled time whatever the order events arrived in, and counts a repeated run once', () => {
    const late = runEvent('n1', 1, 'Succeeded');
    const events = [runEvent('n1', 3, 'Succeeded'), late, { ...late, seq: ++seq }, runEvent('n1', 2, 'Succeeded')];
    assert.deepEqual(ids(runHistory(events, limits)), ['n1/backup-180', 'n1/backup-120', 'n1/backup-60']);
  });
});

describe('LastRuns', () => {
  it('keeps the newest run of each job per node, without its log', () => {
    const last = new LastRuns();
    const withLog = runEvent('n1', 5, 'Failed');
    last.record('n1', [runEvent('n1', 3, 'Succeeded'), { ...withLog, run: { ...withLog.run, logTail: ['boom'] } }, runEvent('n1', 4, 'Succeeded')]);
    last.record('n2', [runEvent('n2', 7, 'Succeeded'), runEvent('n2', 1, 'Succeeded', 'other')]);
    assert.deepEqual([...last.of('backup').entries()].map(([node, r]) => [node, r.run, r.status, 'logTail' in r]), [['n1', 'backup-300', 'Failed', false], ['n2', 'backup-420', 'Succeeded', false]]);
    assert.equal(last.latest('backup')?.node, 'n2');
    assert.equal(last.latest('nothing'), undefined);
  });
});
