import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { Socket, createServer } from 'node:net';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** Repository root, from this file's location (test/support/). */
export const ROOT = resolve(import.meta.dirname, '../..');
export const BIN = {
  hub: join(ROOT, 'dist/hub/src/main.js'),
  agent: join(ROOT, 'dist/agent/src/main.js'),
  cli: join(ROOT, 'dist/cli/src/main.js'),
};

/** A port that was free a moment ago on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

/** A temporary directory; `remove` first unmounts anything mounted below it (container root filesystems). */
export async function tempDir(prefix: string): Promise<{ path: string; remove: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), `corral-${prefix}-`));
  return {
    path,
    remove: async () => {
      await unmountBelow(path);
      await rm(path, { recursive: true, force: true });
    },
  };
}

async function unmountBelow(dir: string): Promise<void> {
  const mountinfo = await readFile('/proc/self/mountinfo', 'utf8').catch(() => '');
  const points = mountinfo
    .split('\n')
    .map((line) => line.split(' ')[4])
    .filter((p): p is string => p !== undefined && p.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);
  for (const point of points) {
    await new Promise<void>((done) => spawn('umount', ['-l', point], { stdio: 'ignore' }).once('exit', () => done()).once('error', () => done()));
  }
}

/** Polls `probe` until it returns a value other than undefined; fails after `timeoutMs` with the last error. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 15_000, intervalMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${(last as Error).message})` : ''}`);
}

/** A process started by a test; its output is kept for failure messages. */
export class Daemon {
  readonly output: string[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(
    readonly name: string,
    readonly proc: ChildProcess,
  ) {
    const keep = (chunk: Buffer) => {
      this.output.push(chunk.toString());
      if (this.output.length > 2000) this.output.shift();
    };
    proc.stdout?.on('data', keep);
    proc.stderr?.on('data', keep);
    this.exited = new Promise((r) => proc.once('exit', (code, signal) => r({ code, signal })));
  }

  get alive(): boolean {
    return this.proc.exitCode === null && this.proc.signalCode === null;
  }

  signal(signal: NodeJS.Signals): void {
    this.proc.kill(signal);
  }

  /** Sends `signal` and waits for the exit; SIGKILL after `graceMs`. */
  async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = 5000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (!this.alive) return this.exited;
    this.proc.kill(signal);
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), graceMs);
    const result = await this.exited;
    clearTimeout(timer);
    return result;
  }

  log(): string {
    return this.output.join('').slice(-4000);
  }
}

function start(name: string, command: string, args: string[]): Daemon {
  return new Daemon(name, spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, CORRAL_HUB: undefined } }));
}

/** Starts any command as a Daemon (output kept, no stdin, without `CORRAL_HUB`), e.g. under `nsenter` (test/e2e/harness). */
export function spawnDaemon(name: string, command: string, args: string[]): Daemon {
  return start(name, command, args);
}

export interface HubHandle {
  daemon: Daemon;
  api: string;
  brokerUrl: string;
  /** Secure hubs: `<dataDir>/pki/ca.pem`, the CA agents and clients pin. */
  caFile?: string;
}

export interface HubOptions {
  dataDir: string;
  /** External broker; otherwise the embedded one listens on a free port. */
  broker?: string;
  mqttPort?: number;
  httpPort?: number;
  graceSeconds?: number;
  /** Secure mode (no `--insecure`): TLS on the API and the embedded broker; `api` is https, `brokerUrl` mqtts. */
  secure?: true;
  /** Secure mode with an external mqtts:// broker: its CA file (`--broker-ca`). */
  brokerCa?: string;
}

/** Starts `corral-hub --insecure` (or, with `secure`, in secure mode) and waits for its API to answer. */
export async function startHub(options: HubOptions): Promise<HubHandle> {
  const httpPort = options.httpPort ?? (await freePort());
  const mqttPort = options.mqttPort ?? (await freePort());
  if (options.secure) return startSecureHub(options, httpPort, mqttPort);
  const args = [BIN.hub, '--insecure', '--data-dir', options.dataDir, '--http-listen', `127.0.0.1:${httpPort}`, '--log-level', 'debug'];
  if (options.broker) args.push('--broker', options.broker);
  else args.push('--mqtt-listen', `127.0.0.1:${mqttPort}`);
  if (options.graceSeconds !== undefined) args.push('--node-grace-seconds', String(options.graceSeconds));
  const daemon = start('hub', process.execPath, args);
  const api = `http://127.0.0.1:${httpPort}`;
  await waitFor(`hub API at ${api}\n${daemon.log()}`, async () => {
    if (!daemon.alive) throw new Error(`hub exited: ${daemon.log()}`);
    const res = await fetch(`${api}/healthz`);
    return res.ok ? true : undefined;
  });
  return { daemon, api, brokerUrl: options.broker ?? `mqtt://127.0.0.1:${mqttPort}` };
}

async function startSecureHub(options: HubOptions, httpPort: number, mqttPort: number): Promise<HubHandle> {
  const args = [BIN.hub, '--data-dir', options.dataDir, '--http-listen', `127.0.0.1:${httpPort}`, '--log-level', 'debug'];
  if (options.broker) args.push('--broker', options.broker);
  else args.push('--mqtt-listen', `127.0.0.1:${mqttPort}`);
  if (options.brokerCa) args.push('--broker-ca', options.brokerCa);
  if (options.graceSeconds !== undefined) args.push('--node-grace-seconds', String(options.graceSeconds));
  const daemon = start('hub', process.execPath, args);
  const api = `https://127.0.0.1:${httpPort}`;
  const caFile = join(options.dataDir, 'pki', 'ca.pem');
  await waitFor(`hub API at ${api}\n${daemon.log()}`, async () => {
    if (!daemon.alive) throw new Error(`hub exited: ${daemon.log()}`);
    const status = await httpsStatus(`${api}/healthz`, await readFile(caFile, 'utf8'));
    return status === 200 ? true : undefined;
  });
  return { daemon, api, brokerUrl: options.broker ?? `mqtts://127.0.0.1:${mqttPort}`, caFile };
}

/** The HTTP status of a GET over https trusting only `ca` (none: the system's CAs); rejects on a TLS or network error. */
export function httpsStatus(url: string, ca?: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolveStatus, reject) => {
    const req = httpsRequest(url, { method: 'GET', headers, ...(ca === undefined ? {} : { ca }), timeout: 5000 }, (res) => {
      res.resume();
      res.once('end', () => resolveStatus(res.statusCode ?? 0));
    });
    req.once('timeout', () => req.destroy(new Error(`no answer from ${url} within 5s`)));
    req.once('error', reject);
    req.end();
  });
}

export interface AgentOptions {
  dataDir: string;
  hub: string;
  nodeName: string;
  labels?: string;
  heartbeatSeconds?: number;
  keepaliveSeconds?: number;
  /** Further flags, e.g. `--pods-dir`. */
  extraArgs?: string[];
  /** Secure mode (no `--insecure`): the hub's CA file; `hub` is then an mqtts:// URL. */
  ca?: string;
  mqttUsername?: string;
  mqttPassword?: string;
}

export function startAgent(options: AgentOptions): Daemon {
  const mode = options.ca === undefined ? ['--insecure'] : ['--ca', options.ca];
  const args = [BIN.agent, ...mode, '--data-dir', options.dataDir, '--hub', options.hub, '--node-name', options.nodeName, '--log-level', 'debug'];
  if (options.mqttUsername !== undefined) args.push('--mqtt-username', options.mqttUsername);
  if (options.mqttPassword !== undefined) args.push('--mqtt-password', options.mqttPassword);
  if (options.labels) args.push('--labels', options.labels);
  if (options.heartbeatSeconds !== undefined) args.push('--heartbeat-seconds', String(options.heartbeatSeconds));
  if (options.keepaliveSeconds !== undefined) args.push('--keepalive-seconds', String(options.keepaliveSeconds));
  // Each agent gets its own runtime state and static pods dir, never the host's /run/corral or /etc/corral.
  if (!options.extraArgs?.includes('--runtime-state-dir')) args.push('--runtime-state-dir', `${options.dataDir}/run`);
  if (!options.extraArgs?.includes('--pods-dir')) args.push('--pods-dir', `${options.dataDir}/pods.d`);
  args.push(...(options.extraArgs ?? []));
  return start(`agent ${options.nodeName}`, process.execPath, args);
}

/** A real Mosquitto (Debian's package) on 127.0.0.1, no persistence, anonymous access. */
export async function startMosquitto(dir: string): Promise<{ daemon: Daemon; url: string }> {
  const port = await freePort();
  const conf = join(dir, 'mosquitto.conf');
  await writeFile(conf, [`listener ${port} 127.0.0.1`, 'allow_anonymous true', 'persistence false', 'log_dest stderr', 'log_type error', 'log_type warning', ''].join('\n'));
  const daemon = start('mosquitto', 'mosquitto', ['-c', conf]);
  const url = `mqtt://127.0.0.1:${port}`;
  await waitFor(`mosquitto on port ${port}`, async () => {
    if (!daemon.alive) throw new Error(`mosquitto exited: ${daemon.log()}`);
    return (await canConnect(port)) ? true : undefined;
  });
  return { daemon, url };
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((r) => {
    const socket = new Socket();
    socket.once('connect', () => {
      socket.destroy();
      r(true);
    });
    socket.once('error', () => r(false));
    socket.connect(port, '127.0.0.1');
  });
}

/** Runs the built `corral` CLI against a hub; never rejects, so failures can be asserted. */
export async function runCli(hubApi: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN.cli, '--hub', hubApi, ...args], (error, stdout, stderr) => {
      const code = error ? (typeof (error as { code?: unknown }).code === 'number' ? ((error as { code: number }).code) : 1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}
