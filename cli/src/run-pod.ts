import type { z } from 'zod';
import { API_VERSION, type PodObject, PodObject as PodSchema, type Result, err, formatPath, ok, parseCpu, parseLabelList, parseMemory } from '../../protocol/src/index.js';
import { UsageError } from './usage-error.js';

/** A Pod manifest as `corral run` sends it: quantities in manifest form (`"200m"`, `"32Mi"`). */
export type PodManifest = z.input<typeof PodObject>;

export const RESTART_POLICIES = ['Always', 'OnFailure', 'Never'] as const;

/** The flags of `corral run`, as commander collects them (repeatable ones as arrays). */
export interface RunFlags {
  image: string;
  /** The node to bind the pod to; absent: the scheduler picks one. */
  node?: string;
  restart?: string;
  env?: readonly string[];
  limits?: string;
  requests?: string;
  port?: readonly string[];
  labels?: string;
  /** What follows `--`: the command and its arguments. */
  command?: readonly string[];
}

type ResourceInput = { cpu?: string; memory?: string; pids?: number };
type PortInput = { containerPort: number; hostPort?: number; protocol?: 'TCP' | 'UDP' };

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** The container is named after the pod, made a DNS label when the pod name is not one (dots, over 63). */
export function containerName(podName: string): string {
  if (DNS_LABEL.test(podName)) return podName;
  const label = podName.replace(/\./g, '-').slice(0, 63).replace(/-+$/, '');
  return DNS_LABEL.test(label) ? label : 'main';
}

/** `K=V` → `{name: K, value: V}`; the value may contain `=` and may be empty. */
function parseEnv(items: readonly string[]): Result<Array<{ name: string; value: string }>, UsageError> {
  const env: Array<{ name: string; value: string }> = [];
  for (const item of items) {
    const eq = item.indexOf('=');
    if (eq <= 0) return err(new UsageError(`--env: ${JSON.stringify(item)} is not NAME=VALUE`));
    env.push({ name: item.slice(0, eq), value: item.slice(eq + 1) });
  }
  return ok(env);
}

/** `cpu=200m,memory=32Mi,pids=50`, each checked the way the manifest will be. */
function parseResources(flag: string, text: string): Result<ResourceInput, UsageError> {
  const out: ResourceInput = {};
  for (const item of text.split(',').map((s) => s.trim()).filter((s) => s !== '')) {
    const eq = item.indexOf('=');
    const key = eq === -1 ? item : item.slice(0, eq);
    const value = eq === -1 ? '' : item.slice(eq + 1).trim();
    const bad = (why: string) => err(new UsageError(`${flag}: ${JSON.stringify(item)}: ${why}`));
    if (eq === -1 || value === '') return bad('expected NAME=QUANTITY');
    if (key in out) return bad(`${key} given twice`);
    if (key === 'cpu') {
      const parsed = parseCpu(value);
      if (!parsed.ok) return bad(parsed.error.message);
      out.cpu = value;
    } else if (key === 'memory') {
      const parsed = parseMemory(value);
      if (!parsed.ok) return bad(parsed.error.message);
      out.memory = value;
    } else if (key === 'pids') {
      if (!/^[1-9][0-9]{0,8}$/.test(value)) return bad('pids must be a positive whole number');
      out.pids = Number(value);
    } else {
      return bad(`unknown resource ${JSON.stringify(key)} (use cpu, memory, pids)`);
    }
  }
  return ok(out);
}

/** `8080`, `8080:80` (CONTAINER[:HOST]), with an optional `/TCP` or `/UDP`. */
function parsePort(text: string): Result<PortInput, UsageError> {
  const m = /^([0-9]{1,5})(?::([0-9]{1,5}))?(?:\/(tcp|udp))?$/i.exec(text.trim());
  const valid = (n: number) => n >= 1 && n <= 65535;
  if (!m || !valid(Number(m[1])) || (m[2] !== undefined && !valid(Number(m[2])))) {
    return err(new UsageError(`--port: ${JSON.stringify(text)} is not CONTAINER[:HOST][/TCP|UDP] with ports from 1 to 65535`));
  }
  return ok({
    containerPort: Number(m[1]),
    ...(m[2] === undefined ? {} : { hostPort: Number(m[2]) }),
    ...(m[3] === undefined ? {} : { protocol: m[3].toUpperCase() as 'TCP' | 'UDP' }),
  });
}

/** Which flag a manifest field came from, for errors a `corral run` user can act on. */
function flagFor(path: string): string {
  const rules: Array<[RegExp, string]> = [
    [/^metadata\.name/, 'NAME'],
    [/^metadata\.labels/, '--labels'],
    [/^spec\.containers\[0\]\.image/, '--image'],
    [/^spec\.containers\[0\]\.env/, '--env'],
    [/^spec\.containers\[0\]\.ports/, '--port'],
    [/^spec\.containers\[0\]\.resources\.limits/, '--limits'],
    [/^spec\.containers\[0\]\.resources\.requests/, '--requests'],
    [/^spec\.containers\[0\]\.(command|args)/, 'COMMAND'],
  ];
  return rules.find(([re]) => re.test(path))?.[1] ?? path;
}

/**
 * The Pod `corral run NAME --image IMG [--node N] … [-- COMMAND ARGS…]` creates:
 * one container named after the pod, labelled `run=NAME` unless `--labels` is given.
 * `COMMAND ARGS…` replace the image's entrypoint and arguments (kubectl's `run --command`).
 * Pure; a bad flag is a UsageError naming it.
 */
export function buildRunPod(name: string, flags: RunFlags): Result<PodManifest, UsageError> {
  const command = flags.command ?? [];
  const env = parseEnv(flags.env ?? []);
  if (!env.ok) return env;
  const limits = flags.limits === undefined ? ok({}) : parseResources('--limits', flags.limits);
  if (!limits.ok) return limits;
  const requests = flags.requests === undefined ? ok({}) : parseResources('--requests', flags.requests);
  if (!requests.ok) return requests;
  const ports: PortInput[] = [];
  for (const text of flags.port ?? []) {
    const port = parsePort(text);
    if (!port.ok) return port;
    ports.push(port.value);
  }
  if (flags.restart !== undefined && !(RESTART_POLICIES as readonly string[]).includes(flags.restart)) {
    return err(new UsageError(`--restart: ${JSON.stringify(flags.restart)} is not one of ${RESTART_POLICIES.join(', ')}`));
  }
  const hasResources = Object.keys(limits.value).length > 0 || Object.keys(requests.value).length > 0;
  const manifest: PodManifest = {
    apiVersion: API_VERSION,
    kind: 'Pod',
    metadata: { name, labels: flags.labels === undefined ? { run: name } : parseLabelList(flags.labels) },
    spec: {
      ...(flags.node === undefined ? {} : { nodeName: flags.node }),
      ...(flags.restart === undefined ? {} : { restartPolicy: flags.restart as (typeof RESTART_POLICIES)[number] }),
      containers: [
        {
          name: containerName(name),
          image: flags.image,
          ...(command.length === 0 ? {} : { command: [...command] }),
          ...(env.value.length === 0 ? {} : { env: env.value }),
          ...(ports.length === 0 ? {} : { ports }),
          ...(hasResources ? { resources: { ...(Object.keys(limits.value).length > 0 ? { limits: limits.value } : {}), ...(Object.keys(requests.value).length > 0 ? { requests: requests.value } : {}) } } : {}),
        },
      ],
    },
  };
  const parsed = PodSchema.safeParse(manifest);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = formatPath(issue?.path ?? []);
    return err(new UsageError(`${flagFor(path)}: ${issue?.message ?? 'invalid'}${flagFor(path) === path ? '' : ` (${path})`}`));
  }
  return ok(manifest);
}
