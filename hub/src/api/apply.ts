import type { FastifyInstance } from 'fastify';
import { API_VERSION, type ManifestKind, type ManifestObject, formatPath, manifestKinds } from '../../../protocol/src/index.js';
import type { CronJobStore } from '../cronjobs/index.js';
import type { PodStore } from '../pods/index.js';
import type { ApplyAction, WantedWorkload, WorkloadStore } from '../workloads/index.js';

/** One object's outcome: what apply did, or why it could not (the others are still applied). */
export type ApplyOutcome = { kind: ManifestKind; name: string; action: ApplyAction } | { kind: ManifestKind; name: string; error: { reason: string; message: string } };

export interface ApplyResult {
  apiVersion: typeof API_VERSION;
  kind: 'ApplyResult';
  results: ApplyOutcome[];
}

export interface ApplyRouteDeps {
  pods: PodStore;
  workloads: WorkloadStore;
  /** CronJobs (absent: an applied CronJob is an error for that object). */
  cronJobs?: CronJobStore;
}

type Invalid = { field: string; message: string };

/** The items of an apply body: a `List`, a bare array, or one object. */
function itemsOf(body: unknown): unknown[] {
  if (Array.isArray(body)) return body;
  if (body !== null && typeof body === 'object' && (body as { kind?: unknown }).kind === 'List' && Array.isArray((body as { items?: unknown }).items)) {
    return (body as { items: unknown[] }).items;
  }
  return [body];
}

/** Every item validated against its kind's schema; all-or-nothing, like the CLI's check of a file. */
export function validateApply(body: unknown): { ok: true; objects: ManifestObject[] } | { ok: false; invalid: Invalid[] } {
  const items = itemsOf(body);
  const invalid: Invalid[] = [];
  const objects: ManifestObject[] = [];
  const seen = new Set<string>();
  items.forEach((item, index) => {
    const where = `items[${index}]`;
    const kind = item !== null && typeof item === 'object' ? (item as { kind?: unknown }).kind : undefined;
    if (typeof kind !== 'string' || !Object.hasOwn(manifestKinds, kind)) {
      invalid.push({ field: `${where}.kind`, message: `${where}.kind: ${JSON.stringify(kind ?? null)} is not a known kind (${Object.keys(manifestKinds).join(', ')})` });
      return;
    }
    const parsed = manifestKinds[kind as ManifestKind].safeParse(item);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const field = `${where}.${formatPath(issue?.path ?? [])}`;
      invalid.push({ field, message: `${field}: ${issue?.message ?? 'invalid'}` });
      return;
    }
    const id = `${kind}/${parsed.data.metadata.name}`;
    if (seen.has(id)) invalid.push({ field: `${where}.metadata.name`, message: `${where}.metadata.name: ${id} appears twice` });
    seen.add(id);
    objects.push(parsed.data);
  });
  if (items.length === 0) invalid.push({ field: 'items', message: 'items: nothing to apply' });
  return invalid.length > 0 ? { ok: false, invalid } : { ok: true, objects };
}

async function applyOne(deps: ApplyRouteDeps, object: ManifestObject): Promise<ApplyOutcome> {
  const { kind, metadata } = object;
  if (object.kind === 'Pod') {
    const created = await deps.pods.create({ name: metadata.name, labels: metadata.labels, spec: object.spec });
    if (created.ok) return { kind, name: metadata.name, action: created.value.created ? 'created' : 'unchanged' };
    const message = created.error.reason === 'AlreadyExists' ? `${created.error.message}; a pod's spec cannot be changed` : created.error.message;
    return { kind, name: metadata.name, error: { reason: created.error.reason, message } };
  }
  if (object.kind === 'CronJob') {
    if (!deps.cronJobs) return { kind, name: metadata.name, error: { reason: 'NotSupported', message: 'this hub does not store cron jobs' } };
    const { action } = await deps.cronJobs.apply({ name: metadata.name, labels: metadata.labels, spec: object.spec });
    return { kind, name: metadata.name, action };
  }
  const wanted: WantedWorkload = object.kind === 'Deployment' ? { kind: 'Deployment', name: metadata.name, labels: metadata.labels, spec: object.spec } : { kind: 'DaemonSet', name: metadata.name, labels: metadata.labels, spec: object.spec };
  const { action } = await deps.workloads.apply(wanted);
  return { kind, name: metadata.name, action };
}

/**
 * `POST /api/v1/apply`: manifest objects (JSON, in manifest form) created or updated by
 * kind and name. Any invalid object refuses the whole request (400, every problem in
 * `details.causes`); otherwise each is applied in order and its outcome reported.
 */
export function registerApplyRoutes(app: FastifyInstance, deps: ApplyRouteDeps): void {
  app.post('/api/v1/apply', async (request, reply) => {
    const validated = validateApply(request.body);
    if (!validated.ok) {
      const [first] = validated.invalid;
      const body = { kind: 'Status', status: 'Failure', code: 400, reason: 'Invalid', message: first?.message ?? 'invalid', details: { causes: validated.invalid } };
      return reply.code(400).send(body);
    }
    const results: ApplyOutcome[] = [];
    for (const object of validated.objects) results.push(await applyOne(deps, object));
    const result: ApplyResult = { apiVersion: API_VERSION, kind: 'ApplyResult', results };
    return result;
  });
}
