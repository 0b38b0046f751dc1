import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type CronJobNode, everyNodePlacement, nodeAssignments, planOneNode, planOneNodeJobs } from '../../../../hub/src/cronjobs/index.js';
import { buildSnapshot } from '../../../../hub/src/workloads/index.js';
import { nodeRecord, schedulerConfig, standInSchedule } from '../workloads/fixtures.js';
import { T0, cronJob } from './fixtures.js';

const labelled = (name: string, labels: Record<string, string> = {}, taints: CronJobNode['taints'] = []) => ({ name, labels: { ...labels, 'corral.io/hostname': name }, taints });

describe('everyNodePlacement', () => {
  it('picks every node matching nodeSelector, sorted by name', () => {
    const job = cronJob('backup', {}, { extra: { nodeSelector: { site: 'lab' } } });
    const nodes = [labelled('n3', { site: 'lab' }), labelled('n1', { site: 'lab' }), labelled('n2', { site: 'home' })];
    assert.deepEqual(everyNodePlacement(job, nodes), ['n1', 'n3']);
  });

  it('honours required node affinity and NoSchedule taints unless tolerated', () => {
    const affinity = { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'arch', operator: 'In', values: ['arm64'] }] }] } } } };
    const nodes = [labelled('a', { arch: 'arm64' }), labelled('b', { arch: 'amd64' }), labelled('c', { arch: 'arm64' }, [{ key: 'gpu', effect: 'NoSchedule' }])];
    assert.deepEqual(everyNodePlacement(cronJob('x', {}, { extra: affinity }), nodes), ['a']);
    const tolerant = cronJob('y', {}, { extra: { ...affinity, tolerations: [{ key: 'gpu', operator: 'Exists' }] } });
    assert.deepEqual(everyNodePlacement(tolerant, nodes), ['a', 'c']);
  });

  it('without placement fields takes every registered node', () => {
    assert.deepEqual(everyNodePlacement(cronJob('x'), [labelled('b'), labelled('a')]), ['a', 'b']);
  });
});

describe('planOneNode', () => {
  const world = (records: ReturnType<typeof nodeRecord>[]) => ({
    nodes: new Map<string, CronJobNode>(records.map((r) => [r.name, { ...labelled(r.name, r.labels), phase: r.phase, since: r.ready.transitionAt }])),
    snapshot: buildSnapshot(records, []),
    schedule: standInSchedule,
    config: schedulerConfig,
  });
  const oneNode = (node?: string, extra: Record<string, unknown> = {}) => cronJob('report', { placement: { mode: 'OneNode' } }, { ...(node === undefined ? {} : { node }), extra });

  it('places an unplaced job where the scheduler chooses, with the decision', () => {
    const plan = planOneNode(oneNode(), { ...world([nodeRecord('n1'), nodeRecord('n2', { phase: 'NotReady' })]), now: T0 });
    assert.equal(plan.node, 'n1');
    assert.equal(plan.reason, 'Unplaced');
    assert.deepEqual(plan.decision?.verdicts.map((v) => v.node), ['n1', 'n2']);
  });

  it('keeps its node while it is registered, matching and not lost — cordoned or briefly NotReady included', () => {
    const records = [nodeRecord('n1', { unschedulable: true }), nodeRecord('n2', { phase: 'NotReady', since: T0 })];
    assert.deepEqual(planOneNode(oneNode('n1'), { ...world(records), now: T0 + 60_000 }), { node: 'n1' });
    assert.deepEqual(planOneNode(oneNode('n2'), { ...world(records), now: T0 + 29_999 }), { node: 'n2' });
  });

  it('moves off a node NotReady for 30 s (the Deployments\' default reschedule) to a Ready one', () => {
    const records = [nodeRecord('n1', { phase: 'NotReady', since: T0 }), nodeRecord('n2')];
    const plan = planOneNode(oneNode('n1'), { ...world(records), now: T0 + 30_000 });
    assert.deepEqual([plan.node, plan.reason], ['n2', 'NodeLost']);
  });

  it('stays on a lost node when no other node fits, but leaves a gone or ineligible one', () => {
    const lost = [nodeRecord('n1', { phase: 'Lost', since: T0 })];
    assert.deepEqual([planOneNode(oneNode('n1'), { ...world(lost), now: T0 + 60_000 }).node], ['n1']);
    const gone = planOneNode(oneNode('n9'), { ...world([nodeRecord('n1', { phase: 'NotReady' })]), now: T0 });
    assert.deepEqual([gone.node, gone.reason], [undefined, 'NodeGone']);
    const selector = { nodeSelector: { site: 'lab' } };
    const relabelled = planOneNode(oneNode('n1', selector), { ...world([nodeRecord('n1', { labels: { site: 'home' } }), nodeRecord('n2', { labels: { site: 'lab' } })]), now: T0 });
    assert.deepEqual([relabelled.node, relabelled.reason], ['n2', 'NodeNotEligible']);
  });

  it('planOneNodeJobs counts placed jobs in the snapshot, so new jobs spread over nodes', () => {
    const jobs = [
      cronJob('a', { placement: { mode: 'OneNode' } }, { uid: 'ua', node: 'n1' }),
      cronJob('b', { placement: { mode: 'OneNode' } }, { uid: 'ub', createdAt: T0 + 1 }),
      cronJob('c', { placement: { mode: 'OneNode' } }, { uid: 'uc', createdAt: T0 + 2 }),
      cronJob('every', {}, { uid: 'ue' }),
    ];
    const plans = planOneNodeJobs(jobs, { ...world([nodeRecord('n1'), nodeRecord('n2'), nodeRecord('n3')]), now: T0 });
    assert.deepEqual([...plans.entries()].map(([uid, p]) => [uid, p.node]), [['ua', 'n1'], ['ub', 'n2'], ['uc', 'n3']]);
  });
});

describe('nodeAssignments', () => {
  it('turns each job\'s nodes around into each node\'s jobs, sorted by name', () => {
    const jobs = [cronJob('zeta'), cronJob('alpha')];
    const byNode = nodeAssignments(jobs, (job) => (job.name === 'zeta' ? ['n1', 'n2'] : ['n1']));
    assert.deepEqual([...byNode.entries()].map(([node, list]) => [node, list.map((j) => j.name)]).sort(), [['n1', ['alpha', 'zeta']], ['n2', ['zeta']]]);
  });
});
