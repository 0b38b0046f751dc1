import { z } from 'zod';
import { type Result, err, ok } from '../../../protocol/src/index.js';

/**
 * A CNI result (spec 1.0.0 "Success"). Plugins may add fields and older
 * versions carry others (0.4.0 `ips[].version`), so unknown keys are kept.
 */
export const CniResult = z.looseObject({
  cniVersion: z.string(),
  interfaces: z.array(z.looseObject({ name: z.string(), mac: z.string().optional(), sandbox: z.string().optional() })).optional(),
  ips: z
    .array(
      z.looseObject({
        address: z.string(),
        gateway: z.string().optional(),
        interface: z.number().int().nonnegative().optional(),
      }),
    )
    .optional(),
  routes: z.array(z.looseObject({ dst: z.string(), gw: z.string().optional() })).optional(),
  dns: z.looseObject({}).optional(),
});
export type CniResult = z.output<typeof CniResult>;

/** A CNI error (spec 1.0.0 "Error"): what a plugin prints on stdout when it exits non-zero. */
export const CniError = z.looseObject({
  cniVersion: z.string().optional(),
  code: z.number().int(),
  msg: z.string(),
  details: z.string().optional(),
});
export type CniError = z.output<typeof CniError>;

/** Well-known error codes of the CNI spec; 100 and up are the plugin's own. */
const CNI_ERROR_NAMES: Record<number, string> = {
  1: 'incompatible CNI version',
  2: 'unsupported field in network configuration',
  3: 'container unknown or does not exist',
  4: 'invalid necessary environment variables',
  5: 'I/O failure',
  6: 'failed to decode content',
  7: 'invalid network config',
  11: 'try again later',
};

const IPV4_CIDR = /^(\d{1,3}(?:\.\d{1,3}){3})\/\d{1,2}$/;

/** Validates a plugin's stdout as a CNI result. Pure. */
export function parseCniResult(stdout: string): Result<CniResult, string> {
  let json: unknown;
  try {
    json = JSON.parse(stdout);
  } catch {
    return err(`result is not JSON: ${excerpt(stdout)}`);
  }
  const parsed = CniResult.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return err(`result is not a CNI result: ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`);
  }
  return ok(parsed.data);
}

/**
 * The pod's IPv4 address: the first IPv4 in `ips` on the interface named
 * `ifName` inside the sandbox; when a plugin left `interface` out, the first IPv4. Pure.
 */
export function podIPFromResult(result: CniResult, ifName: string): Result<string, string> {
  const interfaces = result.interfaces ?? [];
  const ipv4 = (result.ips ?? []).flatMap((ip) => {
    const m = IPV4_CIDR.exec(ip.address);
    return m?.[1] === undefined ? [] : [{ address: m[1], interface: ip.interface }];
  });
  const inSandbox = ipv4.find((ip) => {
    if (ip.interface === undefined) return false;
    const iface = interfaces[ip.interface];
    return iface !== undefined && iface.name === ifName && (iface.sandbox ?? '') !== '';
  });
  const chosen = inSandbox ?? ipv4.find((ip) => ip.interface === undefined);
  if (chosen === undefined) return err(`result has no IPv4 address on ${ifName}: ${excerpt(JSON.stringify(result.ips ?? []))}`);
  return ok(chosen.address);
}

/** The host end of the pod's veth: an interface outside any sandbox that is not the bridge. Pure. */
export function hostVethFromResult(result: CniResult, bridge: string): string | undefined {
  return (result.interfaces ?? []).find((i) => (i.sandbox ?? '') === '' && i.name !== bridge)?.name;
}

/** Parses a plugin's error output; undefined when it is not a CNI error document. Pure. */
export function parseCniError(stdout: string): CniError | undefined {
  try {
    const parsed = CniError.safeParse(JSON.parse(stdout));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** `code 7 (invalid network config): msg; details` — everything a plugin said, on one line. Pure. */
export function formatCniError(error: CniError): string {
  const name = CNI_ERROR_NAMES[error.code];
  const details = error.details === undefined || error.details === '' ? '' : `; details: ${error.details}`;
  return `code ${error.code}${name === undefined ? '' : ` (${name})`}: ${error.msg}${details}`;
}

function excerpt(text: string): string {
  const flat = text.trim().replace(/\s+/g, ' ');
  return flat.length > 200 ? `${flat.slice(0, 200)}…` : flat === '' ? '(empty)' : flat;
}
