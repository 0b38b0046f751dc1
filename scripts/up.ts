#!/usr/bin/env node
/**
 * `make up`: a hub with its embedded broker and one local agent in the
 * foreground. Both run in their own process groups so that Ctrl-C reaches
 * only this script, which then stops the agent first (it says goodbye), then the hub.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';

const root = resolve(import.meta.dirname, '../..');
const httpListen = process.env.CORRAL_UP_HTTP ?? '127.0.0.1:8080';
const mqttListen = process.env.CORRAL_UP_MQTT ?? '127.0.0.1:1883';
const dataDir = process.env.CORRAL_UP_DATA ?? '.data';
const api = `http://${httpListen}`;
const nodeName = (hostname().split('.')[0] ?? 'local').toLowerCase().replace(/[^a-z0-9-]/g, '-').replace(/^-+|-+$/g, '') || 'local';

const levels: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO ', 40: 'WARN ', 50: 'ERROR', 60: 'FATAL' };

/** Renders the daemons' JSON log lines for a terminal: time, source, level, message, fields. */
function pretty(source: string, line: string): string {
  try {
    const { level, time, msg, pid: _p, name: _n, hostname: _h, ...fields } = JSON.parse(line) as Record<string, unknown>;
    const extra = Object.entries(fields)
      .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
      .join(' ');
    const at = new Date(Number(time)).toISOString().slice(11, 19);
    return `${at} ${source.padEnd(5)} ${levels[Number(level)] ?? level} ${msg}${extra ? `  ${extra}` : ''}`;
  } catch {
    return `${source.padEnd(5)} ${line}`;
  }
}

function launch(source: string, script: string, args: string[]): ChildProcess {
  const child = spawn(process.execPath, [resolve(root, script), ...args], { cwd: root, detached: true, stdio: ['ignore', 'inherit', 'pipe'] });
  createInterface({ input: child.stderr! }).on('line', (line) => process.stdout.write(`${pretty(source, line)}\n`));
  return child;
}

async function poll(what: string, probe: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await probe().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${what} did not come up within ${timeoutMs / 1000}s`);
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((done) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(timer);
      done();
    });
    child.kill('SIGTERM');
  });
}

const hub = launch('hub', 'dist/hub/src/main.js', ['--insecure', '--data-dir', `${dataDir}/hub`, '--mqtt-listen', mqttListen, '--http-listen', httpListen]);
let agent: ChildProcess | undefined;
let stopping = false;

async function shutdown(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    process.stdout.write('\nstopping agent and hub…\n');
    if (agent) await stop(agent);
    await stop(hub);
  }
  process.exit(code);
}

process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));
hub.once('exit', (code) => {
  if (!stopping) {
    process.stderr.write(`hub exited (code ${code}); is ${httpListen} or ${mqttListen} in use? Set CORRAL_UP_HTTP / CORRAL_UP_MQTT.\n`);
    void shutdown(1);
  }
});

try {
  await poll('hub API', async () => (await fetch(`${api}/healthz`)).ok, 20_000);
  agent = launch('agent', 'dist/agent/src/main.js', ['--insecure', '--data-dir', `${dataDir}/agent`, '--hub', `mqtt://${mqttListen}`, '--node-name', nodeName]);
  agent.once('exit', (code) => {
    if (!stopping) {
      process.stderr.write(`agent exited (code ${code})\n`);
      void shutdown(1);
    }
  });
  await poll(`node ${nodeName} Ready`, async () => {
    const res = await fetch(`${api}/api/v1/nodes/${nodeName}`);
    return res.ok && ((await res.json()) as { status: { phase: string } }).status.phase === 'Ready';
  }, 20_000);
} catch (error) {
  process.stderr.write(`error: ${(error as Error).message}\n`);
  await shutdown(1);
}

process.stdout.write(`
  Corral is up — INSECURE local mode: plain MQTT and HTTP, no TLS, no authentication.
    API     ${api}
    Broker  mqtt://${mqttListen} (embedded)
    Node    ${nodeName} (local agent, state in ${dataDir}/agent)

  In another terminal:
    ./bin/corral get nodes
    ./bin/corral get nodes -o json
    ./bin/corral describe node ${nodeName}

  Ctrl-C stops the agent and the hub.

`);
