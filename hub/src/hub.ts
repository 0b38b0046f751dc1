import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { createApi } from './api/server.js';
import { EmbeddedBroker } from './broker/embedded.js';
import { HubBus } from './bus.js';
import { CommandClient } from './command-client.js';
import type { HubConfig } from './config.js';
import { dispatch } from './inbox.js';
import type { NodeRecord } from './registry/node-record.js';
import { NodeRegistry } from './registry/node-registry.js';
import { HubStats } from './stats.js';
import { LevelStore } from './store/level-store.js';

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
      log: Logger;
    },
    readonly endpoints: HubEndpoints,
  ) {}

  static async start(config: HubConfig, log: Logger, now: () => number = Date.now): Promise<Hub> {
    const store = await LevelStore.open(config.dataDir);
    const stats = new HubStats();
    const registry = new NodeRegistry(store.collection<NodeRecord>('nodes'), { graceMs: config.nodeGraceSeconds * 1000, now, log });
    await registry.load();

    const broker = config.broker ? undefined : await EmbeddedBroker.start({ ...config.mqttListen, log });
    const brokerUrl = config.broker ?? (broker as EmbeddedBroker).url;

    let bus: HubBus | undefined;
    const commands = new CommandClient((topic, payload) => (bus as HubBus).publish(topic, payload, { qos: 1 }), now);
    const context = { registry, commands, stats, log };
    bus = new HubBus({ url: brokerUrl, log, onMessage: (topic, payload) => void dispatch(context, topic, payload) });
    await bus.start();

    const api = createApi({ registry, stats, commands, startedAt: now(), now });
    await api.listen({ host: config.httpListen.host, port: config.httpListen.port });
    const address = api.server.address();
    const port = typeof address === 'object' && address ? address.port : config.httpListen.port;
    const host = config.httpListen.host.includes(':') ? `[${config.httpListen.host}]` : config.httpListen.host;

    const hub = new Hub({ store, broker, bus, api, registry, commands, log }, { brokerUrl, apiUrl: `http://${host}:${port}` });
    // Check often enough that a silent node is NotReady within about a second after its grace ends.
    const period = Math.min(1000, config.nodeGraceSeconds * 250);
    hub.sweepTimer = setInterval(() => void registry.sweep(), period);
    return hub;
  }

  async stop(): Promise<void> {
    const { api, bus, broker, registry, commands, store } = this.parts;
    clearInterval(this.sweepTimer);
    commands.cancelAll();
    await api.close();
    await bus.stop();
    await broker?.stop();
    await registry.flush();
    await store.close();
  }
}
