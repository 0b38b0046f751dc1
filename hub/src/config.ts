import { z } from 'zod';
import { CorralError, ErrorCode, type Result, err, formatPath, ok } from '../../protocol/src/index.js';
import { parseSan } from './security/san.js';

export interface ListenAddress {
  host: string;
  port: number;
}

/** "127.0.0.1:1883", "[::1]:8080", "0.0.0.0:0" → host and port. */
export function parseListen(text: string): ListenAddress | undefined {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(text.trim());
  if (!m) return undefined;
  const port = Number(m[3]);
  if (port > 65535) return undefined;
  return { host: (m[1] ?? m[2]) as string, port };
}

const Listen = z.string().transform((text, ctx) => {
  const parsed = parseListen(text);
  if (!parsed) {
    ctx.addIssue({ code: 'custom', message: `${JSON.stringify(text)} is not HOST:PORT` });
    return z.NEVER;
  }
  return parsed;
});

/** `--tls-san hub.lan,10.0.0.2`: DNS names and IP addresses for the server certificate. */
const TlsSans = z.union([z.array(z.string()), z.string().transform((s) => s.split(','))]).transform((values, ctx) => {
  const out = values.map((v) => v.trim()).filter(Boolean);
  for (const value of out) {
    if (!parseSan(value)) ctx.addIssue({ code: 'custom', message: `${JSON.stringify(value)} is neither a DNS name nor an IP address` });
  }
  return out;
});

export const HubConfigInput = z.object({
  dataDir: z.string().min(1).default('./.data/hub'),
  mqttListen: Listen.prefault('127.0.0.1:1883'),
  httpListen: Listen.prefault('127.0.0.1:8080'),
  /** An external broker; when set, no embedded broker is started. */
  broker: z.string().regex(/^mqtts?:\/\/[^/]+\/?$/, 'must be mqtt://HOST:PORT or mqtts://HOST:PORT').optional(),
  /** PEM file with the CA that signed an external `mqtts://` broker's certificate (absent: the system's CAs). */
  brokerCa: z.string().min(1).optional(),
  /** Extra subjectAltNames of the hub's server certificate (secure mode). */
  tlsSan: TlsSans.default([]),
  insecure: z.boolean().default(false),
  nodeGraceSeconds: z.coerce.number().positive().max(86_400).default(15),
  /** How long a node may be NotReady before it is shown as Lost. */
  nodeLostSeconds: z.coerce.number().positive().max(86_400).default(30),
  /** The scheduler's resource scorer: spread load, or bin-pack to leave whole devices free. */
  schedulerResources: z.enum(['LeastAllocated', 'MostAllocated']).default('LeastAllocated'),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
}).superRefine((c, ctx) => {
  if (c.broker?.startsWith('mqtt://') && !c.insecure) {
    ctx.addIssue({ code: 'custom', path: ['broker'], message: 'plain mqtt:// needs --insecure; use mqtts://HOST:PORT (with --broker-ca)' });
  }
  if (c.brokerCa !== undefined && !c.broker?.startsWith('mqtts://')) {
    ctx.addIssue({ code: 'custom', path: ['brokerCa'], message: 'only applies to an external mqtts:// broker (--broker mqtts://HOST:PORT)' });
  }
});

export type HubConfig = z.output<typeof HubConfigInput>;

/** Validates the hub's flags once; errors name the flag's config key. */
export function resolveHubConfig(flags: Record<string, unknown>): Result<HubConfig> {
  const defined = Object.fromEntries(Object.entries(flags).filter(([, v]) => v !== undefined));
  const parsed = HubConfigInput.safeParse(defined);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = formatPath(issue?.path ?? []);
    return err(new CorralError(ErrorCode.ConfigInvalid, `config: ${path}: ${issue?.message ?? 'invalid'}`, { path }));
  }
  return ok(parsed.data);
}
