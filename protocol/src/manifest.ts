import { parseAllDocuments } from 'yaml';
import type { z } from 'zod';
import { CorralError, ErrorCode, formatPath } from './errors.js';
import { CronJobObject } from './objects/cronjob.js';
import { PodObject } from './objects/pod.js';
import { DaemonSetObject, DeploymentObject } from './objects/workloads.js';

/** Kinds a manifest may hold, each with the schema it is validated against. */
export const manifestKinds = { Pod: PodObject, Deployment: DeploymentObject, DaemonSet: DaemonSetObject, CronJob: CronJobObject } as const;
export type ManifestKind = keyof typeof manifestKinds;
export type ManifestObject = z.output<(typeof manifestKinds)[ManifestKind]>;

export interface ParsedManifests {
  objects: ManifestObject[];
  /** One error per bad document; good documents of the same file are still returned. */
  errors: CorralError[];
}

/**
 * Parses a YAML manifest file (several documents separated by `---`).
 * Errors name the source, the document number (from 1), the field path and
 * the reason: `web.yaml doc 2: spec.containers[0].resources.limits.memory: "64MB" is not a quantity (use 64Mi or 67108864)`.
 */
export function parseManifests(text: string, source: string): ParsedManifests {
  const objects: ManifestObject[] = [];
  const errors: CorralError[] = [];
  const docs = parseAllDocuments(text);
  const list = Array.isArray(docs) ? docs : [docs];
  list.forEach((doc, index) => {
    const where = `${source} doc ${index + 1}`;
    if (doc.errors.length > 0) {
      errors.push(new CorralError(ErrorCode.ManifestInvalid, `${where}: YAML: ${doc.errors[0]?.message.split('\n')[0]}`, { path: '(root)' }));
      return;
    }
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) return; // an empty document, e.g. a trailing `---`
    if (typeof value !== 'object' || Array.isArray(value)) {
      errors.push(new CorralError(ErrorCode.ManifestInvalid, `${where}: must be a mapping with apiVersion and kind`, { path: '(root)' }));
      return;
    }
    const kind = (value as { kind?: unknown }).kind;
    if (typeof kind !== 'string' || !Object.hasOwn(manifestKinds, kind)) {
      const known = Object.keys(manifestKinds).join(', ');
      errors.push(new CorralError(ErrorCode.ManifestInvalid, `${where}: kind: ${JSON.stringify(kind ?? null)} is not a known kind (${known})`, { path: 'kind' }));
      return;
    }
    const parsed = manifestKinds[kind as ManifestKind].safeParse(value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const path = formatPath(issue?.path ?? []);
      errors.push(new CorralError(ErrorCode.ManifestInvalid, `${where}: ${path}: ${issue?.message ?? 'invalid'}`, { path }));
      return;
    }
    objects.push(parsed.data);
  });
  return { objects, errors };
}
