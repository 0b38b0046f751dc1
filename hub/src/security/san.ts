import { isIP } from 'node:net';

/** One subjectAltName of the hub's server certificate: a DNS name or an IP address, in canonical form. */
export type San = { type: 'DNS'; value: string } | { type: 'IP'; value: string };

/** DNS name, optionally with one leading wildcard label; each label 1–63 of [a-z0-9-], no leading or trailing "-". */
const DNS_NAME = /^(?:\*\.)?(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/i;

/** "localhost", "hub.lan", "10.0.0.2", "::1", "[fe80::2]" → a SAN; anything else (zone ids, spaces, "_") → undefined. */
export function parseSan(text: string): San | undefined {
  const trimmed = text.trim();
  const bare = trimmed.startsWith('[') && trimmed.endsWith(']') ? trimmed.slice(1, -1) : trimmed;
  if (bare.includes('%')) return undefined;
  if (isIP(bare) !== 0) return { type: 'IP', value: canonicalIp(bare) };
  if (trimmed.length > 0 && trimmed.length <= 253 && DNS_NAME.test(trimmed)) return { type: 'DNS', value: trimmed.toLowerCase() };
  return undefined;
}

/** "DNS:hub.lan" or "IP:0:0:0:0:0:0:0:1": how SAN sets are compared. */
export function sanKey(san: San): string {
  return `${san.type}:${san.value}`;
}

/** IPv4 as is; IPv6 as eight lower-case groups without leading zeros, so "::1" and "0:0:…:1" compare equal. */
export function canonicalIp(ip: string): string {
  if (isIP(ip) === 4) return ip;
  let text = ip.toLowerCase();
  const v4 = /(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (v4) {
    const [a, b, c, d] = v4.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, v4.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::') as [string, string | undefined];
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const zeros = tail === undefined ? [] : Array<string>(8 - left.length - right.length).fill('0');
  return [...left, ...zeros, ...right].map((group) => parseInt(group, 16).toString(16)).join(':');
}

/** Node's `X509Certificate.subjectAltName` ("DNS:localhost, IP Address:127.0.0.1") → SAN keys; other kinds kept as is. */
export function certificateSanKeys(subjectAltName: string | undefined): string[] {
  if (!subjectAltName) return [];
  return subjectAltName.split(', ').map((entry) => {
    const colon = entry.indexOf(':');
    const kind = entry.slice(0, colon);
    let value = entry.slice(colon + 1);
    if (value.startsWith('"')) value = JSON.parse(value) as string;
    if (kind === 'DNS') return `DNS:${value.toLowerCase()}`;
    if (kind === 'IP Address' && isIP(value) !== 0) return `IP:${canonicalIp(value)}`;
    return entry;
  });
}

/** Wildcard listen addresses name no host a client could dial. */
export function isWildcardHost(host: string): boolean {
  return host === '' || host === '0.0.0.0' || host === '::' || host === '[::]';
}

/**
 * The server certificate's SANs: every `--tls-san` value, the hostname, the loopback names,
 * and the non-wildcard listen hosts; duplicates dropped, order kept. Invalid values are skipped
 * here (the flag is validated where it is parsed; a hostname with "_" is simply left out).
 */
export function serverSans(options: { tlsSan: readonly string[]; hostname: string; listenHosts: readonly string[] }): San[] {
  const candidates = [...options.tlsSan, options.hostname, 'localhost', '127.0.0.1', '::1', ...options.listenHosts.filter((h) => !isWildcardHost(h))];
  const seen = new Set<string>();
  const out: San[] = [];
  for (const candidate of candidates) {
    const san = parseSan(candidate);
    if (!san || seen.has(sanKey(san))) continue;
    seen.add(sanKey(san));
    out.push(san);
  }
  return out;
}
