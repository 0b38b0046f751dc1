import { type NodeObject, NodeList, NodeObject as NodeSchema } from '../../../protocol/src/index.js';
import { BIN, type Daemon, spawnDaemon } from '../../support/daemons.js';
import { type ApiRequest, type ApiResponse, startApiForwarder, unixRequest } from './api-forwarder.js';
import { type CommandResult, inNetns, runCommand } from './exec.js';
import { waitReady } from './readiness.js';

/** The hub's ports inside its own namespace; fixed, since nothing else listens there. */
export const HUB_HTTP_PORT = 8080;
export const HUB_MQTT_PORT = 1883;

export interface HubHostOptions {
  ns: string;
  ip: string;
  dataDir: string;
  /** Unix socket of the API forwarder (see api-forwarder.ts). */
  apiSocket: string;
  /** External broker URL; the embedded broker listens on `ip:1883` otherwise. */
  broker?: string;
  /** Further hub flags, e.g. `--node-grace-seconds 3`. */
  extraArgs?: string[];
}

/** What the harness reads of a pod from `GET /api/v1/pods`. */
export interface ApiPod {
  metadata: { name: string; uid: string; labels: Record<string, string> };
  spec: { nodeName?: string };
  status: { phase: string; containerStatuses?: Array<{ containerID?: string; restartCount: number }> };
}

/** The hub daemon in its host namespace, with its API reached through the forwarder and its CLI run inside the namespace. */
export class HubHost {
  daemon: Daemon | undefined;
  private forwarder: Daemon | undefined;

  constructor(readonly options: HubHostOptions) {}

  /** `http://<ip>:8080`, the API as seen from inside the cluster's LAN. */
  get url(): string {
    return `http://${this.options.ip}:${HUB_HTTP_PORT}`;
  }

  /** The MQTT URL agents use: the external broker, or the hub's embedded one. */
  get brokerUrl(): string {
    return this.options.broker ?? `mqtt://${this.options.ip}:${HUB_MQTT_PORT}`;
  }

  get args(): string[] {
    const { dataDir, ip, broker, extraArgs } = this.options;
    const args = [BIN.hub, '--insecure', '--data-dir', dataDir, '--http-listen', `${ip}:${HUB_HTTP_PORT}`, '--log-level', 'debug'];
    if (broker) args.push('--broker', broker);
    else args.push('--mqtt-listen', `${ip}:${HUB_MQTT_PORT}`);
    return [...args, ...(extraArgs ?? [])];
  }

  /** Starts the hub (and, the first time, the API forwarder) and waits for `/healthz`. */
  async start(): Promise<Daemon> {
    if (this.daemon?.alive) throw new Error('hub already running');
    this.forwarder ??= startApiForwarder({ ns: this.options.ns, socketPath: this.options.apiSocket, host: this.options.ip, port: HUB_HTTP_PORT });
    const [program, argv] = inNetns(this.options.ns, process.execPath, this.args);
    const daemon = spawnDaemon('hub', program, argv);
    this.daemon = daemon;
    const forwarder = this.forwarder;
    await waitReady(daemon, `hub API ${this.url}`, async () => {
      if (!forwarder.alive) throw new Error(`API forwarder exited: ${forwarder.log()}`);
      return (await this.api('/healthz')).status === 200;
    });
    return daemon;
  }

  /** Stops the hub (SIGTERM, SIGKILL after `graceMs`); the forwarder stays. */
  async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = 5000): Promise<void> {
    await this.daemon?.stop(signal, graceMs);
  }

  /** Stops the hub and the forwarder. */
  async stopAll(graceMs = 5000): Promise<void> {
    await this.stop('SIGTERM', graceMs);
    await this.forwarder?.stop('SIGTERM', 1000);
  }

  /** An API request, e.g. `api('/api/v1/pods')`; rejects when the hub cannot be reached. */
  api<T = unknown>(path: string, init?: ApiRequest): Promise<ApiResponse<T>> {
    return unixRequest<T>(this.options.apiSocket, path, init);
  }

  /** Runs the `corral` CLI inside the hub's namespace against this hub; never rejects. */
  cli(args: readonly string[], options: { stdin?: string } = {}): Promise<CommandResult> {
    const [program, argv] = inNetns(this.options.ns, process.execPath, [BIN.cli, '--hub', this.url, ...args]);
    return runCommand(program, argv, options.stdin === undefined ? {} : { input: options.stdin });
  }

  async nodes(): Promise<NodeObject[]> {
    const { status, body } = await this.api('/api/v1/nodes');
    if (status !== 200) throw new Error(`GET /api/v1/nodes: ${status} ${JSON.stringify(body)}`);
    return NodeList.parse(body).items;
  }

  /** The node, or undefined while the hub does not know it. */
  async node(name: string): Promise<NodeObject | undefined> {
    const { status, body } = await this.api(`/api/v1/nodes/${encodeURIComponent(name)}`);
    if (status === 404) return undefined;
    if (status !== 200) throw new Error(`GET /api/v1/nodes/${name}: ${status} ${JSON.stringify(body)}`);
    return NodeSchema.parse(body);
  }

  async pods(): Promise<ApiPod[]> {
    const { status, body } = await this.api<{ items: ApiPod[] }>('/api/v1/pods');
    if (status !== 200) throw new Error(`GET /api/v1/pods: ${status} ${JSON.stringify(body)}`);
    return body.items;
  }
}
