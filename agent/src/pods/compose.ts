import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { AgentConfig } from '../config.js';
import { OciImageStore } from '../images/index.js';
import { CniPodNetwork, hostPodNetworkDeps } from '../network/index.js';
import type { NodeFacts } from '../node-info.js';
import type { Outbox } from '../outbox/outbox.js';
import { Prober } from '../probes/prober.js';
import { Reconciler } from '../reconcile/driver.js';
import type { DesiredPod } from '../reconcile/model.js';
import { RecordBook } from '../reconcile/record-book.js';
import { RuncRuntime, needsUnifiedCgroupHidden } from '../runtime/index.js';
import type { AgentStore } from '../state/store.js';
import { CronRunner } from '../cron/cron-runner.js';
import type { PodStatus } from '../../../protocol/src/index.js';
import { tailLines } from './pod-logs.js';
import { PodManager } from './pod-manager.js';
import { RealPodOperations } from './pod-operations.js';

/** Unused images are removed while the data dir's filesystem has less free space than this. */
const IMAGE_GC_FREE_BELOW = 1024 ** 3;

export interface PodStackOptions {
  config: AgentConfig;
  facts: NodeFacts;
  store: AgentStore;
  log: Logger;
  staticPods: DesiredPod[];
  onStatus: () => void;
  /** The durable event outbox: container exits go in with the records they change. */
  outbox: Outbox;
}

/** Builds the pod stack (images, OCI runtime, pod network, reconciler) for the agent's composition root. */
export async function createPodManager(options: PodStackOptions): Promise<PodManager> {
  const { config, facts, store, log } = options;
  const binary = facts.info.runtime.name === 'none' ? 'runc' : facts.info.runtime.name;
  if (facts.info.runtime.name === 'none') log.error('no OCI runtime (runc or crun) found: pods will fail to start');
  const unified = await readFile('/sys/fs/cgroup/unified/cgroup.controllers', 'utf8').catch(() => undefined);
  const runtime = new RuncRuntime({ binary, stateDir: join(config.runtimeStateDir, binary), hideUnifiedCgroup: needsUnifiedCgroupHidden(binary, unified) });
  const network = CniPodNetwork.create({ dataDir: config.dataDir, bridge: config.podBridge, subnet: config.podSubnet }, hostPodNetworkDeps());
  if (!network.ok) throw network.error;
  const opened = await OciImageStore.open({ dataDir: config.dataDir, insecureRegistries: config.insecureRegistries });
  if (!opened.ok) throw opened.error;
  const images = opened.value;
  const ops = new RealPodOperations({
    dataDir: config.dataDir,
    images,
    runtime,
    network: network.value,
    platform: { os: facts.info.os, architecture: facts.info.architecture, ...(facts.info.variant ? { variant: facts.info.variant } : {}) },
    cgroupVersion: facts.info.cgroupVersion,
    hostPathAllow: config.hostPathAllow,
    registryAuth: config.registryAuth,
    log,
  });
  const { outbox } = options;
  const records = new RecordBook(await store.loadPodRecords(), {
    save: async (uid, r, events) => {
      await outbox.append(events, [{ sublevel: 'pods', type: 'put', key: uid, value: r }]);
    },
    forget: (uid) => store.forgetPod(uid),
  });
  const emit = async (events: Parameters<Outbox['append']>[0]) => {
    await outbox.append(events);
  };
  let manager: PodManager | undefined;
  const cron = await CronRunner.open({
    store,
    outbox,
    now: Date.now,
    log,
    logTail: async (pod) => {
      const first = pod.spec.containers[0];
      return first ? (await tailLines(ops.layout.logFile(pod.uid, first.name), { tail: 20 })).lines : [];
    },
    onPodsChanged: () => manager?.refresh(),
  });
  const onStatus = (statuses: PodStatus[]) => {
    options.onStatus();
    void cron.observe(statuses);
  };
  const reconciler = new Reconciler({ ops, records, now: Date.now, log, onStatus, resyncMs: 3000, emit });
  const prober = new Prober({
    pods: () => reconciler.pods(),
    exec: (id, argv, timeoutMs) => ops.exec(id, argv, timeoutMs),
    restart: async (pod, container) => {
      await emit([{ type: 'ProbeFailed', priority: 'high', pod: pod.name, podUid: pod.uid, container: container.name, reason: 'Liveness', message: 'liveness probe failed; restarting the container' }]).catch(
        (error: unknown) => log.warn({ err: error }, 'probe event not recorded'),
      );
      await ops.restartForLiveness(pod.uid, container, pod.spec.terminationGracePeriodSeconds * 1000);
      reconciler.trigger();
    },
    now: Date.now,
    log,
  });
  manager = new PodManager({ store, reconciler, layout: ops.layout, staticPods: options.staticPods, log, prober, cron, sampleCgroups: (pods) => ops.podCgroupSamples(pods),
    onFence: (event) =>
      void emit([{
        type: event.fenced ? 'PodFenced' : 'PodUnfenced',
        priority: 'high',
        pod: event.pod,
        podUid: event.uid,
        reason: event.fenced ? 'OfflineFenced' : 'HubReachable',
        message: event.fenced ? `no contact with the hub for ${event.offlineSeconds}s: stopped (offline.stopAfterSeconds)` : 'the hub is reachable again',
      }]).catch((error: unknown) => log.warn({ err: error }, 'fence event not recorded')),
    gcImages: async (inUse) => {
      const report = await images.gc({ inUse, minFreeBytes: IMAGE_GC_FREE_BELOW });
      if (report.ok && report.value.removed.length > 0) log.info({ removed: report.value.removed, freeBytes: report.value.freeBytesAfter }, 'unused images removed');
      if (!report.ok) log.warn({ code: report.error.code }, `image gc: ${report.error.message}`);
    },
  });
  return manager;
}
