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
  // Warnings stay in the document (no process warnings); aliases expand at most 100 times (no alias bombs).
  const docs = parseAllDocuments(text, { logLevel: 'error' });
  const list = Array.isArray(docs) ? docs : [docs];
  list.forEach((doc, index) => {
    const where = `${source} doc ${index + 1}`;
    if (doc.errors.length > 0) {
      errors.push(new CorralError(ErrorCode.ManifestInvalid, `${where}: YAML: ${doc.errors[0]?.message.split('\n')[0]}`, { path: '(root)' }));
      return;
    }
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 100 });
    } catch (error) {
      // An unresolved alias or one that expands too often.
      errors.push(new CorralError(ErrorCode.ManifestInvalid, `${where}: YAML: ${(error as Error).message.split('\n')[0]}`, { path: '(root)' }));
      return;
    }
    if (containsItself(value)) {
      errors.push(new CorralError(ErrorCode.ManifestInvalid, `${where}: YAML: an alias refers to a node that contains it`, { path: '(root)' }));
      return;
    }
    if (value === null || value === undefined) return; // an empty document, e.g. a trailing `---`
    if (typeof value !== 'object' || Array.isArray(value)) {
      errors.push(new CorralError(ErrorCode.ManifestInvalid, `${where}: must be a mapping with apiVersion and kind`, { path: '(root)' }));
      return;
    }
    const kind = (value as { kind?: unknown }).kind;
    if (typeof kind !== 'string' || !Object.hasOwn(manifestKinds, kind)) {
      const known = Object.keys(manifestKinds).join(', ');
      const shown = typeof kind === 'string' ? JSON.stringify(kind) : kind === undefined || kind === null ? 'null' : `a ${Array.isArray(kind) ? 'list' : typeof kind}`;
      errors.push(new CorralError(ErrorCode.ManifestInvalid, `${where}: kind: ${shown} is not a known kind (${known})`, { path: 'kind' }));
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

/** Whether a value holds itself (YAML anchors can build cycles that no schema walk survives); a node shared by two parents is fine. */
function containsItself(root: unknown): boolean {
  if (root === null || typeof root !== 'object') return false;
  const onPath = new Set<object>([root]);
  const frames: Array<{ value: object; children: unknown[]; next: number }> = [{ value: root, children: Object.values(root), next: 0 }];
  while (frames.length > 0) {
    const frame = frames[frames.length - 1] as { value: object; children: unknown[]; next: number };
    if (frame.next >= frame.children.length) {
      onPath.delete(frame.value);
      frames.pop();
      continue;
    }
    const child = frame.children[frame.next++];
    if (child === null || typeof child !== 'object') continue;
    if (onPath.has(child)) return true;
    onPath.add(child);
    frames.push({ value: child, children: Object.values(child), next: 0 });
  }
  return false;
}
