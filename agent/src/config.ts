import { hostname } from 'node:os';
import { z } from 'zod';
import { BootstrapToken, CorralError, ErrorCode, Labels, type Result, err, formatPath, isNodeName, ok, parseCpu, parseLabelList, parseMemory } from '../../protocol/src/index.js';

const Quantity = z.union([z.string(), z.number()]);

/** The agent's configuration as a YAML file spells it; flags and `CORRAL_*` variables map onto the same keys. */
export const AgentConfigInput = z.object({
  dataDir: z.string().min(1).default('./.data/agent'),
  hub: z.string().regex(/^mqtts?:\/\/[^/]+\/?$/, 'must be mqtts://HOST:PORT (mqtt:// with --insecure)').default('mqtt://127.0.0.1:1883'),
  /** PEM file of the hub's CA (from the device's provisioning), the only trust anchor for `mqtts://`. */
  ca: z.string().min(1).optional(),
  /** The same CA inline (YAML), instead of `ca`. */
  caPem: z.string().includes('-----BEGIN CERTIFICATE-----', { message: 'must be a PEM certificate' }).optional(),
  /** The node's broker login (YAML `credentials: {username, password}`, or --mqtt-username / --mqtt-password). */
  credentials: z.strictObject({ username: z.string().min(1), password: z.string().min(1) }).optional(),
  nodeName: z.string().refine(isNodeName, 'must be a DNS label: lower-case alphanumerics and "-", at most 63').optional(),
  labels: Labels.default({}),
  heartbeatSeconds: z.coerce.number().positive().max(3600).default(5),
  keepaliveSeconds: z.coerce.number().int().min(5).max(3600).default(20),
  reserved: z.object({ cpu: Quantity.default('100m'), memory: Quantity.default('128Mi') }).default({ cpu: '100m', memory: '128Mi' }),
  runtime: z.enum(['auto', 'runc', 'crun']).default('auto'),
  insecure: z.union([z.boolean(), z.enum(['true', 'false', '1', '0']).transform((s) => s === 'true' || s === '1')]).default(false),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Static pod manifests, run with no hub at all. */
  podsDir: z.string().min(1).default('/etc/corral/pods.d'),
  /** Host directories that hostPath volumes may use; none by default. */
  hostPathAllow: z.union([z.array(z.string().startsWith('/')), z.string().transform((s) => s.split(',').map((p) => p.trim()).filter(Boolean))]).default([]),
  /** The OCI runtime's state (lost at reboot, as it should be: containers do not survive one). */
  runtimeStateDir: z.string().min(1).default('/run/corral'),
  /** Registries reached over plain HTTP or unverified TLS (`host:port`); loopback ones always are. */
  insecureRegistries: z.union([z.array(z.string().min(1)), z.string().transform((s) => s.split(',').map((p) => p.trim()).filter(Boolean))]).default([]),
  /** Credentials per registry host (`host[:port]` → user and password); YAML config file only, never a flag. */
  registryAuth: z.record(z.string().min(1), z.strictObject({ username: z.string().min(1), password: z.string() })).default({}),
  /** The pod bridge and the subnet pod addresses come from. */
  podBridge: z.string().regex(/^[A-Za-z0-9_.-]{1,15}$/, 'must be a Linux interface name (at most 15 characters)').default('corral0'),
  podSubnet: z.string().regex(/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/, 'must be an IPv4 CIDR such as 10.88.0.0/16').default('10.88.0.0/16'),
  /** Size bound of the durable event outbox; when full, the oldest low-priority events are dropped (and counted). */
  outboxMaxBytes: Quantity.default('1Mi'),
  /** The hub's desired-state signing key (SPKI PEM, inline or a file path); YAML may name the file `hubPublicKeyFile`. */
  hubPublicKey: z.string().min(1).optional(),
  hubPublicKeyFile: z.string().min(1).optional(),
  /** Enrollment (agent/src/enrollment.ts): a bootstrap token, presented once to the hub's API at `enrollUrl`. */
  enrollToken: BootstrapToken.optional(),
  enrollUrl: z.string().regex(/^https?:\/\/[^/]+\/?$/, 'must be https://HOST:PORT (http:// with --insecure)').optional(),
});

export interface AgentConfig {
  dataDir: string;
  hub: string;
  nodeName: string;
  labels: Record<string, string>;
  heartbeatMs: number;
  keepaliveSeconds: number;
  reserved: { cpu: number; memory: number };
  runtime: 'auto' | 'runc' | 'crun';
  insecure: boolean;
  /** Present only when set: the CA file, the inline CA, the broker login. */
  ca?: string;
  caPem?: string;
  credentials?: { username: string; password: string };
  logLevel: string;
  podsDir: string;
  hostPathAllow: string[];
  runtimeStateDir: string;
  podBridge: string;
  podSubnet: string;
  insecureRegistries: string[];
  registryAuth: Record<string, { username: string; password: string }>;
  outboxMaxBytes: number;
  /** Present only when set: the hub's desired-state public key, PEM or a file path (agent/src/security/hub-public-key.ts reads it). */
  hubPublicKey?: string;
  /** Present only when set: the bootstrap token and the hub API it is presented to (used only while not enrolled). */
  enrollToken?: string;
  enrollUrl?: string;
}

/** Flag name → config key, for the flags that are not spelled like their key. */
const envKeys: Record<string, keyof z.input<typeof AgentConfigInput>> = {
  CORRAL_DATA_DIR: 'dataDir',
  CORRAL_HUB: 'hub',
  CORRAL_NODE_NAME: 'nodeName',
  CORRAL_LABELS: 'labels',
  CORRAL_HEARTBEAT_SECONDS: 'heartbeatSeconds',
  CORRAL_KEEPALIVE_SECONDS: 'keepaliveSeconds',
  CORRAL_RESERVED: 'reserved',
  CORRAL_RUNTIME: 'runtime',
  CORRAL_INSECURE: 'insecure',
  CORRAL_LOG_LEVEL: 'logLevel',
  CORRAL_PODS_DIR: 'podsDir',
  CORRAL_HOST_PATH_ALLOW: 'hostPathAllow',
  CORRAL_RUNTIME_STATE_DIR: 'runtimeStateDir',
  CORRAL_POD_BRIDGE: 'podBridge',
  CORRAL_POD_SUBNET: 'podSubnet',
  CORRAL_INSECURE_REGISTRIES: 'insecureRegistries',
  CORRAL_OUTBOX_MAX_BYTES: 'outboxMaxBytes',
  CORRAL_HUB_PUBLIC_KEY: 'hubPublicKey',
  CORRAL_CA: 'ca',
  CORRAL_ENROLL_TOKEN: 'enrollToken',
  CORRAL_ENROLL_URL: 'enrollUrl',
};

/** The broker login's flags and variables, folded into `credentials` field by field (a password from the env may complete a username from the file). */
const credentialKeys = { mqttUsername: 'username', mqttPassword: 'password' } as const;
const credentialEnv = { CORRAL_MQTT_USERNAME: 'mqttUsername', CORRAL_MQTT_PASSWORD: 'mqttPassword' } as const;

export interface ConfigSources {
  /** Parsed YAML config file, if any. */
  file?: unknown;
  env: Record<string, string | undefined>;
  /** Command-line flags already keyed like the config (undefined = not given). */
  flags: Record<string, unknown>;
}

/** Turns the string forms of `labels` (`k=v,…`) and `reserved` (`cpu=100m,memory=128Mi`) into objects. */
function normalize(layer: Record<string, unknown>): Record<string, unknown> {
  const out = { ...layer };
  if (typeof out.labels === 'string') out.labels = parseLabelList(out.labels);
  if (typeof out.reserved === 'string') out.reserved = parseLabelList(out.reserved);
  return out;
}

function defined(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([, v]) => v !== undefined));
}

/** Merges defaults < file < env < flags, validates once, and names the field of any error. Pure. */
export function resolveAgentConfig(sources: ConfigSources, defaultNodeName = hostname()): Result<AgentConfig> {
  if (sources.file !== undefined && (typeof sources.file !== 'object' || sources.file === null || Array.isArray(sources.file))) {
    return err(new CorralError(ErrorCode.ConfigInvalid, 'config file: must be a YAML mapping', { path: '(root)' }));
  }
  const fromEnv: Record<string, unknown> = {};
  for (const [name, key] of Object.entries(envKeys)) fromEnv[key] = sources.env[name];
  for (const [name, key] of Object.entries(credentialEnv)) fromEnv[key] = sources.env[name];
  const layers = [defined((sources.file as Record<string, unknown> | undefined) ?? {}), defined(fromEnv), defined(sources.flags)].map(normalize);
  const merged: Record<string, unknown> = Object.assign({}, ...layers);
  const credentials = mergeCredentials(layers);
  for (const key of Object.keys(credentialKeys)) delete merged[key];
  if (credentials !== undefined) merged.credentials = credentials;
  const parsed = AgentConfigInput.safeParse(merged);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = formatPath(issue?.path ?? []);
    return err(new CorralError(ErrorCode.ConfigInvalid, `config: ${path}: ${issue?.message ?? 'invalid'}`, { path }));
  }
  const c = parsed.data;
  if (c.ca !== undefined && c.caPem !== undefined) return err(new CorralError(ErrorCode.ConfigInvalid, 'config: caPem: set ca (a file) or caPem (inline), not both', { path: 'caPem' }));
  if (c.hubPublicKey !== undefined && c.hubPublicKeyFile !== undefined) return err(new CorralError(ErrorCode.ConfigInvalid, 'config: hubPublicKeyFile: set hubPublicKey or hubPublicKeyFile, not both', { path: 'hubPublicKeyFile' }));
  if ((c.enrollToken === undefined) !== (c.enrollUrl === undefined)) {
    const path = c.enrollToken === undefined ? 'enrollToken' : 'enrollUrl';
    return err(new CorralError(ErrorCode.ConfigInvalid, `config: ${path}: enrollment needs both --enroll-token and --enroll-url`, { path }));
  }
  if (!c.insecure && c.enrollUrl?.startsWith('http://')) return err(new CorralError(ErrorCode.ConfigInvalid, 'config: enrollUrl: plain http:// needs --insecure; use https://HOST:PORT with --ca', { path: 'enrollUrl' }));
  const nodeName = c.nodeName ?? sanitizeNodeName(defaultNodeName);
  if (!isNodeName(nodeName)) {
    return err(new CorralError(ErrorCode.ConfigInvalid, `config: nodeName: cannot derive a node name from hostname ${JSON.stringify(defaultNodeName)}; set --node-name`, { path: 'nodeName' }));
  }
  const cpu = parseCpu(c.reserved.cpu);
  if (!cpu.ok) return err(new CorralError(ErrorCode.ConfigInvalid, `config: reserved.cpu: ${cpu.error.message}`, { path: 'reserved.cpu' }));
  const memory = parseMemory(c.reserved.memory);
  if (!memory.ok) return err(new CorralError(ErrorCode.ConfigInvalid, `config: reserved.memory: ${memory.error.message}`, { path: 'reserved.memory' }));
  const outbox = parseMemory(c.outboxMaxBytes);
  if (!outbox.ok) return err(new CorralError(ErrorCode.ConfigInvalid, `config: outboxMaxBytes: ${outbox.error.message}`, { path: 'outboxMaxBytes' }));
  if (outbox.value < 16 * 1024) return err(new CorralError(ErrorCode.ConfigInvalid, 'config: outboxMaxBytes: must be at least 16Ki', { path: 'outboxMaxBytes' }));
  return ok({
    dataDir: c.dataDir,
    hub: c.hub,
    nodeName,
    labels: c.labels,
    heartbeatMs: Math.round(c.heartbeatSeconds * 1000),
    keepaliveSeconds: c.keepaliveSeconds,
    reserved: { cpu: cpu.value, memory: memory.value },
    runtime: c.runtime,
    insecure: c.insecure,
    ...(c.ca === undefined ? {} : { ca: c.ca }),
    ...(c.caPem === undefined ? {} : { caPem: c.caPem }),
    ...(c.credentials === undefined ? {} : { credentials: c.credentials }),
    logLevel: c.logLevel,
    podsDir: c.podsDir,
    hostPathAllow: c.hostPathAllow.map((p) => p.trim()).filter(Boolean),
    runtimeStateDir: c.runtimeStateDir,
    podBridge: c.podBridge,
    podSubnet: c.podSubnet,
    insecureRegistries: c.insecureRegistries,
    registryAuth: c.registryAuth,
    outboxMaxBytes: outbox.value,
    ...((c.hubPublicKey ?? c.hubPublicKeyFile) === undefined ? {} : { hubPublicKey: c.hubPublicKey ?? c.hubPublicKeyFile }),
    ...(c.enrollToken === undefined || c.enrollUrl === undefined ? {} : { enrollToken: c.enrollToken, enrollUrl: c.enrollUrl }),
  });
}

/** Settings an enrollment supplies; the config's own win when it sets them (agent/src/enrollment.ts). */
export type EnrolledSetting = 'nodeName' | 'hub' | 'credentials' | 'hubPublicKey' | 'ca';

const enrolledSettingKeys: Record<EnrolledSetting, string[]> = {
  nodeName: ['nodeName'],
  hub: ['hub'],
  credentials: ['credentials', ...Object.keys(credentialKeys)],
  hubPublicKey: ['hubPublicKey', 'hubPublicKeyFile'],
  ca: ['ca', 'caPem'],
};

/** Which of those settings the config file, the environment or the flags give (rather than a default). Pure. */
export function explicitSettings(sources: ConfigSources): Set<EnrolledSetting> {
  const keys = new Set<string>();
  const file = typeof sources.file === 'object' && sources.file !== null ? (sources.file as Record<string, unknown>) : {};
  for (const [key, value] of Object.entries({ ...file, ...sources.flags })) if (value !== undefined) keys.add(key);
  for (const [name, key] of [...Object.entries(envKeys), ...Object.entries(credentialEnv)]) if (sources.env[name] !== undefined) keys.add(key);
  return new Set((Object.keys(enrolledSettingKeys) as EnrolledSetting[]).filter((setting) => enrolledSettingKeys[setting].some((key) => keys.has(key))));
}

/** `credentials` from each layer, then the flat `mqttUsername`/`mqttPassword` of each, later layers winning field by field. */
function mergeCredentials(layers: Record<string, unknown>[]): unknown {
  let out: Record<string, unknown> | undefined;
  for (const layer of layers) {
    const nested = layer.credentials;
    if (nested !== undefined) {
      if (typeof nested !== 'object' || nested === null || Array.isArray(nested)) return nested;
      out = { ...out, ...defined(nested as Record<string, unknown>) };
    }
    for (const [flat, field] of Object.entries(credentialKeys)) {
      if (layer[flat] !== undefined) out = { ...out, [field]: layer[flat] };
    }
  }
  return out;
}

/** "Pi-Kitchen.local" → "pi-kitchen": the first DNS label, lower-cased, invalid characters replaced. */
export function sanitizeNodeName(host: string): string {
  const first = host.split('.')[0] ?? '';
  return first.toLowerCase().replace(/[^a-z0-9-]/g, '-').replace(/^-+/, '').slice(0, 63).replace(/-+$/, '');
}
