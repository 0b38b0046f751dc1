import { randomBytes } from 'node:crypto';
import mqtt, { type MqttClient } from 'mqtt';
import { decodeMessage, nodeTopic } from '../../protocol/src/index.js';

/**
 * A bystander on the broker: subscribes to one node's `desired` and `state`
 * topics and notes (wall-clock ms) when each desired generation arrived and
 * when each pod was first reported Running — the moments the agent received
 * its work and reported it done, as seen from the broker's side.
 */
export class NodeWatch {
  private readonly desired = new Map<number, number>();
  private readonly running = new Map<string, number>();

  private constructor(private readonly client: MqttClient) {}

  static async start(brokerUrl: string, node: string): Promise<NodeWatch> {
    const client = await mqtt.connectAsync(brokerUrl, { clientId: `corral-bench-watch-${randomBytes(4).toString('hex')}`, clean: true, reconnectPeriod: 0 });
    const watch = new NodeWatch(client);
    const topics = { desired: nodeTopic(node, 'desired'), state: nodeTopic(node, 'state') };
    client.on('message', (topic, payload) => {
      const at = Date.now();
      if (topic === topics.desired) {
        const decoded = decodeMessage('desired', payload);
        if (decoded.ok && !watch.desired.has(decoded.value.generation)) watch.desired.set(decoded.value.generation, at);
      } else if (topic === topics.state) {
        const decoded = decodeMessage('state', payload);
        if (!decoded.ok) return;
        for (const pod of decoded.value.pods) if (pod.phase === 'Running' && !watch.running.has(pod.uid)) watch.running.set(pod.uid, at);
      }
    });
    // QoS 0: the broker sends without waiting for this subscriber's acknowledgements, so its
    // deliveries here are not held up behind our own PUBACKs.
    await client.subscribeAsync([topics.desired, topics.state], { qos: 0 });
    return watch;
  }

  /** When desired state `generation` reached this subscriber. */
  desiredAt(generation: number): number | undefined {
    return this.desired.get(generation);
  }

  /** When a state report first said pod `uid` is Running. */
  runningAt(uid: string): number | undefined {
    return this.running.get(uid);
  }

  async stop(): Promise<void> {
    await this.client.endAsync(true);
  }
}
