import { createHash } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { CorralError, ErrorCode, parseManifests } from '../../../protocol/src/index.js';
import type { DesiredPod } from '../reconcile/model.js';

/** Stable uid of a static pod: the same name keeps its restart history across edits and reboots. */
export function staticPodUid(name: string): string {
  const h = createHash('sha256').update(`corral-static-pod/${name}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

export interface StaticPods {
  pods: DesiredPod[];
  errors: CorralError[];
}

/**
 * Pod manifests from YAML files in a directory (like the kubelet's static
 * pods): they run with no hub at all. A bad file or document is reported and
 * skipped; the good ones still run. A missing directory means no static pods.
 */
export async function loadStaticPods(dir: string): Promise<StaticPods> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => /\.ya?ml$/.test(n)).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { pods: [], errors: [] };
    throw error;
  }
  const pods: DesiredPod[] = [];
  const errors: CorralError[] = [];
  const seen = new Set<string>();
  for (const name of names) {
    const parsed = parseManifests(await readFile(join(dir, name), 'utf8'), name);
    errors.push(...parsed.errors);
    for (const object of parsed.objects) {
      if (object.kind !== 'Pod') {
        errors.push(new CorralError(ErrorCode.ManifestInvalid, `${name}: kind: a static pod manifest holds Pods, not ${object.kind} (${object.metadata.name})`, { path: 'kind' }));
        continue;
      }
      if (seen.has(object.metadata.name)) continue; // first file (in name order) wins
      seen.add(object.metadata.name);
      pods.push({ uid: staticPodUid(object.metadata.name), name: object.metadata.name, spec: object.spec });
    }
  }
  return { pods, errors };
}
