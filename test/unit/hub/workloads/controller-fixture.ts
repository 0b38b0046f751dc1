import { randomUUID } from 'node:crypto';
import { DaemonSetSpec, DeploymentSpec, type StatusMessage } from '../../../../protocol/src/index.js';
import { type NodeDesiredRecord, type PodRecord, PodStore } from '../../../../hub/src/pods/index.js';
import type { NodeRecord } from '../../../../hub/src/registry/node-record.js';
import { NodeRegistry } from '../../../../hub/src/registry/node-registry.js';
import { MemoryCollection } from '../../../../hub/src/store/memory-collection.js';
import { type DaemonSetRecord, type DeploymentRecord, type ScheduleFn, WorkloadController, WorkloadStore } from '../../../../hub/src/workloads/index.js';
import { offlineStatus, onlineStatus, silentLog } from '../fixtures.js';
import { RecordingSink } from '../pods/fixtures.js';
import { T0, schedulerConfig, standInSchedule, template } from './fixtures.js';

/**
 * The controllers over real stores on in-memory collections, a real registry, a recording
 * desired-state sink and a fake clock; passes run on changes only (no tick) and the test
 * waits for them with `settle()`.
 */
export class ControllerFixture {
  readonly clock = { now: T0 };
  readonly sink = new RecordingSink();
  readonly registry: NodeRegistry;
  readonly pods: PodStore;
  readonly workloads: WorkloadStore;
  readonly controller: WorkloadController;
  private readonly uids = new Map<string, string>();
  private random = 0;

  constructor(schedule: ScheduleFn = standInSchedule) {
    const now = () => this.clock.now;
    this.registry = new NodeRegistry(new MemoryCollection<NodeRecord>(), { graceMs: 15_000, now, log: silentLog });
    this.pods = new PodStore({
      pods: new MemoryCollection<PodRecord>(),
      generations: new MemoryCollection<NodeDesiredRecord>(),
      desired: this.sink,
      isNode: (name) => this.registry.get(name) !== undefined,
      now,
      log: silentLog,
    });
    this.workloads = new WorkloadStore({ deployments: new MemoryCollection<DeploymentRecord>(), daemonSets: new MemoryCollection<DaemonSetRecord>(), now, log: silentLog });
    // Deterministic names: a counter walked through the alphabet.
    const random = () => {
      this.random = (this.random + 0.137) % 1;
      return this.random;
    };
    this.controller = new WorkloadController({ workloads: this.workloads, pods: this.pods, nodes: this.registry, schedule, schedulerConfig, now, random, log: silentLog });
    this.controller.start({ tickMs: 0 });
  }

  async settle(): Promise<void> {
    for (let i = 0; i < 3; i++) {
      await this.controller.settled();
      await this.pods.flush();
      await this.workloads.flush();
      await this.registry.flush();
    }
    await this.controller.settled();
  }

  async join(name: string, labels: Record<string, string> = {}, overrides: Partial<Extract<StatusMessage, { online: true }>> = {}): Promise<void> {
    const uid = this.uids.get(name) ?? randomUUID();
    this.uids.set(name, uid);
    await this.registry.onStatus(name, onlineStatus({ uid, labels, session: 1_000_001 + this.clock.now - T0, ...overrides }));
    await this.settle();
  }

  async disconnect(name: string): Promise<void> {
    await this.registry.onStatus(name, offlineStatus('connection-lost', 1_000_001 + this.clock.now - T0, this.uids.get(name)));
    await this.settle();
  }

  /** Advances the fake clock and runs a pass, as the tick would. */
  async advance(ms: number): Promise<void> {
    this.clock.now += ms;
    this.controller.kick();
    await this.settle();
  }

  async applyDeployment(name: string, spec: Record<string, unknown>, labels: Record<string, string> = { app: name }, extra: Record<string, unknown> = {}): Promise<void> {
    await this.workloads.apply({ kind: 'Deployment', name, labels: {}, spec: DeploymentSpec.parse({ template: template(labels, extra), ...spec }) });
    await this.settle();
  }

  async applyDaemonSet(name: string, extra: Record<string, unknown> = {}, spec: Record<string, unknown> = {}): Promise<void> {
    await this.workloads.apply({ kind: 'DaemonSet', name, labels: {}, spec: DaemonSetSpec.parse({ template: template({ app: name }, extra), ...spec }) });
    await this.settle();
  }

  /** The node reports every pod of its last desired state Running and ready, as an agent would once they start. */
  async reportReady(node: string): Promise<void> {
    const desired = this.sink.last(node);
    if (!desired) return;
    const pods = desired.message.pods.map((p) => ({
      name: p.name,
      uid: p.uid,
      phase: 'Running' as const,
      containerStatuses: p.spec.containers.map((c) => ({ name: c.name, image: c.image, ready: true, restartCount: 0, state: { running: { startedAt: this.clock.now } } })),
    }));
    this.registry.onState(node, { v: 1, ts: this.clock.now, observedGeneration: desired.generation, pods });
    await this.settle();
  }

  /** Nodes report their pods ready until the pods stop changing (at most `rounds` times). */
  async converge(nodes: string[], rounds = 30): Promise<void> {
    let before = '';
    for (let i = 0; i < rounds; i++) {
      for (const node of nodes) await this.reportReady(node);
      const now = JSON.stringify(this.pods.list().map((p) => [p.name, p.nodeName]));
      if (now === before) return;
      before = now;
    }
  }

  /** Pod names in the node's last published desired state. */
  desiredOn(node: string): string[] {
    return this.sink.last(node)?.message.pods.map((p) => p.name) ?? [];
  }

  podsOf(workload: string): PodRecord[] {
    return this.pods.list().filter((p) => p.owner?.name === workload);
  }

  async stop(): Promise<void> {
    await this.controller.stop();
  }
}
