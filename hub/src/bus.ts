import mqtt, { type MqttClient } from 'mqtt';
import type { Logger } from 'pino';

export interface HubBusOptions {
  url: string;
  log: Logger;
  onMessage: (topic: string, payload: Uint8Array) => void;
  /** Called after every reconnect (not the first connect): the broker may have lost its retained messages. */
  onReconnect?: () => void;
  /** Secure mode: the broker's CA pinned as the only trust anchor (absent: the system's CAs) and the hub's login. */
  security?: { ca?: string; username: string; password: string } | undefined;
}

/**
 * The hub's own MQTT client. It talks to the embedded broker exactly as it
 * would to Mosquitto or any other MQTT 3.1.1 broker: one code path for both.
 */
export class HubBus {
  private client: MqttClient | undefined;

  constructor(private readonly options: HubBusOptions) {}

  /** Connects and subscribes to everything under `corral/` (any version), so stray topics are seen and counted. */
  async start(): Promise<void> {
    const { url, log } = this.options;
    const client = mqtt.connect(url, {
      clientId: `corral-hub-${process.pid}`,
      protocolVersion: 4,
      clean: true,
      keepalive: 20,
      reconnectPeriod: 1000,
      connectTimeout: 10_000,
      queueQoSZero: false,
      ...securityOptions(this.options.security),
    });
    this.client = client;
    client.on('message', (topic, payload) => this.options.onMessage(topic, payload));
    client.on('error', (error) => log.debug({ err: error }, 'hub mqtt error'));
    client.on('close', () => log.debug('hub mqtt connection closed'));
    let connects = 0;
    client.on('connect', () => {
      // No Nagle: a publish after an ACK would otherwise wait ~40 ms for the broker's delayed ACK.
      (client.stream as { setNoDelay?: (on: boolean) => void } | undefined)?.setNoDelay?.(true);
      log.info({ url }, 'hub connected to broker');
      connects += 1;
      if (connects > 1) this.options.onReconnect?.();
    });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`broker ${url} did not accept a connection within 10s`)), 10_000);
      client.once('connect', () => {
        clearTimeout(timer);
        resolve();
      });
    });
    await client.subscribeAsync('corral/#', { qos: 1 });
  }

  async publish(topic: string, payload: Uint8Array, options: { qos: 0 | 1; retain?: boolean }): Promise<void> {
    if (!this.client) throw new Error('hub bus not started');
    await this.client.publishAsync(topic, Buffer.from(payload), { qos: options.qos, retain: options.retain ?? false });
  }

  async stop(): Promise<void> {
    const client = this.client;
    if (!client) return;
    await Promise.race([client.endAsync(), new Promise((r) => setTimeout(r, 2000).unref())]);
    client.end(true);
  }
}

function securityOptions(security: HubBusOptions['security']) {
  if (!security) return {};
  return { ...(security.ca === undefined ? {} : { ca: security.ca }), rejectUnauthorized: true, username: security.username, password: security.password };
}
