import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { nodeTopic } from '../../protocol/src/index.js';
import { createApi } from './api/server.js';
import { openBrokerAccess } from './broker/broker-access.js';
import { EmbeddedBroker } from './broker/embedded.js';
import { HubBus } from './bus.js';
import { CommandClient } from './command-client.js';
import type { HubConfig } from './config.js';
import { CronJobController, type CronJobRecord, CronJobStore, LastRuns } from './cronjobs/index.js';
import { EventLog } from './events/event-log.js';
import { dispatch } from './inbox.js';
import { DesiredPublisher, type NodeDesiredRecord, type PodRecord, PodStore } from './pods/index.js';
import type { NodeRecord } from './registry/node-record.js';
import { NodeRegistry } from './registry/node-registry.js';
import type { SchedulerConfig } from './scheduler/types.js';
import { ApiTokens, type ApiTokenRecord, ensureBootstrapAdmin } from './security/api-tokens.js';
import { BootstrapTokens, type BootstrapTokenRecord } from './security/bootstrap-tokens.js';
import { loadSigningKey } from './security/signing-key.js';
import { type HubTransport, INSECURE, busSecurity, dialUrl, serverTls } from './security/transport.js';
import { HubStats } from './stats.js';
import { LevelStore } from './store/level-store.js';
import { type DaemonSetRecord, type DeploymentRecord, type ScheduleFn, WorkloadController, WorkloadStore } from './workloads/index.js';

/** What the composition root hands the hub besides its config: the scheduler and, for tests, a clock. */
export interface HubDeps {
  schedule: ScheduleFn;
  schedulerConfig: SchedulerConfig;
  now?: () => number;
  /** TLS for the broker and the API and the hub's broker login (secure mode); absent: plain, as with `--insecure`. */
  transport?: HubTransport;
}

export interface HubEndpoints {
  brokerUrl: string;
  apiUrl: string;
}

/** The control plane assembled from its parts; `main.ts` owns process concerns (flags, signals). */
export class Hub {
  private sweepTimer: NodeJS.Timeout | undefined;

  private constructor(
    private readonly parts: {
      store: LevelStore;
      broker: EmbeddedBroker | undefined;
      bus: HubBus;
      api: FastifyInstance;
      registry: NodeRegistry;
      commands: CommandClient;
      pods: PodStore;
      desired: DesiredPublisher;
      workloads: WorkloadStore;
      controller: WorkloadController;
      cronJobs: CronJobStore;
      cronJobController: CronJobController;
      apiTokens: ApiTokens | undefined;
      log: Logger;
    },
    readonly endpoints: HubEndpoints,
  ) {}

  static async start(config: HubConfig, log: Logger, deps: HubDeps): Promise<Hub> {
    const now = deps.now ?? Date.now;
    const store = await LevelStore.open(config.dataDir);
    const stats = new HubStats();
    const registry = new NodeRegistry(store.collection<NodeRecord>('nodes'), { graceMs: config.nodeGraceSeconds * 1000, lostMs: config.nodeLostSeconds * 1000, now, log });
    await registry.load();

    const transport = deps.transport ?? INSECURE;
    const tls = serverTls(transport);
    // Node broker passwords (hashes); in secure mode the embedded broker checks every CONNECT, PUBLISH and SUBSCRIBE.
    const { credentials: nodeCredentials, auth: brokerAuth } = await openBrokerAccess(store, { dataDir: config.dataDir, hubIdentity: transport.secure ? transport.mqttIdentity : undefined, onDenied: (code) => stats.countDropped(code), now, log });
    const broker = config.broker ? undefined : await EmbeddedBroker.start({ ...config.mqttListen, log, tls, auth: brokerAuth });
    const brokerUrl = config.broker ?? (broker as EmbeddedBroker).url;

    let bus: HubBus | undefined;
    const commands = new CommandClient((topic, payload) => (bus as HubBus).publish(topic, payload, { qos: 1 }), now);
    const signingKey = await loadSigningKey(config.dataDir);
    if (signingKey.created) log.info({ publicKey: `${config.dataDir}/signing.pub.pem` }, 'desired-state signing key created: devices pin its public half (--hub-public-key)');
    const desired = new DesiredPublisher({ publish: (topic, payload, options) => (bus as HubBus).publish(topic, payload, options), signingKey: signingKey.privateKey, log });
    const pods = new PodStore({
      pods: store.collection<PodRecord>('pods'),
      generations: store.collection<NodeDesiredRecord>('desired-generations'),
      desired,
      isNode: (name) => registry.get(name) !== undefined,
      now,
      log,
    });
    await pods.load();
    const workloads = new WorkloadStore({ deployments: store.collection<DeploymentRecord>('deployments'), daemonSets: store.collection<DaemonSetRecord>('daemonsets'), now, log });
    await workloads.load();
    const controller = new WorkloadController({ workloads, pods, nodes: registry, schedule: deps.schedule, schedulerConfig: deps.schedulerConfig, now, log });
    const cronJobs = new CronJobStore({ cronJobs: store.collection<CronJobRecord>('cronjobs'), now, log });
    await cronJobs.load();
    const cronJobController = new CronJobController({ cronJobs, pods, nodes: registry, schedule: deps.schedule, schedulerConfig: deps.schedulerConfig, now, log });
    const events = new EventLog(store, { now, log });
    await events.load();
    const lastRuns = new LastRuns();
    for (const node of events.nodes()) lastRuns.record(node, await events.list({ node, type: 'CronRun', limit: 10_000 }));
    events.onStored((node, stored) => lastRuns.record(node, stored));
    const publish = (topic: string, payload: Uint8Array, options: { qos: 0 | 1 }) => (bus as HubBus).publish(topic, payload, options);
    const context = { registry, commands, pods, stats, events, publish, log };
    bus = new HubBus({
      url: transport.secure ? dialUrl(brokerUrl) : brokerUrl,
      security: busSecurity(transport),
      log,
      onMessage: (topic, payload) => void dispatch(context, topic, payload),
      onReconnect: () => void pods.republishAll(),
    });
    await bus.start();
    // Retained messages may be gone (the embedded broker keeps them in memory only): every node's state again.
    await pods.republishAll();

    // Secure mode: API bearer tokens, and an admin token for the first login on a new hub.
    const apiTokens = config.insecure ? undefined : new ApiTokens(store.collection<ApiTokenRecord>('api-tokens'), { now, log });
    if (apiTokens) await apiTokens.load().then(() => ensureBootstrapAdmin(apiTokens, { dataDir: config.dataDir, log }));
    const nodeCredentialRoutes = {
      credentials: nodeCredentials,
      log,
      disconnect: (name: string) => brokerAuth?.disconnectNode(name) ?? 0,
      drain: async (name: string) => (await controller.drain(name))?.evict.map((step) => step.pod) ?? [],
      clearStatus: (name: string) => (bus as HubBus).publish(nodeTopic(name, 'status'), new Uint8Array(), { qos: 1, retain: true }),
    };
    // Enrollment: a bootstrap token redeemed once for the node's broker login (docs/security.md, Enrollment).
    const bootstrapTokens = new BootstrapTokens(store.collection<BootstrapTokenRecord>('bootstrap-tokens'), { now, log });
    await bootstrapTokens.load();
    const enrollment = { tokens: bootstrapTokens, credentials: nodeCredentials, brokerUrl, advertiseRequestHost: !config.broker, caPem: transport.secure ? transport.brokerCa : undefined, hubPublicKeyPem: signingKey.publicKeyPem, now, log };
    const api = createApi({ registry, stats, commands, pods, events, startedAt: now(), now, workloads: { store: workloads, controller }, cronJobs: { store: cronJobs, controller: cronJobController, lastRuns }, signingKeyPem: signingKey.publicKeyPem, https: tls, nodeCredentials: nodeCredentialRoutes, enrollment, ...(apiTokens ? { auth: apiTokens } : {}) });
    await api.listen({ host: config.httpListen.host, port: config.httpListen.port });
    const address = api.server.address();
    const port = typeof address === 'object' && address ? address.port : config.httpListen.port;
    const host = config.httpListen.host.includes(':') ? `[${config.httpListen.host}]` : config.httpListen.host;

    const hub = new Hub({ store, broker, bus, api, registry, commands, pods, desired, workloads, controller, cronJobs, cronJobController, apiTokens, log }, { brokerUrl, apiUrl: `${tls ? 'https' : 'http'}://${host}:${port}` });
    // After the republish: controllers act on the stored state (nodes count as NotReady until heard from).
    controller.start();
    cronJobController.start();
    // Check often enough that a silent node is NotReady within about a second after its grace ends.
    const period = Math.min(1000, config.nodeGraceSeconds * 250);
    hub.sweepTimer = setInterval(() => void registry.sweep(), period);
    return hub;
  }

  async stop(): Promise<void> {
    const { api, bus, broker, registry, commands, pods, desired, workloads, controller, cronJobs, cronJobController, apiTokens, store } = this.parts;
    clearInterval(this.sweepTimer);
    commands.cancelAll();
    await api.close();
    await controller.stop();
    await cronJobController.stop();
    await workloads.flush();
    await cronJobs.flush();
    await pods.flush();
    await desired.flush({ timeoutMs: 2000 });
    await bus.stop();
    await broker?.stop();
    await registry.flush();
    await apiTokens?.flush();
    await store.close();
  }
}
