import { request } from 'node:http';
import { Socket } from 'node:net';
import type { Probe } from '../../../protocol/src/index.js';

export interface ProbeTarget {
  /** Where http and tcp probes connect: the pod IP, or 127.0.0.1 for a hostNetwork pod. */
  host: string;
  /** Runs a command in the container; resolves its exit code (rejects on timeout or failure). */
  exec: (argv: readonly string[], timeoutMs: number) => Promise<number>;
}

/** Runs one probe: exec exits 0, http answers 200–399, tcp accepts — each within `timeoutSeconds`. */
export async function runProbe(probe: Probe, target: ProbeTarget): Promise<boolean> {
  const timeoutMs = probe.timeoutSeconds * 1000;
  try {
    if (probe.exec) return (await target.exec(probe.exec.command, timeoutMs)) === 0;
    if (probe.httpGet) return await httpOk(probe.httpGet.host ?? target.host, probe.httpGet.port, probe.httpGet.path, timeoutMs);
    if (probe.tcpSocket) return await tcpOpen(probe.tcpSocket.host ?? target.host, probe.tcpSocket.port, timeoutMs);
  } catch {
    return false;
  }
  return false;
}

function httpOk(host: string, port: number, path: string, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ host, port, path, method: 'GET', timeout: timeoutMs, headers: { 'user-agent': 'corral-probe/1' } }, (res) => {
      res.resume();
      resolve((res.statusCode ?? 0) >= 200 && (res.statusCode ?? 0) < 400);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}

function tcpOpen(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
    socket.connect(port, host);
  });
}
