import { readFile, stat } from 'node:fs/promises';
import type { DeviceNode } from '../runtime/index.js';

/** /etc/hosts for a pod with its own network: localhost and the pod's name on its address. */
export function hostsFileText(podName: string, podIP: string | undefined): string {
  const lines = ['127.0.0.1\tlocalhost', '::1\tlocalhost ip6-localhost ip6-loopback'];
  if (podIP) lines.push(`${podIP}\t${podName}`);
  return `${lines.join('\n')}\n`;
}

/**
 * The host's resolv.conf for a pod: nameservers on loopback (systemd-resolved's
 * 127.0.0.53, dnsmasq) are unreachable from a pod's namespace and are left out.
 */
export function podResolvConf(hostText: string): string {
  const lines = hostText.split('\n').filter((line) => !/^\s*nameserver\s+(127\.|::1\b)/.test(line));
  return `${lines.join('\n').trim()}\n`;
}

export async function readHostResolvConf(): Promise<string> {
  return readFile('/etc/resolv.conf', 'utf8').catch(() => '');
}

/** Major and minor numbers from a Linux dev_t (glibc's gnu_dev_major/minor). */
export function deviceNumbers(rdev: bigint): { major: number; minor: number } {
  const major = ((rdev >> 8n) & 0xfffn) | ((rdev >> 32n) & ~0xfffn);
  const minor = (rdev & 0xffn) | ((rdev >> 12n) & ~0xffn);
  return { major: Number(major), minor: Number(minor) };
}

/** Stats a host device node for the container spec; fails for anything that is not a device. */
export async function statDevice(hostPath: string): Promise<DeviceNode> {
  const s = await stat(hostPath, { bigint: true });
  if (!s.isCharacterDevice() && !s.isBlockDevice()) throw new Error(`${hostPath} is not a device node`);
  return {
    hostPath,
    type: s.isCharacterDevice() ? 'c' : 'b',
    ...deviceNumbers(s.rdev),
    fileMode: Number(s.mode & 0o7777n),
    uid: Number(s.uid),
    gid: Number(s.gid),
  };
}

/** Whether a hostPath volume lies under one of the allowed directories (after normalizing `..`). */
export function hostPathAllowed(path: string, allow: readonly string[]): boolean {
  const normalized = normalizeAbsolute(path);
  if (normalized === undefined) return false;
  return allow.some((dir) => {
    const base = normalizeAbsolute(dir);
    return base !== undefined && (normalized === base || normalized.startsWith(base === '/' ? '/' : `${base}/`));
  });
}

function normalizeAbsolute(path: string): string | undefined {
  if (!path.startsWith('/')) return undefined;
  const parts: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') parts.pop();
    else parts.push(part);
  }
  return `/${parts.join('/')}`;
}
