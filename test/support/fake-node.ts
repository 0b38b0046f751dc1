import mqtt, { type MqttClient } from 'mqtt';
import {
  type CommandMessage,
  type DesiredMessage,
  type HeartbeatMessage,
  PROTOCOL_VERSION,
  type ReplyMessage,
  type StateMessage,
  type StatusMessage,
  decodeMessage,
  encodeMessage,
  nodeTopic,
  openDesired,
} from '../../protocol/src/index.js';

/** What a fake node answers to a command: a result, or an error with the agent's code. */
export type FakeAnswer = { ok: true; result: unknown } | { ok: false; error: { code: string; message: string } } | undefined;

/** What a fake node announces besides its name: labels and allocatable resources. */
export interface FakeNodeOptions {
  labels?: Record<string, string>;
  allocatable?: { cpu: number; memory: number; pids: number };
  /** Publish a heartbeat this often (ms), as an agent does; none when absent. */
  heartbeatMs?: number;
}

/** A valid online status, shaped like a real agent's (test/unit/hub/fixtures.ts has the same for unit tests). */
export function onlineStatus(uid: string, session = 1_000_001, options: FakeNodeOptions = {}): StatusMessage {
  return {
    v: PROTOCOL_VERSION,
    ts: Date.now(),
    uid,
    session,
    online: true,
    info: {
      architecture: 'arm64',
      os: 'linux',
      osImage: 'Debian GNU/Linux 13 (trixie)',
      kernel: '6.12.0-rpi',
      cgroupVersion: 'v2',
      runtime: { name: 'crun', version: '1.21' },
      agentVersion: '0.0.0-fake',
      hostname: 'fake',
    },
    labels: options.labels ?? { fake: 'true' },
    capacity: { cpu: 4000, memory: 4 * 2 ** 30, pids: 32768 },
    allocatable: options.allocatable ?? { cpu: 3900, memory: 4 * 2 ** 30 - 128 * 2 ** 20, pids: 32768 },
  };
}

/**
 * An MQTT client standing in for an agent: it announces node `name` online
 * (retained, again on every reconnect), records the desired states it receives,
 * and answers commands with `answer` (no answer when it returns undefined).
 */
export class FakeNode {
  readonly desired: DesiredMessage[] = [];
  readonly commands: CommandMessage[] = [];
  answer: (command: CommandMessage) => FakeAnswer = () => undefined;
  private heartbeat: NodeJS.Timeout | undefined;

  private constructor(
    readonly name: string,
    private readonly client: MqttClient,
  ) {}

  static async start(brokerUrl: string, name: string, uid: string, options: FakeNodeOptions = {}): Promise<FakeNode> {
    const client = await mqtt.connectAsync(brokerUrl, { clientId: `fake-${name}`, protocolVersion: 4, clean: true, reconnectPeriod: 200 });
    const node = new FakeNode(name, client);
    const announce = () => client.publishAsync(nodeTopic(name, 'status'), Buffer.from(encodeMessage('status', onlineStatus(uid, 1_000_001, options))), { qos: 1, retain: true });
    // connectAsync resolved on the first connect; this listener sees reconnects (a restarted embedded broker forgot the status).
    client.on('connect', () => void announce().catch(() => {}));
    client.on('message', (topic, payload) => node.receive(topic, payload));
    await client.subscribeAsync([nodeTopic(name, 'desired'), nodeTopic(name, 'cmd')], { qos: 1 });
    await announce();
    if (options.heartbeatMs !== undefined) {
      let seq = 0;
      const beat = () => {
        const message: HeartbeatMessage = { v: PROTOCOL_VERSION, ts: Date.now(), seq: seq++, node: { cpu: 100, memory: 2 ** 28, memoryAvailable: 2 ** 30 }, agent: { cpu: 5, memory: 2 ** 25, messagesDropped: 0 }, pods: [] };
        if (client.connected) client.publish(nodeTopic(name, 'heartbeat'), Buffer.from(encodeMessage('heartbeat', message)), { qos: 0 });
      };
      node.heartbeat = setInterval(beat, options.heartbeatMs);
    }
    return node;
  }

  /** The newest desired state received, if any. */
  get lastDesired(): DesiredMessage | undefined {
    return this.desired.at(-1);
  }

  async publishState(state: Omit<StateMessage, 'v' | 'ts'>): Promise<void> {
    await this.client.publishAsync(nodeTopic(this.name, 'state'), Buffer.from(encodeMessage('state', { v: PROTOCOL_VERSION, ts: Date.now(), ...state })), { qos: 1 });
  }

  /** Stops heartbeats only: the node goes quiet (NotReady after the hub's grace) while its connection stays up. */
  silence(): void {
    clearInterval(this.heartbeat);
  }

  async stop(): Promise<void> {
    clearInterval(this.heartbeat);
    await this.client.endAsync(true);
  }

  private receive(topic: string, payload: Buffer): void {
    if (topic === nodeTopic(this.name, 'desired')) {
      // Signatures are not checked here (no key pinned): test/integration/signed-desired.test.ts does.
      const opened = openDesired(payload, { node: this.name });
      if (opened.ok) this.desired.push(opened.value.message);
      return;
    }
    const decoded = decodeMessage('cmd', payload);
    if (!decoded.ok) return;
    const command = decoded.value;
    this.commands.push(command);
    const answer = this.answer(command);
    if (!answer) return;
    const reply = { v: PROTOCOL_VERSION, id: command.id, ts: Date.now(), ...answer } as ReplyMessage;
    this.client.publish(nodeTopic(this.name, 'reply'), Buffer.from(encodeMessage('reply', reply)), { qos: 1 });
  }
}

/**
 * The retained desired state of `node` as a fresh subscriber sees it, or
 * undefined when none arrives within `waitMs` (callers poll with `waitFor`).
 */
export async function retainedDesired(brokerUrl: string, node: string, waitMs = 500): Promise<{ message: DesiredMessage; retain: boolean } | undefined> {
  const client = await mqtt.connectAsync(brokerUrl, { clientId: `peek-${node}-${process.pid}-${Math.random().toString(36).slice(2)}`, protocolVersion: 4, reconnectPeriod: 0 });
  try {
    const received = new Promise<{ payload: Buffer; retain: boolean } | undefined>((resolve) => {
      const timer = setTimeout(() => resolve(undefined), waitMs);
      client.once('message', (_topic, payload, packet) => {
        clearTimeout(timer);
        resolve({ payload, retain: packet.retain });
      });
    });
    await client.subscribeAsync(nodeTopic(node, 'desired'), { qos: 1 });
    const got = await received;
    if (!got) return undefined;
    const opened = openDesired(got.payload, { node });
    if (!opened.ok) throw opened.error;
    return { message: opened.value.message, retain: got.retain };
  } finally {
    await client.endAsync(true);
  }
}
