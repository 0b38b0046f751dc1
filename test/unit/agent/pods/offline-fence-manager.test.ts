import assert from 'node:assert/strict';
import { type TestContext, test } from 'node:test';
import type { Logger } from 'pino';
import { type DesiredMessage, PodSpec, type PodStatus, toWirePodSpec } from '../../../../protocol/src/index.js';
import { DESIRED_WAIT_MS } from '../../../../agent/src/pods/offline-fence.js';
import type { PodLayout } from '../../../../agent/src/pods/pod-layout.js';
import { type FenceEvent, PodManager } from '../../../../agent/src/pods/pod-manager.js';
import type { Reconciler } from '../../../../agent/src/reconcile/driver.js';
import type { DesiredPod } from '../../../../agent/src/reconcile/model.js';
import type { AgentStore, StoredDesired } from '../../../../agent/src/state/store.js';

function pod(name: string, stopAfterSeconds?: number): DesiredPod {
  const spec = PodSpec.parse({ containers: [{ name: 'main', image: 'busybox' }], ...(stopAfterSeconds !== undefined ? { offline: { stopAfterSeconds } } : {}) });
  return { uid: `uid-${name}`, name, spec };
}

const leader = pod('leader', 3);
const web = pod('web');
const sensor = pod('sensor', 1); // a static pod: never fenced

/** A PodManager over fakes, with a monotonic clock the test moves together with the mocked timers. */
async function harness(t: TestContext) {
  t.mock.timers.enable({ apis: ['setTimeout', 'setInterval'] });
  let clock = 0;
  let stored: StoredDesired = { generation: 4, pods: [leader, web] };
  let running: DesiredPod[] = [];
  const logs: Array<{ level: string; msg: string }> = [];
  const events: FenceEvent[] = [];
  const log = Object.fromEntries(['debug', 'info', 'warn', 'error'].map((level) => [level, (_: unknown, msg: string) => logs.push({ level, msg })])) as unknown as Logger;
  const reconciler = {
    setDesired: (pods: DesiredPod[]) => {
      // A suspended (fenced) pod is kept by the reconciler but does not run.
      running = pods.filter((p) => !p.suspended);
    },
    start: () => {},
    stop: async () => {},
    statuses: (): PodStatus[] => running.map((p) => ({ name: p.name, uid: p.uid, phase: 'Running', containerStatuses: [] })),
  } as unknown as Reconciler;
  const store = {
    loadDesired: async () => stored,
    saveDesired: async (d: StoredDesired) => {
      stored = d;
    },
  } as unknown as AgentStore;
  const manager = new PodManager({ store, reconciler, layout: { podDir: () => '/nonexistent/corral-test' } as unknown as PodLayout, staticPods: [sensor], log, onFence: (e) => events.push(e), monotonicNow: () => clock });
  await manager.start();
  t.after(() => manager.stop());
  return {
    manager,
    events,
    logs,
    running: () => running.map((p) => p.name).sort(),
    advance(ms: number) {
      clock += ms;
      t.mock.timers.tick(ms);
    },
    desired(generation: number, pods: DesiredPod[]): DesiredMessage {
      return { v: 1, node: 'pi-1', ts: 1, generation, cronJobs: [], pods: pods.map((p) => ({ uid: p.uid, name: p.name, labels: {}, spec: PodSpec.parse(toWirePodSpec(p.spec)) })) };
    },
  };
}

/** Connected at 0 (the hub's desired state came), the hub gone at 1 s with the last packet 0.5 s before. */
async function partitioned(t: TestContext) {
  const h = await harness(t);
  h.manager.linkChanged({ connected: true, sinceContactMs: 0 });
  assert.equal(await h.manager.applyDesired(h.desired(4, [leader, web])), 'unchanged');
  h.advance(1_000);
  h.manager.linkChanged({ connected: false, sinceContactMs: 500 });
  return h;
}

test('PodManager stops a fenced pod, reports it Pending OfflineFenced, and keeps the others', async (t) => {
  const h = await partitioned(t);
  assert.deepEqual(h.running(), ['leader', 'sensor', 'web']);
  h.advance(2_499);
  assert.deepEqual(h.running(), ['leader', 'sensor', 'web'], 'not before stopAfterSeconds since the last packet');
  h.advance(1);
  assert.deepEqual(h.running(), ['sensor', 'web']);
  assert.deepEqual(h.events, [{ pod: 'leader', uid: 'uid-leader', fenced: true, offlineSeconds: 3 }]);
  assert.ok(h.logs.some((l) => l.level === 'warn' && /fenced/.test(l.msg)));
  h.advance(4_000);
  const status = h.manager.statuses().find((s) => s.name === 'leader');
  assert.equal(status?.phase, 'Pending');
  assert.deepEqual(status?.containerStatuses[0]?.state, { waiting: { reason: 'OfflineFenced', message: 'no contact with the hub for 7s' } });
  assert.equal(status?.containerStatuses[0]?.ready, false);
  assert.deepEqual(h.manager.statuses().map((s) => s.name).sort(), ['leader', 'sensor', 'web']);
});

test('PodManager runs a fenced pod again when the desired state after the reconnect still has it', async (t) => {
  const h = await partitioned(t);
  h.advance(10_000);
  h.manager.linkChanged({ connected: true, sinceContactMs: 0 });
  h.advance(100);
  assert.deepEqual(h.running(), ['sensor', 'web'], 'still fenced until the hub says what runs here');
  assert.equal(await h.manager.applyDesired(h.desired(4, [leader, web])), 'unchanged');
  assert.deepEqual(h.running(), ['leader', 'sensor', 'web']);
  assert.deepEqual(h.events.at(-1), { pod: 'leader', uid: 'uid-leader', fenced: false, offlineSeconds: 10 });
  assert.ok(h.logs.some((l) => l.level === 'info' && /fence lifted: desired state received/.test(l.msg)));
  assert.equal(h.manager.statuses().find((s) => s.name === 'leader')?.phase, 'Running');
});

test('PodManager does not run a fenced pod the hub moved away meanwhile', async (t) => {
  const h = await partitioned(t);
  h.advance(40_000);
  h.manager.linkChanged({ connected: true, sinceContactMs: 0 });
  assert.equal(await h.manager.applyDesired(h.desired(5, [web])), 'applied');
  assert.deepEqual(h.running(), ['sensor', 'web']);
  assert.deepEqual(h.events.map((e) => e.fenced), [true, false]);
  assert.deepEqual(h.manager.statuses().map((s) => s.name).sort(), ['sensor', 'web']);
});

test('PodManager lifts the fence after the wait when no desired state comes after the reconnect', async (t) => {
  const h = await partitioned(t);
  h.advance(5_000);
  h.manager.linkChanged({ connected: true, sinceContactMs: 0 });
  h.advance(DESIRED_WAIT_MS - 1);
  assert.deepEqual(h.running(), ['sensor', 'web']);
  h.advance(1);
  assert.deepEqual(h.running(), ['leader', 'sensor', 'web']);
});

test('PodManager never fences static pods nor fences while connected', async (t) => {
  const h = await harness(t);
  h.manager.linkChanged({ connected: true, sinceContactMs: 0 });
  h.advance(3_600_000);
  assert.deepEqual(h.running(), ['leader', 'sensor', 'web']);
  h.manager.linkChanged({ connected: false, sinceContactMs: 0 });
  h.advance(60_000);
  assert.deepEqual(h.running(), ['sensor', 'web']);
  assert.deepEqual(h.events.map((e) => e.pod), ['leader']);
});

test('PodManager counts its start as the last contact when the hub is never reached', async (t) => {
  const h = await harness(t);
  h.advance(2_999);
  assert.deepEqual(h.running(), ['leader', 'sensor', 'web']);
  h.advance(1);
  assert.deepEqual(h.running(), ['sensor', 'web']);
});
