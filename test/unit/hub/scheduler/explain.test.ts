import assert from 'node:assert/strict';
import { test } from 'node:test';
import { explainDecision, schedule } from '../../../../hub/src/scheduler/index.js';
import { rejectionText } from '../../../../hub/src/scheduler/explain.js';
import type { Decision } from '../../../../hub/src/scheduler/types.js';
import { antiAffinity, Mi, node, placed, pod, snapshot } from './fixtures.js';

test('explainDecision lists the chosen node, the other fitting nodes by score, then each rejection', () => {
  const web1 = pod('web-1', { labels: { app: 'web' } });
  const s = snapshot(
    [node('pi-1'), node('pi-2', { allocatable: { cpu: 1000, memory: 128 * Mi, pids: 100 } }), node('pi-3'), node('pi-4', { ready: false })],
    [placed(web1, 'pi-3'), placed(pod('big', { requests: { memory: '96Mi' } }), 'pi-2')],
  );
  const d = schedule(pod('web-2', { labels: { app: 'web' }, requests: { memory: '64Mi' }, spec: antiAffinity('app', 'web') }), s);
  assert.deepEqual(explainDecision(d), [
    'pod web-2: scheduled on pi-1 (1 of 4 nodes fit; rejected by 1 NodeReady, 1 NodeResourcesFit, 1 PodAntiAffinity)',
    `pi-1: score ${Math.round(d.verdicts[0]?.score?.total ?? 0)} (resources ${Math.round(d.verdicts[0]?.score?.scores.resources ?? 0)}) (chosen)`,
    'pi-2: rejected: Insufficient memory: requested 64Mi, used 96Mi of 128Mi',
    'pi-3: rejected: PodAntiAffinity: pod web-1 with app=web already in corral.io/hostname=pi-3',
    'pi-4: rejected: NodeReady: node is NotReady',
  ]);
});

test('explainDecision says when no node fits', () => {
  const d = schedule(pod('p', { requests: { cpu: '2' } }), snapshot([node('a'), node('b', { unschedulable: true })]));
  assert.deepEqual(explainDecision(d), [
    'pod p: no node fits (0 of 2 nodes; rejected by 2 NodeResourcesFit, 1 NodeUnschedulable)',
    'a: rejected: Insufficient cpu: requested 2, used 0 of 1',
    'b: rejected: NodeUnschedulable: node is cordoned',
    'b: rejected: Insufficient cpu: requested 2, used 0 of 1',
  ]);
});

test('explainDecision orders fitting nodes by total, then name, and rounds scores', () => {
  const d: Decision = {
    pod: 'p',
    node: 'b',
    verdicts: [
      { node: 'a', rejections: [], score: { scores: { resources: 40.4, nodeAffinity: 0 }, total: 40.4 } },
      { node: 'b', rejections: [], score: { scores: { resources: 74.2, nodeAffinity: 100 }, total: 274.2 } },
      { node: 'c', rejections: [], score: { scores: { resources: 40.4, nodeAffinity: 0 }, total: 40.4 } },
    ],
  };
  assert.deepEqual(explainDecision(d).slice(1), ['b: score 274 (resources 74, nodeAffinity 100) (chosen)', 'a: score 40 (resources 40, nodeAffinity 0)', 'c: score 40 (resources 40, nodeAffinity 0)']);
});

test('rejectionText words every rejection', () => {
  const taint = { key: 'dedicated', value: 'gpu', effect: 'NoSchedule' } as const;
  assert.deepEqual(
    [
      rejectionText({ filter: 'NodeSelector', key: 'site', wanted: 'berlin', actual: undefined }),
      rejectionText({ filter: 'NodeSelector', key: 'site', wanted: 'berlin', actual: 'paris' }),
      rejectionText({ filter: 'NodeAffinity', term: 0, requirement: 'zone in (a,b)' }),
      rejectionText({ filter: 'ImagePlatform', architecture: 'arm/v6', offered: ['arm64', 'amd64'] }),
      rejectionText({ filter: 'TaintToleration', taint }),
      rejectionText({ filter: 'PodAffinity', topologyKey: 'site', selector: 'app=db', domain: 'paris' }),
      rejectionText({ filter: 'PodAffinity', topologyKey: 'site', selector: 'app=db', missingLabel: true }),
      rejectionText({ filter: 'PodAntiAffinity', topologyKey: 'site', selector: 'app=web', conflictingPod: 'db-1', domain: 'paris', symmetric: true }),
      rejectionText({ filter: 'PodTopologySpread', topologyKey: 'zone', skew: 2, maxSkew: 1, domain: 'z1' }),
      rejectionText({ filter: 'PodTopologySpread', topologyKey: 'zone', skew: 0, maxSkew: 1, missingLabel: true }),
      rejectionText({ filter: 'NodeResourcesFit', resource: 'pids', requested: 10, used: 95, capacity: 100 }),
    ],
    [
      'NodeSelector: wants site=berlin, node has no label site',
      'NodeSelector: wants site=berlin, node has site=paris',
      'NodeAffinity: term 0 needs zone in (a,b)',
      'ImagePlatform: node is arm/v6, image offers arm64, amd64',
      'TaintToleration: taint dedicated=gpu:NoSchedule not tolerated',
      'PodAffinity: no pod with app=db in site=paris',
      'PodAffinity: node has no label site',
      'PodAntiAffinity: pod db-1 in site=paris keeps away pods with app=web',
      'PodTopologySpread: skew 2 in zone=z1 exceeds maxSkew 1',
      'PodTopologySpread: node has no label zone',
      'Insufficient pids: requested 10, used 95 of 100',
    ],
  );
});
