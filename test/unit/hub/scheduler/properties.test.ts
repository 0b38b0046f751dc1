import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { HOSTNAME_LABEL, type PodSpecInput } from '../../../../protocol/src/index.js';
import { scheduleAll } from '../../../../hub/src/scheduler/index.js';
import { compileLabelSelector } from '../../../../hub/src/scheduler/selectors.js';
import type { Decision, PlacedPod, SchedulerNode, Snapshot } from '../../../../hub/src/scheduler/types.js';
import { Mi, node, pod } from './fixtures.js';

const APPS = ['a', 'b', 'c'];
const ZONES = ['z1', 'z2', 'z3'];

const nodesArb = (max: number) =>
  fc.array(
    fc.record({
      cpu: fc.integer({ min: 0, max: 4000 }),
      memoryMi: fc.integer({ min: 0, max: 4096 }),
      pids: fc.integer({ min: 0, max: 300 }),
      ready: fc.integer({ min: 0, max: 4 }).map((k) => k > 0),
      unschedulable: fc.boolean(),
      zone: fc.option(fc.constantFrom(...ZONES)),
      taint: fc.option(fc.constantFrom('NoSchedule', 'PreferNoSchedule', 'NoExecute') as fc.Arbitrary<'NoSchedule' | 'PreferNoSchedule' | 'NoExecute'>),
    }),
    { minLength: 1, maxLength: max },
  ).map((specs) =>
    specs.map(
      (s, i): SchedulerNode =>
        node(`n${i}`, {
          allocatable: { cpu: s.cpu, memory: s.memoryMi * Mi, pids: s.pids },
          ready: s.ready,
          unschedulable: s.unschedulable && i % 3 === 0,
          labels: s.zone === null ? {} : { zone: s.zone },
          taints: s.taint === null ? [] : [{ key: 'dedicated', effect: s.taint }],
        }),
    ),
  );

const requestsArb = fc.record({
  cpu: fc.option(fc.integer({ min: 1, max: 2000 })),
  memoryMi: fc.option(fc.integer({ min: 1, max: 2048 })),
  pids: fc.option(fc.integer({ min: 1, max: 150 })),
});

type Placement = {
  requests: { cpu: number | null; memoryMi: number | null; pids: number | null };
  app: string;
  anti: { key: string; topologyKey: string } | null;
  affinityTo: string | null;
  zoneSelector: string | null;
  preferZone: string | null;
  spread: 'DoNotSchedule' | 'ScheduleAnyway' | null;
  tolerates: boolean;
};

const placementArb: fc.Arbitrary<Placement> = fc.record({
  requests: requestsArb,
  app: fc.constantFrom(...APPS),
  anti: fc.option(fc.record({ key: fc.constantFrom(...APPS), topologyKey: fc.constantFrom(HOSTNAME_LABEL, 'zone') })),
  affinityTo: fc.option(fc.constantFrom(...APPS), { freq: 4 }),
  zoneSelector: fc.option(fc.constantFrom(...ZONES), { freq: 4 }),
  preferZone: fc.option(fc.constantFrom(...ZONES)),
  spread: fc.option(fc.constantFrom('DoNotSchedule', 'ScheduleAnyway') as fc.Arbitrary<'DoNotSchedule' | 'ScheduleAnyway'>),
  tolerates: fc.boolean(),
});

function toPod(p: Placement, k: number) {
  const requests: Record<string, string | number> = {};
  if (p.requests.cpu !== null) requests.cpu = `${p.requests.cpu}m`;
  if (p.requests.memoryMi !== null) requests.memory = `${p.requests.memoryMi}Mi`;
  const spec: Partial<PodSpecInput> = {
    ...(p.zoneSelector === null ? {} : { nodeSelector: { zone: p.zoneSelector } }),
    tolerations: p.tolerates ? [{ key: 'dedicated', operator: 'Exists' }] : [],
    topologySpreadConstraints:
      p.spread === null ? [] : [{ maxSkew: 1, topologyKey: 'zone', whenUnsatisfiable: p.spread, labelSelector: { matchLabels: { app: p.app } } }],
    affinity: {
      ...(p.preferZone === null
        ? {}
        : { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 10, preference: { matchExpressions: [{ key: 'zone', operator: 'In', values: [p.preferZone] }] } }] } }),
      ...(p.affinityTo === null ? {} : { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app: p.affinityTo } }, topologyKey: 'zone' }] } }),
      ...(p.anti === null ? {} : { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app: p.anti.key } }, topologyKey: p.anti.topologyKey }] } }),
    },
  };
  return pod(`p${k}`, { labels: { app: p.app }, requests, ...(p.requests.pids === null ? {} : { limits: { pids: p.requests.pids } }), spec });
}

const scenarioArb = (maxNodes: number, maxPods: number) =>
  fc.record({ nodes: nodesArb(maxNodes), pods: fc.array(placementArb, { maxLength: maxPods }).map((ps) => ps.map(toPod)) });

const empty = (nodes: SchedulerNode[]): Snapshot => ({ nodes, pods: [] });

test('scheduleAll never places pods beyond a node allocatable (property)', () => {
  fc.assert(
    fc.property(scenarioArb(6, 40), ({ nodes, pods }) => {
      const { snapshot } = scheduleAll(pods, empty(nodes));
      for (const n of nodes) {
        const on = snapshot.pods.filter((p) => p.nodeName === n.name);
        if (on.length > 0) assert.ok(n.ready && !n.unschedulable, `${n.name} got pods but is not schedulable`);
        for (const r of ['cpu', 'memory', 'pids'] as const) {
          const used = on.reduce((sum, p) => sum + p.requests[r], 0);
          assert.ok(used <= n.allocatable[r], `${n.name}: ${r} ${used} > ${n.allocatable[r]}`);
        }
      }
    }),
    { numRuns: 300 },
  );
});

function domainOf(nodes: readonly SchedulerNode[], name: string, key: string): string | undefined {
  return nodes.find((n) => n.name === name)?.labels[key];
}

test('scheduleAll never violates required anti-affinity, in either direction (property)', () => {
  fc.assert(
    fc.property(scenarioArb(6, 30), ({ nodes, pods }) => {
      const { snapshot } = scheduleAll(pods, empty(nodes));
      const placed: readonly PlacedPod[] = snapshot.pods;
      for (const p of placed) {
        for (const term of p.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []) {
          const domain = domainOf(nodes, p.nodeName, term.topologyKey);
          if (domain === undefined) continue;
          const selector = compileLabelSelector(term.labelSelector);
          for (const q of placed) {
            if (q === p || !selector.matches(q.labels)) continue;
            assert.notEqual(domainOf(nodes, q.nodeName, term.topologyKey), domain, `${q.name} matches ${p.name}'s anti-affinity in ${term.topologyKey}=${domain}`);
          }
        }
      }
    }),
    { numRuns: 300 },
  );
});

test('scheduleAll with hostname anti-affinity per app puts at most one pod of an app on a node (property)', () => {
  const appPods = fc.array(fc.constantFrom(...APPS), { maxLength: 40 }).map((apps) =>
    apps.map((app, k) => pod(`${app}-${k}`, { labels: { app }, spec: { affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app } }, topologyKey: HOSTNAME_LABEL }] } } } })),
  );
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 8 }), appPods, (count, pods) => {
      const nodes = Array.from({ length: count }, (_, i) => node(`n${i}`));
      const { decisions, snapshot } = scheduleAll(pods, empty(nodes));
      const seen = new Set(snapshot.pods.map((p) => `${p.nodeName}/${p.labels.app}`));
      assert.equal(seen.size, snapshot.pods.length);
      for (const app of APPS) {
        const wanted = pods.filter((p) => p.labels.app === app).length;
        assert.equal(snapshot.pods.filter((p) => p.labels.app === app).length, Math.min(wanted, count), 'every node that can take one does');
      }
      assert.equal(decisions.filter((d) => d.node === undefined).length, pods.length - snapshot.pods.length);
    }),
    { numRuns: 200 },
  );
});

const view = (decisions: Decision[]) => JSON.stringify(decisions);

test('scheduleAll is deterministic whatever the order of the snapshot nodes (property)', () => {
  const arb = scenarioArb(6, 15).chain((s) => fc.record({ scenario: fc.constant(s), order: fc.shuffledSubarray(s.nodes, { minLength: s.nodes.length }) }));
  fc.assert(
    fc.property(arb, ({ scenario, order }) => {
      const a = scheduleAll(scenario.pods, empty(scenario.nodes));
      const b = scheduleAll(scenario.pods, empty(order));
      assert.equal(view(a.decisions), view(b.decisions));
      assert.equal(view(scheduleAll(scenario.pods, empty(scenario.nodes)).decisions), view(a.decisions), 'same input, same output');
    }),
    { numRuns: 150 },
  );
});

test('scheduleAll chooses the feasible node with the highest total, first by name on ties (property)', () => {
  fc.assert(
    fc.property(scenarioArb(6, 15), ({ nodes, pods }) => {
      for (const d of scheduleAll(pods, empty(nodes)).decisions) {
        const feasible = d.verdicts.filter((v) => v.rejections.length === 0);
        assert.equal(feasible.every((v) => v.score !== undefined), true);
        assert.equal(d.verdicts.every((v) => v.rejections.length > 0 || v.score !== undefined), true);
        let best: string | undefined;
        let top = -Infinity;
        for (const v of feasible) {
          if ((v.score?.total ?? -Infinity) > top) {
            top = v.score?.total ?? -Infinity;
            best = v.node;
          }
          for (const s of Object.values(v.score?.scores ?? {})) assert.ok(s >= 0 && s <= 100, `score ${s} out of 0–100`);
        }
        assert.equal(d.node, best);
      }
    }),
    { numRuns: 200 },
  );
});
