import { execFile } from 'node:child_process';
import { access, readFile } from 'node:fs/promises';
import { availableParallelism, hostname, release, totalmem } from 'node:os';
import { promisify } from 'node:util';
import type { NodeInfo, ResourceList } from '../../protocol/src/index.js';

const run = promisify(execFile);

/** Node's `process.arch` in GOARCH terms, which OCI image indexes use. */
export function goArch(nodeArch: string): string {
  const map: Record<string, string> = { x64: 'amd64', ia32: '386', arm64: 'arm64', arm: 'arm', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64', loong64: 'loong64', mips: 'mips', mipsel: 'mipsle' };
  return map[nodeArch] ?? nodeArch;
}

/** ARM variant (`v6`, `v7`) from Node's build configuration; other architectures have none. */
export function armVariant(nodeArch: string, armVersion: unknown): string | undefined {
  if (nodeArch !== 'arm') return undefined;
  const n = Number(armVersion);
  return Number.isInteger(n) && n >= 5 && n <= 8 ? `v${n}` : undefined;
}

/** `PRETTY_NAME` from an os-release file. */
export function parseOsRelease(text: string): string | undefined {
  const line = text.split('\n').find((l) => l.startsWith('PRETTY_NAME='));
  return line?.slice('PRETTY_NAME='.length).replace(/^(["'])(.*)\1$/, '$2');
}

/** "runc version 1.1.5\ncommit: …" → "1.1.5". */
export function parseRuntimeVersion(output: string): string {
  const m = /version\s+([0-9][^\s]*)/.exec(output);
  return m?.[1] ?? 'unknown';
}

/** `MemTotal` and `MemAvailable` of /proc/meminfo, in bytes. */
export function parseMeminfo(text: string): { total: number; available: number } {
  const field = (name: string): number => {
    const m = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text);
    return m ? Number(m[1]) * 1024 : 0;
  };
  return { total: field('MemTotal'), available: field('MemAvailable') };
}

/** Capacity less what is kept for the system and the agent (never below zero). */
export function allocatable(capacity: ResourceList, reserved: { cpu: number; memory: number }): ResourceList {
  return {
    cpu: Math.max(0, capacity.cpu - reserved.cpu),
    memory: Math.max(0, capacity.memory - reserved.memory),
    pids: capacity.pids,
  };
}

export interface DetectOptions {
  runtime: 'auto' | 'runc' | 'crun';
  agentVersion: string;
  /** Root of the filesystem to read (tests point it at fixtures). */
  root?: string;
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(() => true, () => false);
}

async function readText(path: string): Promise<string | undefined> {
  return readFile(path, 'utf8').catch(() => undefined);
}

async function detectRuntime(choice: DetectOptions['runtime']): Promise<NodeInfo['runtime']> {
  const candidates = choice === 'auto' ? (['runc', 'crun'] as const) : [choice];
  for (const name of candidates) {
    try {
      const { stdout } = await run(name, ['--version'], { timeout: 5000 });
      return { name, version: parseRuntimeVersion(stdout) };
    } catch {
      // not installed or not runnable: try the next one
    }
  }
  return { name: 'none', version: '' };
}

export interface NodeFacts {
  info: NodeInfo;
  capacity: ResourceList;
}

/** Reads what the node is: architecture, kernel, cgroup version, OCI runtime, and its resources. */
export async function detectNode(options: DetectOptions): Promise<NodeFacts> {
  const root = options.root ?? '';
  const meminfo = parseMeminfo((await readText(`${root}/proc/meminfo`)) ?? '');
  const pidMax = Number((await readText(`${root}/proc/sys/kernel/pid_max`))?.trim() ?? '32768');
  const variant = armVariant(process.arch, (process.config.variables as Record<string, unknown>).arm_version);
  const info: NodeInfo = {
    architecture: goArch(process.arch),
    ...(variant ? { variant } : {}),
    os: process.platform,
    osImage: parseOsRelease((await readText(`${root}/etc/os-release`)) ?? '') ?? 'unknown',
    kernel: release(),
    cgroupVersion: (await exists(`${root}/sys/fs/cgroup/cgroup.controllers`)) ? 'v2' : 'v1',
    runtime: await detectRuntime(options.runtime),
    agentVersion: options.agentVersion,
    hostname: hostname(),
  };
  const capacity: ResourceList = {
    cpu: availableParallelism() * 1000,
    memory: meminfo.total || totalmem(),
    pids: Number.isSafeInteger(pidMax) && pidMax > 0 ? pidMax : 32768,
  };
  return { info, capacity };
}
